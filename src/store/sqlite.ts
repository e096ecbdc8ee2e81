/** The embedded database: a SQLite file, its connections on worker threads (sqlite-threads.ts). */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { Kysely, sql } from 'kysely';
import type { Database } from './db.js';
import type { Schema } from './schema.js';
import { ThreadedSqliteDialect, ThreadPool, touch } from './sqlite-threads.js';
import { StorageFault } from './storage-fault.js';

export interface SqliteOptions {
  busyTimeoutMs?: number;
  /** Inspect an existing file without changing it (verify, checks of a backup copy). */
  readonly?: boolean;
  /** Reader threads (default 2: one per core here); the writer has a thread of its own. */
  readers?: number;
}

/**
 * SQLite on worker threads (sqlite-threads.ts): one writer thread owns the write connection and
 * its fsyncs; a pool of reader threads serves queries, which WAL lets read while the writer
 * commits. The event loop only compiles SQL and receives rows.
 */
export function openSqlite(file: string, options: SqliteOptions = {}): Database {
  if (options.readonly) {
    if (!existsSync(file)) throw new Error(`no database file at ${file}`);
  } else if (file !== ':memory:') {
    mkdirSync(dirname(file), { recursive: true });
    touch(file);
  }
  const thread = { file, readonly: options.readonly ?? false, busyTimeoutMs: options.busyTimeoutMs ?? 5000 };
  // The file this connection opened: a write to it after it was removed (or replaced) would be
  // acknowledged and then lost with the orphaned inode, so every write transaction checks it first.
  const inode = file === ':memory:' ? null : statSync(file).ino;
  const checkFile = () => {
    if (inode === null || statSync(file, { throwIfNoEntry: false })?.ino === inode) return;
    throw new StorageFault(
      'STORAGE_MISSING',
      `the database file ${file} was removed or replaced while in use: put it back, or restart on the right file`,
    );
  };
  const writerThread = new ThreadPool({ ...thread, writer: true }, 1, false);
  const writer = new Kysely<Schema>({ dialect: new ThreadedSqliteDialect(writerThread) });
  // An in-memory database lives in one connection; a read-only one needs no writer beside it.
  const separate = file !== ':memory:' && !options.readonly;
  const readerThreads = separate
    ? new ThreadPool({ ...thread, writer: false }, options.readers ?? 2, true)
    : writerThread;
  const db = separate ? new Kysely<Schema>({ dialect: new ThreadedSqliteDialect(readerThreads) }) : writer;
  return {
    dialect: 'sqlite',
    db,
    location: file,
    pragma: (source, simple = false) => writerThread.pragma(source, simple),
    // WriteOptions.lock changes nothing here: SQLite has one writer per file, so a subscriber's
    // batch is serialised with the ledger's commands whatever lock it names.
    write: (work, writeOptions) =>
      // The writer pool has one thread, leased for the whole transaction: other writes of this
      // process wait for it. BEGIN IMMEDIATE takes the write lock up front, so another process
      // waits (busy_timeout, on the writer thread) instead of failing mid-way.
      writer.connection().execute(async (conn) => {
        try {
          checkFile();
          writerThread.beginDeferred(writeOptions?.durable ?? true);
          const result = await work(conn);
          await sql`COMMIT`.execute(conn);
          return result;
        } catch (error) {
          await writerThread.rollbackIfOpen();
          throw sqliteFault(error, file) ?? error;
        } finally {
          writerThread.deferWrites = false;
        }
      }),
    fault: (error) => sqliteFault(error, file),
    close: async () => {
      await writer.destroy();
      if (separate) await db.destroy();
    },
    namespace: (ledger) => {
      if (file === ':memory:') throw new Error('an in-memory database has no ledgers');
      // A read-only database's ledgers are read-only too (`inkwell verify --ledger`): nothing created.
      const { busyTimeoutMs, readers, readonly } = options;
      return openSqlite(ledgerFile(file, ledger), { busyTimeoutMs, readers, readonly });
    },
  };
}

/**
 * The file of ledger `ledger` (issue 24), beside the default one: `inkwell.db` →
 * `inkwell.ledger-acme.db`. Each file has its own writer, but they share this process: no claim
 * of parallel writers is made for SQLite.
 */
export function ledgerFile(file: string, ledger: string): string {
  const ext = extname(file);
  return join(dirname(file), `${basename(file, ext)}.ledger-${ledger}${ext || '.db'}`);
}

/** A SQLite error the storage gave as a StorageFault; null for anything else. */
function sqliteFault(error: unknown, file: string): StorageFault | null {
  if (error instanceof StorageFault) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return null;
  if (code === 'SQLITE_FULL')
    return new StorageFault(
      'STORAGE_FULL',
      `the database is full (${file}): free disk space or raise its size limit, then retry`,
      error,
    );
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return new StorageFault(
      'STORAGE_LOCKED',
      `the database is locked by another process (${file}): retry shortly`,
      error,
    );
  if (code.startsWith('SQLITE_READONLY'))
    return new StorageFault(
      'STORAGE_READ_ONLY',
      `the database cannot be written (${file} is read-only): retry once it is writable`,
      error,
    );
  return null;
}
