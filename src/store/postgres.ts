/** PostgreSQL through pg: a pool, the ledger's advisory write lock, cancellation at a deadline. */
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './db.js';
import { DeferringClient } from './deferred-statements.js';
import { currentDeadline, DeadlineExceeded, withoutDeadline } from './deadline.js';
import type { Schema } from './schema.js';
import { parseHosts, PrimaryFinder, redactUrl, writableClient } from './pg-hosts.js';
import { connectionLost } from './pg-connection-lost.js';
import { onPrimary } from './read-route.js';
import { clientWithConnectTimeout, connectForRead, replicaPosition, watchReplicaClient } from './replica-fallback.js';
import { DEFAULT_REPLICA_CONNECT_TIMEOUT_MS, DEFAULT_REPLICA_RETRY_MS, ReplicaHealth } from './replica-health.js';
import { StorageFault } from './storage-fault.js';

export interface PostgresOptions {
  /** Tables live in this schema (search_path): tests use one schema per database. */
  schema?: string;
  poolSize?: number;
  /** How long a write waits for the write lock before it fails with STORAGE_LOCKED (default 5 s, as SQLite's busy timeout). */
  lockTimeoutMs?: number;
  /**
   * A hot standby of the same database (INKWELL_READ_DATABASE_URL): reads inside `onReplica`
   * (read-route.ts) go there, everything else to the primary.
   */
  readUrl?: string | null;
  /** How long a connection to the replica may take before the read goes to the primary (default 1 s). */
  replicaConnectTimeoutMs?: number;
  /** How long reads skip a replica that failed before one tries it again (default 5 s). */
  replicaRetryMs?: number;
  /** The replica's breaker, shared by every ledger's pools: the standby is one server, down for all. */
  replicaHealth?: ReplicaHealth;
  /**
   * A ledger's own write lock (issue 24): its writes take the two-int4 key (LEDGER_LOCKS,
   * hashtext(space)) instead of WRITE_LOCK, and its named locks are named within the space, so
   * that ledgers never wait for each other. Unset: the default ledger's WRITE_LOCK, as before.
   */
  lockSpace?: string;
}

/** Any fixed number: the advisory lock every write transaction takes first. */
const WRITE_LOCK = 7_341_853_001;

/**
 * Named locks (WriteOptions.lock) use the two-int4 advisory key (this namespace, hashtext(name)),
 * a key space apart from the one-bigint WRITE_LOCK's: no name can collide with the ledger's lock.
 */
const NAMED_LOCKS = 7_341;

/**
 * The write locks of the ledgers other than `default`: (this namespace, hashtext(schema)), apart
 * from NAMED_LOCKS and from WRITE_LOCK. Two schemas whose hashes collide would only share a lock
 * (their writes would take turns), never break anything.
 */
const LEDGER_LOCKS = 7_342;

/** Connections of each ledger's pool besides the default one's: 2 API processes × 10 ledgers stay far below max_connections = 100. */
const LEDGER_POOL_SIZE = 4;

/**
 * PostgreSQL through pg. Write transactions are serialised by a transaction-level advisory
 * lock: positions are assigned in commit order, so a reader following the log by position
 * can never see position n+1 before n commits (docs/operations.md). Reads run in parallel.
 * `url` may name several hosts: connections go to the one that accepts writes (pg-hosts.ts).
 */
export function openPostgres(url: string, options: PostgresOptions = {}): Database {
  const hosts = parseHosts(url);
  const finder = new PrimaryFinder(hosts);
  // One host: pg's own client, as ever (a standby refuses writes itself: STORAGE_READ_ONLY).
  const primary = pool(
    hosts.urlFor(hosts.hosts[0]!),
    options,
    hosts.hosts.length > 1 ? writableClient(finder) : undefined,
  );
  const health = options.replicaHealth ?? new ReplicaHealth(options.replicaRetryMs ?? DEFAULT_REPLICA_RETRY_MS);
  const replica = options.readUrl
    ? pool(
        options.readUrl,
        options,
        clientWithConnectTimeout(options.replicaConnectTimeoutMs ?? DEFAULT_REPLICA_CONNECT_TIMEOUT_MS),
        (client) => watchReplicaClient(client, health),
      )
    : null;
  // One Kysely over both pools: each connection is taken from the pool the work's scope names,
  // the primary's when the replica cannot be reached (replica-fallback.ts).
  const routed = {
    connect: () => connectForRead(primary, replica, health),
    // The pools are ended by close(), not by either Kysely (one never used would not end them).
    end: async () => {},
  };
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: routed as unknown as pg.Pool }) });
  // The same primary pool, for writes that hold back their unread statements (deferred-statements.ts).
  const deferring = { connect: async () => new DeferringClient(await primary.connect()), end: routed.end };
  const writer = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: deferring as unknown as pg.Pool }) });
  const where = redactUrl(url);
  const fault = (error: unknown) => {
    const found = postgresFault(error, where);
    // The host may have gone or turned standby: the next connection looks for the primary again.
    if (found && found.fault !== 'STORAGE_LOCKED' && found.fault !== 'STORAGE_FULL') finder.forget();
    return found;
  };
  return {
    dialect: 'postgres',
    db,
    location: where,
    schema: options.schema,
    replica: replica && {
      location: redactUrl(options.readUrl!),
      position: () => replicaPosition(replica, health, redactUrl(options.readUrl!)),
      state: () => health.state(),
      onChange: (listener) => health.onChange(listener),
    },
    write: (work, writeOptions) =>
      // A queued write commits or fails whole: no request's deadline cancels its statements,
      // and it runs on the primary whatever scope it was asked from.
      withoutDeadline(() =>
        onPrimary(async () => {
          const lock = writeOptions?.lock;
          try {
            return await (writeOptions?.deferStatements ? writer : db).transaction().execute(async (trx) => {
              await sql
                .raw(takeLock(lock, options.lockSpace, options.lockTimeoutMs ?? 5000, writeOptions?.durable ?? true))
                .execute(trx);
              return work(trx);
            });
          } catch (error) {
            throw fault(error) ?? error;
          }
        }),
      ),
    fault,
    close: async () => {
      await Promise.all([db.destroy(), writer.destroy()]);
      // pg refuses to end a pool twice; a second close has nothing left to do.
      if (!primary.ending) await Promise.all([primary.end(), replica?.end()]);
    },
    namespace: (ledger, currentSchema) => {
      const schema = ledgerSchema(options.schema ?? currentSchema, ledger);
      return openPostgres(url, {
        schema,
        poolSize: Math.min(options.poolSize ?? LEDGER_POOL_SIZE, LEDGER_POOL_SIZE),
        lockTimeoutMs: options.lockTimeoutMs,
        lockSpace: schema,
        readUrl: options.readUrl,
        replicaConnectTimeoutMs: options.replicaConnectTimeoutMs,
        replicaHealth: health,
      });
    },
  };
}

