/**
 * The database handle every layer above uses: a Kysely instance plus the one way to run
 * a write transaction. SQLite (embedded) or PostgreSQL, with the same SQL above it.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Schema } from './schema.js';
import { currentDeadline, DeadlineExceeded, withoutDeadline } from './deadline.js';
import { ThreadPool, ThreadedSqliteDialect, touch } from './sqlite-threads.js';

export type DialectName = 'sqlite' | 'postgres';
export type Db = Kysely<Schema>;

/**
 * The storage failed in a way the client can do nothing about but wait and retry: the database is
 * full, locked by another process, read-only, its file is gone, or its server cannot be reached.
 * The request's transaction rolled back (for STORAGE_UNAVAILABLE during a commit the outcome is
 * unknown: the idempotency key makes the retry safe); writes resume once the fault is gone.
 */
export class StorageFault extends Error {
  constructor(
    readonly fault: 'STORAGE_FULL' | 'STORAGE_LOCKED' | 'STORAGE_READ_ONLY' | 'STORAGE_MISSING' | 'STORAGE_UNAVAILABLE',
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'StorageFault';
  }
}

/** Socket errors on the way to a PostgreSQL server: it is down, restarting or unreachable. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** A PostgreSQL error the storage gave (by SQLSTATE, or a lost connection) as a StorageFault; null for anything else. */
function postgresFault(error: unknown, where: string): StorageFault | null {
  if (error instanceof StorageFault) return error;
  const code = (error as { code?: unknown }).code;
  if (code === '53100')
    return new StorageFault('STORAGE_FULL', `the database is full (${where}): free disk space, then retry`, error);
  if (code === '55P03')
    return new StorageFault(
      'STORAGE_LOCKED',
      `the database's write lock is held by another session (${where}): retry shortly`,
      error,
    );
  if (code === '25006')
    return new StorageFault(
      'STORAGE_READ_ONLY',
      `the database cannot be written (${where} is read-only): retry once it is writable`,
      error,
    );
  // 08xxx: connection exception; 57P01-03: the server is shutting down, crashed, or starting up.
  // pg's own "Connection terminated …" errors carry no code.
  const lost =
    (typeof code === 'string' && (UNREACHABLE.has(code) || code.startsWith('08') || /^57P0[123]$/.test(code))) ||
    (error instanceof Error && /^Connection terminated|connection error and is not queryable/.test(error.message));
  if (lost)
    return new StorageFault(
      'STORAGE_UNAVAILABLE',
      `the database server cannot be reached (${where}): retry shortly`,
      error,
    );
  return null;
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

export interface Database {
  readonly dialect: DialectName;
  readonly db: Db;
  /** Where the data lives, for logs (a file path; never a password). */
  readonly location: string;
  /** PostgreSQL only: the schema the tables live in, when not the default. */
  readonly schema?: string;
  /** SQLite only: a pragma on the write connection (operations and fault tests); `simple` gives the first value. */
  pragma?(source: string, simple?: boolean): Promise<unknown>;
  /**
   * Runs `work` in one write transaction that is durable when the promise resolves.
   * Writers are serialised, so positions are assigned gap-free in commit order.
   * `options.lock` (PostgreSQL): serialise against the writers of that lock only, not the ledger's.
   */
  write<T>(work: (trx: Db) => Promise<T>, options?: WriteOptions): Promise<T>;
  /** An error from this storage (a write's, or a read's) as the StorageFault it is; null when it is none. */
  fault(error: unknown): StorageFault | null;
  close(): Promise<void>;
}

export interface WriteOptions {
  /**
   * A named lock to take instead of the ledger's write lock, for work that appends no events
   * (a subscriber's batch and checkpoint: 'subscriber:' + name): it then waits only for other
   * holders of that name, and commands never wait for it. Such work must not append to the log,
   * whose positions are assigned under the ledger's lock. PostgreSQL only: SQLite has one writer
   * per file, so there every write transaction is serialised with every other whatever the lock.
   */
  lock?: string;
}

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
    write: (work) =>
      // The writer pool has one thread, leased for the whole transaction: other writes of this
      // process wait for it. BEGIN IMMEDIATE takes the write lock up front, so another process
      // waits (busy_timeout, on the writer thread) instead of failing mid-way.
      writer.connection().execute(async (conn) => {
        try {
          checkFile();
          writerThread.beginDeferred();
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
  };
}

export interface PostgresOptions {
  /** Tables live in this schema (search_path): tests use one schema per database. */
  schema?: string;
  poolSize?: number;
  /** How long a write waits for the write lock before it fails with STORAGE_LOCKED (default 5 s, as SQLite's busy timeout). */
  lockTimeoutMs?: number;
}

/** Any fixed number: the advisory lock every write transaction takes first. */
const WRITE_LOCK = 7_341_853_001;
/**
 * Named locks (WriteOptions.lock) use the two-int4 advisory key (this namespace, hashtext(name)),
 * a key space apart from the one-bigint WRITE_LOCK's: no name can collide with the ledger's lock.
 */
const NAMED_LOCKS = 7_341;

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
  // A session the server ends (restart, failover, an administrator) emits 'error': on the pool
  // while idle, on the client while checked out between two queries. Unheard, either would end
  // the process. pg drops the broken session and opens a new one for the next query; a query that
  // meets it fails with a connection error, which the client sees as STORAGE_UNAVAILABLE.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
    cancelAtDeadline(client, url);
  });
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  return {
    dialect: 'postgres',
    db,
    location: redact(url),
    schema: options.schema,
    write: (work, writeOptions) =>
      // A queued write commits or fails whole: no request's deadline cancels its statements.
      withoutDeadline(async () => {
        const lock = writeOptions?.lock;
        try {
          return await db.transaction().execute(async (trx) => {
            // A writer stuck holding the lock must not hang every request: wait this long, then fail clearly.
            await sql`SELECT set_config('lock_timeout', ${`${options.lockTimeoutMs ?? 5000}ms`}, true)`.execute(trx);
            if (lock === undefined) await sql`SELECT pg_advisory_xact_lock(${WRITE_LOCK})`.execute(trx);
            else await sql`SELECT pg_advisory_xact_lock(${NAMED_LOCKS}, hashtext(${lock}))`.execute(trx);
            await sql`SELECT set_config('lock_timeout', '0', true)`.execute(trx);
            return work(trx);
          });
        } catch (error) {
          throw postgresFault(error, redact(url)) ?? error;
        }
      }),
    fault: (error) => postgresFault(error, redact(url)),
    close: () => db.destroy(),
  };
}

