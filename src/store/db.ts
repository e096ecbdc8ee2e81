/**
 * The database handle every layer above uses: a Kysely instance plus the one way to run
 * a write transaction. SQLite (embedded, sqlite.ts) or PostgreSQL (postgres.ts), with the same
 * SQL above it.
 */
import type { Kysely } from 'kysely';
import { openPostgres } from './postgres.js';
import type { ReplicaChange, ReplicaState } from './replica-health.js';
import type { Schema } from './schema.js';
import { openSqlite } from './sqlite.js';
import type { StorageFault } from './storage-fault.js';

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
   * PostgreSQL with INKWELL_READ_DATABASE_URL: the hot standby that reads inside `onReplica`
   * (read-route.ts) go to; absent otherwise (every read is on the primary, always up to date).
   */
  readonly replica?: ReadReplica | null;
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
  /**
   * The storage of another ledger beside this one (issue 24): PostgreSQL, a schema of its own on
   * the same server, with its own pool and write lock; SQLite, a file of its own in the same
   * folder (read-only when this one is). Not created or migrated yet: store/namespaces.ts does that. `currentSchema`
   * (PostgreSQL): the schema this database's tables live in, when set by the URL's search_path.
   */
  namespace?(ledger: string, currentSchema?: string): Database;
}

export interface ReadReplica {
  /** Where it is, for logs (no password). */
  readonly location: string;
  /**
   * The last log position it has replayed: what a read there sees (positions are per Database).
   * Refused at once while the replica is skipped after a failure (replica-health.ts).
   */
  position(): Promise<number>;
  /** Up, or down since when and why, as the last attempt to reach it found. */
  state(): ReplicaState;
  /** Told when it goes down and when it answers again (once each per outage); returns how to stop. */
  onChange(listener: (change: ReplicaChange) => void): () => void;
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
  /**
   * False for work a crash may undo because it is redone: a subscriber's batch commits with its
   * checkpoint, so a lost batch is applied again from the checkpoint before. Its commit does not
   * wait for the disk (SQLite synchronous=NORMAL, PostgreSQL synchronous_commit=off); it is never
   * torn, a crash loses at most the last such commits, and the next durable commit makes it
   * durable too. The ledger's own writes are always durable.
   */
  durable?: boolean;
  /**
   * PostgreSQL: hold back the statements whose answer the work does not read (BEGIN, the lock,
   * INSERT/UPDATE/DELETE without RETURNING) and send them with the next one it reads, or with the
   * COMMIT (deferred-statements.ts): a group commit costs two or three round trips instead of one
   * per statement. The lock is then taken at the work's first read, so the work must read before
   * it relies on holding it (the ledger's writes read the log head first). SQLite: no effect.
   */
  deferStatements?: boolean;
}

/** DATABASE_URL=postgres://… selects PostgreSQL; otherwise the SQLite file. */
export function openDatabase(
  config: {
    databaseUrl: string | null;
    sqliteFile: string;
    readDatabaseUrl?: string | null;
    replicaConnectTimeoutMs?: number;
    replicaRetryMs?: number;
  },
  options: { readonly?: boolean } = {},
): Database {
  if (config.databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(config.databaseUrl)) throw new Error('DATABASE_URL must be a postgres:// URL');
    if (config.readDatabaseUrl && !/^postgres(ql)?:\/\//.test(config.readDatabaseUrl))
      throw new Error('INKWELL_READ_DATABASE_URL must be a postgres:// URL');
    return openPostgres(config.databaseUrl, {
      readUrl: config.readDatabaseUrl,
      replicaConnectTimeoutMs: config.replicaConnectTimeoutMs,
      replicaRetryMs: config.replicaRetryMs,
    });
  }
  if (config.readDatabaseUrl)
    throw new Error('INKWELL_READ_DATABASE_URL needs DATABASE_URL=postgres://… (a SQLite file has no replicas)');
  return openSqlite(config.sqliteFile, { readonly: options.readonly });
}