/** A pool of connections to one server (the primary's `Client` finds it among the hosts). */
function pool(
  url: string,
  options: PostgresOptions,
  client?: typeof pg.Client,
  watch: (connected: pg.PoolClient) => void = () => undefined,
): pg.Pool {
  const created = new pg.Pool({
    ...withSchema(url, options.schema),
    Client: client,
    max: options.poolSize ?? 10,
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
  created.on('error', () => {});
  created.on('connect', (connected) => {
    connected.on('error', () => {});
    cancelAtDeadline(connected, url);
    watch(connected as pg.PoolClient);
  });
  return created;
}

/**
 * The statements that open every write transaction, sent as one (a simple query: one round trip,
 * run in order). A writer stuck holding the lock must not hang every request: the lock is waited
 * for `timeoutMs`, then the write fails clearly; the work after it has no lock timeout. A commit
 * that may be lost (WriteOptions.durable false) does not wait for the WAL flush.
 */
function takeLock(lock: string | undefined, space: string | undefined, timeoutMs: number, durable: boolean): string {
  const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
  const take =
    lock !== undefined
      ? `pg_advisory_xact_lock(${NAMED_LOCKS}, hashtext(${quote(space === undefined ? lock : `${space}/${lock}`)}))`
      : space !== undefined
        ? `pg_advisory_xact_lock(${LEDGER_LOCKS}, hashtext(${quote(space)}))`
        : `pg_advisory_xact_lock(${WRITE_LOCK})`;
  return [
    `SET LOCAL lock_timeout = '${Math.max(1, Math.trunc(timeoutMs))}ms'`,
    `SELECT ${take}`,
    'SET LOCAL lock_timeout = 0',
    `SET LOCAL synchronous_commit = ${durable ? 'on' : 'off'}`,
  ].join('; ');
}

/**
 * The connection settings that put the tables in `schema`. pg lets the URL's own `options`
 * parameter (a search_path in DATABASE_URL) override the pool's, so the two are joined, the
 * schema last (the last -c of a setting wins): a ledger beside such a deployment gets its own.
 */
function withSchema(url: string, schema: string | undefined): { connectionString: string; options?: string } {
  if (!schema) return { connectionString: url };
  const parsed = new URL(url);
  const own = parsed.searchParams.get('options');
  parsed.searchParams.delete('options');
  return { connectionString: parsed.toString(), options: [own, `-c search_path=${schema}`].filter(Boolean).join(' ') };
}

/**
 * The schema of ledger `ledger` (issue 24): `ledger_<name>` beside a deployment in `public`, or
 * `<schema>_ledger_<name>` beside one whose tables live in a schema of their own (set in
 * DATABASE_URL's search_path, or per test), so that two deployments on one database never share a
 * ledger. Ledger names are plain identifiers (domain/ledgers.ts): the schema needs no quoting.
 */
export function ledgerSchema(schema: string | undefined, ledger: string): string {
  return schema && schema !== 'public' ? `${schema}_ledger_${ledger}` : `ledger_${ledger}`;
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
      // To the server the session is on (the primary found among several hosts, or the replica).
      const canceller = new pg.Client({ connectionString: url, host: client.host, port: client.port });
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
  if (connectionLost(error))
    return new StorageFault(
      'STORAGE_UNAVAILABLE',
      `the database server cannot be reached (${where}): retry shortly`,
      error,
    );
  return null;
}
