/**
 * SQLite off the event loop. better-sqlite3 is synchronous: a long read or an fsync on the main
 * thread would freeze every other request. Here each connection lives on a worker thread of its
 * own (sqlite-worker.js); Kysely still compiles queries on the main thread and ships
 * `{ sql, parameters }` to a thread, whose rows come back as a message.
 *
 * A pool leases a whole thread to one Kysely connection at a time (one query, or one transaction
 * pinned to it until it ends). A read that outlives its request's deadline is abandoned: its
 * thread is terminated mid-statement (SQLite needs no cleanup for a reader) and replaced.
 */
import { closeSync, openSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import {
  CompiledQuery,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
} from 'kysely';
import { breathe } from '../slices.js';
import { currentDeadline, DeadlineExceeded } from './deadline.js';

const WORKER_URL = new URL('./sqlite-worker.js', import.meta.url);

export interface ThreadOptions {
  file: string;
  readonly: boolean;
  busyTimeoutMs: number;
  /** The writer sets the durable pragmas (WAL, synchronous=FULL). */
  writer: boolean;
}

interface Reply {
  id: number;
  rows: unknown[];
  changes?: number;
  lastInsertRowid?: number | bigint;
  error?: { message: string; code?: string; name?: string };
}

/** The error a thread reported, with the code the storage-fault mapping reads. */
export class SqliteThreadError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'SqliteError';
  }
}

/** One SQLite connection on one worker thread. */
class SqliteThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve(reply: Reply): void; reject(error: unknown): void }>();
  private nextId = 0;
  /** Set once the thread has ended (closed, terminated or crashed): it takes nothing more. */
  dead: Error | null = null;

  constructor(options: ThreadOptions) {
    this.worker = new Worker(WORKER_URL, { workerData: options });
    this.worker.on('error', (error) => this.end(error));
    this.worker.on('exit', (code) => this.end(new Error(`the SQLite thread stopped (exit code ${code})`)));
    this.worker.on('message', (reply: Reply) => this.receive(reply));
    // A thread between requests must not keep the process alive.
    this.worker.unref();
  }

  private end(error: Error): void {
    this.dead ??= error;
    for (const { reject } of this.pending.values()) reject(this.dead);
    this.pending.clear();
  }

  send(message: Record<string, unknown>, signal?: AbortSignal): Promise<Reply> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      const onAbort = () => {
        // better-sqlite3 cannot interrupt a running statement: the thread goes, a new one replaces it.
        this.end(new DeadlineExceeded());
        void this.worker.terminate();
      };
      if (signal?.aborted) return reject(new DeadlineExceeded());
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (reply) => {
          signal?.removeEventListener('abort', onAbort);
          if (reply.error) reject(new SqliteThreadError(reply.error.message, reply.error.code));
          else resolve(reply);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
      this.worker.ref();
      this.worker.postMessage({ id, ...message });
    });
  }

  /** Sends a statement nobody waits for (see ThreadPool.deferWrites); the thread does not answer it. */
  post(message: Record<string, unknown>): void {
    if (this.dead) throw this.dead;
    this.worker.postMessage({ ...message, deferred: true });
  }

  private receive(reply: Reply): void {
    const waiter = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    waiter?.resolve(reply);
  }

  async close(): Promise<void> {
    if (this.dead) return;
    await this.send({ op: 'close' }).catch(() => undefined);
    await this.worker.terminate();
  }
}

/** Up to `size` threads, each leased whole to one connection at a time. */
export class ThreadPool {
  private readonly idle: SqliteThread[] = [];
  private readonly all = new Set<SqliteThread>();
  private readonly waiting: Array<(thread: SqliteThread) => void> = [];
  /**
   * Set by the holder of a write transaction (a pool of one): its inserts, updates and deletes
   * whose result is not read are sent without waiting for the thread's answer, so a transaction's
   * writes cost the event loop no round trip each. The thread runs them in order; the first to
   * fail fails every later statement, COMMIT included (sqlite-worker.js).
   */
  deferWrites = false;

  constructor(
    private readonly options: ThreadOptions,
    private readonly size: number,
    /** Deadlines apply to reads only: a write, once queued, commits or fails whole. */
    readonly interruptible: boolean,
  ) {}

