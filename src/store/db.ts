/**
 * The database handle every layer above uses: a Kysely instance plus the one way to run
 * a write transaction. SQLite (embedded) or PostgreSQL, with the same SQL above it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { Schema } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';
export type Db = Kysely<Schema>;

export interface Database {
  readonly dialect: DialectName;
  readonly db: Db;
  /** Where the data lives, for logs (a file path; never a password). */
  readonly location: string;
  /** PostgreSQL only: the schema the tables live in, when not the default. */
  readonly schema?: string;
  /**
   * Runs `work` in one write transaction that is durable when the promise resolves.
   * Writers are serialised, so positions are assigned gap-free in commit order.
   */
  write<T>(work: (trx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface SqliteOptions {
  busyTimeoutMs?: number;
  /** Inspect an existing file without changing it (verify, checks of a backup copy). */
  readonly?: boolean;
}

export function openSqlite(file: string, options: SqliteOptions = {}): Database {
  if (options.readonly) {
    if (!existsSync(file)) throw new Error(`no database file at ${file}`);
  } else if (file !== ':memory:') {
    mkdirSync(dirname(file), { recursive: true });
  }
  const connect = () => {
    const native = new SQLite(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    if (!options.readonly) {
      native.pragma('journal_mode = WAL');
      // FULL: a commit is on disk before the mutation is acknowledged; never trade this for speed.
      native.pragma('synchronous = FULL');
    }
    native.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    native.pragma('foreign_keys = ON');
    cacheStatements(native);
    return native;
  };
  // Two connections: write transactions hold theirs across awaits (a whole group commit), while
  // queries go on through the other and see what is committed (WAL readers never wait for the
  // writer). `db` is for reads and for writes while no write transaction runs (migrations, tools):
  // a write through it during one would wait on the lock with the thread blocked.
  const native = connect();
  const writer = new Kysely<Schema>({ dialect: new SqliteDialect({ database: native }) });
  const separate = file !== ':memory:' && !options.readonly;
  const db = separate ? new Kysely<Schema>({ dialect: new SqliteDialect({ database: connect() }) }) : writer;
  return {
    dialect: 'sqlite',
    db,
    location: file,
    write: (work) =>
      // Kysely's SQLite driver has one connection behind a mutex: holding it for the whole
      // transaction keeps other writes of this process out. BEGIN IMMEDIATE takes the write
      // lock up front, so another process waits (busy_timeout) instead of failing mid-way.
      writer.connection().execute(async (conn) => {
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
    close: async () => {
      await writer.destroy();
      if (separate) await db.destroy();
    },
  };
}

/**
 * Kysely prepares every query anew (a tenth of a transfer's CPU, profiled). A better-sqlite3
 * statement can be run again: runs are synchronous and nothing here streams, so one is never
 * busy when it is reused; SQLite re-prepares a statement by itself after a schema change.
 */
function cacheStatements(native: SQLite.Database, size = 500): void {
  const prepare = native.prepare.bind(native);
  const cache = new Map<string, SQLite.Statement>();
  native.prepare = ((sql: string) => {
    let statement = cache.get(sql);
    if (!statement) {
      statement = prepare(sql);
      // Statements with IN lists vary in length: keep the cache bounded (oldest first out).
      if (cache.size >= size) cache.delete(cache.keys().next().value!);
      cache.set(sql, statement);
    }
    return statement;
  }) as typeof native.prepare;
}

export interface PostgresOptions {
  /** Tables live in this schema (search_path): tests use one schema per database. */
  schema?: string;
  poolSize?: number;
}

/** Any fixed number: the advisory lock every write transaction takes first. */
const WRITE_LOCK = 7_341_853_001;

/**
 * PostgreSQL through pg. Write transactions are serialised by a transaction-level advisory
 * lock: positions are assigned in commit order, so a reader following the log by position
 * can never see position n+1 before n commits (docs/operations.md). Reads run in parallel.
 */
export function openPostgres(url: string, options: PostgresOptions = {}): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    options: options.schema ? `-c search_path=${options.schema}` : undefined,
    // int8 (positions) as a JS number, as SQLite gives it; refuse what a number cannot hold.
    types: {
      getTypeParser: ((oid: number, format?: string) => {
        if (oid === pg.types.builtins.INT8) return (value: string) => safeInteger(value);
        return pg.types.getTypeParser(oid, format as 'text');
      }) as typeof pg.types.getTypeParser,
    },
  });
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  return {
    dialect: 'postgres',
    db,
    location: redact(url),
    schema: options.schema,
    write: (work) =>
      db.transaction().execute(async (trx) => {
        await sql`SELECT pg_advisory_xact_lock(${WRITE_LOCK})`.execute(trx);
        return work(trx);
      }),
    close: () => db.destroy(),
  };
}

function safeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`invariant: integer ${value} does not fit a JS number`);
  return n;
}

/** A connection string without its password, for logs. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres (unparseable URL)';
  }
}

/** DATABASE_URL=postgres://… selects PostgreSQL; otherwise the SQLite file. */
export function openDatabase(config: { databaseUrl: string | null; sqliteFile: string }, options: { readonly?: boolean } = {}): Database {
  if (config.databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(config.databaseUrl)) throw new Error('DATABASE_URL must be a postgres:// URL');
    return openPostgres(config.databaseUrl);
  }
  return openSqlite(config.sqliteFile, { readonly: options.readonly });
}