/**
 * A read whose request runs out of time (or whose client leaves) is cancelled on the server, as
 * psql's Ctrl-C does: a cancel request for the session's backend, sent on a connection of its own
 * (the pool may be exhausted). The statement then fails, and the caller sees DeadlineExceeded.
 */
function cancelAtDeadline(client: pg.PoolClient, url: string): void {
  const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
  (client as { query: unknown }).query = (...args: unknown[]) => {
    const signal = currentDeadline();
    if (!signal) return query(...args);
    if (signal.aborted) return Promise.reject(new DeadlineExceeded());
    const cancel = () => {
      const canceller = new pg.Client({ connectionString: url });
      canceller.on('error', () => {});
      void canceller
        .connect()
        .then(() =>
          canceller.query('SELECT pg_cancel_backend($1)', [(client as unknown as { processID: number }).processID]),
        )
        .catch(() => undefined)
        .finally(() => void canceller.end().catch(() => undefined));
    };
    signal.addEventListener('abort', cancel, { once: true });
    return query(...args).then(
      (result) => {
        signal.removeEventListener('abort', cancel);
        return result;
      },
      (error: unknown) => {
        signal.removeEventListener('abort', cancel);
        throw signal.aborted ? new DeadlineExceeded() : error;
      },
    );
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
export function openDatabase(
  config: { databaseUrl: string | null; sqliteFile: string },
  options: { readonly?: boolean } = {},
): Database {
  if (config.databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(config.databaseUrl)) throw new Error('DATABASE_URL must be a postgres:// URL');
    return openPostgres(config.databaseUrl);
  }
  return openSqlite(config.sqliteFile, { readonly: options.readonly });
}