  acquire(): Promise<SqliteThread> {
    const thread = this.idle.pop();
    if (thread) return Promise.resolve(thread);
    if (this.all.size < this.size) {
      const fresh = new SqliteThread(this.options);
      this.all.add(fresh);
      return Promise.resolve(fresh);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(thread: SqliteThread): void {
    let next = thread;
    if (thread.dead) {
      // Interrupted or crashed: a fresh connection takes its place.
      this.all.delete(thread);
      next = new SqliteThread(this.options);
      this.all.add(next);
    }
    const waiter = this.waiting.shift();
    if (waiter) waiter(next);
    else this.idle.push(next);
  }

  /**
   * Ends an open transaction after a failure (a failed COMMIT may leave one open). Only for a
   * pool of one thread, called by the holder of its lease: it talks to that thread directly.
   */
  async rollbackIfOpen(): Promise<void> {
    if (this.size !== 1) throw new Error('invariant: rollbackIfOpen on a pool of more than one thread');
    const [thread] = this.all;
    if (thread && !thread.dead) await thread.send({ op: 'rollback-if-open' });
  }

  /**
   * Starts a write transaction without waiting for it (deferWrites on): a failure answers the next
   * statement. Pool of one, its holder only. Each transaction sets how its commit syncs
   * (WriteOptions.durable): in WAL mode a NORMAL commit is not synced, a FULL one syncs it too.
   */
  beginDeferred(durable = true): void {
    if (this.size !== 1) throw new Error('invariant: beginDeferred on a pool of more than one thread');
    const [thread] = this.all;
    thread!.post({ op: 'pragma', source: `synchronous = ${durable ? 'FULL' : 'NORMAL'}`, simple: true });
    thread!.post({ sql: 'BEGIN IMMEDIATE', parameters: [] });
    this.deferWrites = true;
  }

  /** Runs one statement outside Kysely (pragmas of operations and fault tests). */
  async pragma(source: string, simple: boolean): Promise<unknown> {
    const thread = await this.acquire();
    try {
      return (await thread.send({ op: 'pragma', source, simple })).rows;
    } finally {
      this.release(thread);
    }
  }

  async destroy(): Promise<void> {
    await Promise.all([...this.all].map((thread) => thread.close()));
    this.all.clear();
    this.idle.length = 0;
  }
}

class ThreadConnection implements DatabaseConnection {
  constructor(
    readonly thread: SqliteThread,
    private readonly pool: ThreadPool,
  ) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    if (this.pool.deferWrites && isBlindWrite(compiled)) {
      this.thread.post({ sql: compiled.sql, parameters: compiled.parameters });
      // Nothing to wait for, so a big transaction's statements would otherwise be compiled and
      // sent in one stretch of the event loop: it is given back every few milliseconds.
      await breathe();
      return { rows: [] };
    }
    const signal = this.pool.interruptible ? currentDeadline() : undefined;
    const reply = await this.thread.send({ sql: compiled.sql, parameters: compiled.parameters }, signal);
    if (reply.changes === undefined) return { rows: reply.rows as R[] };
    return {
      rows: [],
      numAffectedRows: BigInt(reply.changes),
      insertId: reply.lastInsertRowid === undefined ? undefined : BigInt(reply.lastInsertRowid),
    };
  }

  streamQuery(): AsyncIterableIterator<QueryResult<never>> {
    throw new Error('streaming is not supported on SQLite threads: read in pages');
  }
}

/** An insert, update or delete without RETURNING: its result is never read (nothing in src reads affected-row counts). */
function isBlindWrite(compiled: CompiledQuery): boolean {
  const { kind } = compiled.query;
  if (kind !== 'InsertQueryNode' && kind !== 'UpdateQueryNode' && kind !== 'DeleteQueryNode') return false;
  return !(compiled.query as { returning?: unknown }).returning;
}

class ThreadDriver implements Driver {
  constructor(private readonly pool: ThreadPool) {}
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return new ThreadConnection(await this.pool.acquire(), this.pool);
  }
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin'));
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }
  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    this.pool.release((connection as ThreadConnection).thread);
  }
  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}

/** Kysely's SQLite dialect with its statements run on a pool of threads. */
export class ThreadedSqliteDialect implements Dialect {
  constructor(private readonly pool: ThreadPool) {}
  createAdapter() {
    return new SqliteAdapter();
  }
  createDriver(): Driver {
    return new ThreadDriver(this.pool);
  }
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
  createQueryCompiler() {
    return new SqliteQueryCompiler();
  }
}

/** SQLite opens an empty file as an empty database: creating it here lets the caller stat it at once. */
export function touch(file: string): void {
  closeSync(openSync(file, 'a'));
}
