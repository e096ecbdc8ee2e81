/**
 * The database handle every layer above uses: a Kysely instance plus the one way to run
 * a write transaction. SQLite today; PostgreSQL plugs in behind the same interface.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { Schema } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';
export type Db = Kysely<Schema>;

export interface Database {
  readonly dialect: DialectName;
  readonly db: Db;
  /** Where the data lives, for logs (a file path; never a password). */
  readonly location: string;
  /**
   * Runs `work` in one write transaction that is durable when the promise resolves.
   * Writers are serialised, so positions are assigned gap-free in commit order.
   */
  write<T>(work: (trx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface SqliteOptions {
  busyTimeoutMs?: number;
}

export function openSqlite(file: string, options: SqliteOptions = {}): Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const native = new SQLite(file);
  native.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before the mutation is acknowledged; never trade this for speed.
  native.pragma('synchronous = FULL');
  native.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  native.pragma('foreign_keys = ON');
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: native }) });
  return {
    dialect: 'sqlite',
    db,
    location: file,
    write: (work) =>
      // Kysely's SQLite driver has one connection behind a mutex: holding it for the whole
      // transaction keeps other queries of this process out. BEGIN IMMEDIATE takes the write
      // lock up front, so another process waits (busy_timeout) instead of failing mid-way.
      db.connection().execute(async (conn) => {
        await sql`BEGIN IMMEDIATE`.execute(conn);
        try {
          const result = await work(conn);
          await sql`COMMIT`.execute(conn);
          return result;
        } catch (error) {
          if (native.inTransaction) await sql`ROLLBACK`.execute(conn);
          throw error;
        }
      }),
    close: () => db.destroy(),
  };
}
