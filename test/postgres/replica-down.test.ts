/**
 * Reads that survive a read replica that is down, on real servers: a primary and its streaming
 * standby (scripts/pg-replica.sh) given as the read replica, and the real Inkwell server on a
 * socket. The standby is killed while the server runs: queries, min-position reads and mutations
 * are still answered (by the primary, with its data), /ready stays ready and says why, the metric
 * shows it and the log warns once. Started again, the standby serves reads again — shown by
 * pausing its replay, so that its answer differs from the primary's. A query whose replica
 * connection breaks mid-way runs again on the primary; a replica that never answers costs one
 * connect timeout, then is skipped.
 *
 * The standby is made asynchronous first: with a synchronous standby down, every commit on the
 * primary waits for it (docs/operations.md, "Recovery runbook").
 *
 * Needs root and PostgreSQL's server binaries, as replica-reads.test.ts.
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../../src/config.js';
import type { Logger, LogLevel } from '../../src/log.js';
import type { RunningServer } from '../../src/server.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import { readHead } from '../../src/store/event-store.js';
import { onReplica, type ReplicaRoute } from '../../src/store/read-route.js';
import { parsePrometheus, sampleValue } from '../support/prometheus.js';
import {
  postQuery,
  replayPaused,
  serveCashLedger,
  startReplicaCluster,
  transferCash,
  until,
  type ReplicaCluster,
} from '../support/replica-cluster.js';

const WAIT_MS = 700;
const RETRY_MS = 1000;

let cluster: ReplicaCluster;
let database: Database;
let server: RunningServer;
let key: string;
let primary: pg.Client;
const logged: Array<{ level: LogLevel; message: string; fields?: Record<string, unknown> }> = [];
const logger: Logger = { log: (level, message, fields) => void logged.push({ level, message, fields }) };

/** A client of one node, that survives the node going away. */
async function clientOf(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  return client;
}

beforeAll(async () => {
  cluster = await startReplicaCluster();
  primary = await clientOf(cluster.urls.node1);
  await primary.query('alter system reset synchronous_standby_names');
  await primary.query('select pg_reload_conf()');
  const config = configFromEnv({
    DATABASE_URL: cluster.url,
    INKWELL_READ_DATABASE_URL: cluster.urls.node2,
    INKWELL_REPLICA_WAIT_MS: String(WAIT_MS),
    INKWELL_REPLICA_RETRY_MS: String(RETRY_MS),
  });
  database = openDatabase(config);
  ({ server, key } = await serveCashLedger(database, { replicaWaitMs: config.replicaWaitMs, logger }));
}, 180_000);

afterAll(async () => {
  await primary?.end();
  await server?.close();
  await database?.close();
  await cluster?.stop();
}, 60_000);

const gql = (query: string, headers?: Record<string, string>) => postQuery(server.url, key, query, headers);

const transfer = (idempotencyKey: string) => transferCash(server.url, key, idempotencyKey);

/** The transaction (null when the server read has not got it) and the cash balance, in one query. */
const read = (id: string, headers?: Record<string, string>) =>
  gql(`{ transaction(id: "${id}") { id } account(code: "assets:cash") { balance { posted { amount } } } }`, headers);

/** A query on the ledger "side", which has no accounts: its own endpoint, its own schema. */
const sideRead = () =>
  postQuery(
    server.url.replace(/\/graphql$/, '/ledgers/side/graphql'),
    key,
    '{ account(code: "assets:cash") { code } }',
  );

const opsUrl = (path: string) => server.url.replace(/\/graphql$/, path);
const scrape = async () => parsePrometheus(await (await fetch(opsUrl('/metrics'))).text());
const primaryReads = async () => sampleValue(await scrape(), 'inkwell_query_reads_total', { server: 'primary' });
const outageLines = () => logged.filter((line) => /read replica/.test(line.message));

describe('a read replica that is down (PostgreSQL)', () => {
  it('the standby killed: queries, min-position reads and mutations are answered by the primary; /ready stays ready', async () => {
    const before = await transfer('down-before');
    await until('the replica has the first transfer', async () => {
      const reply = await read(before.id, { 'x-inkwell-min-position': String(before.position) });
      return reply.extensions?.readFrom === 'replica';
    });
    // A second ledger: its own pools, the same replica (and the same breaker).
    const created = await gql('mutation { createLedger(input: { name: "side" }) { __typename } }');
    expect(created.data?.createLedger.__typename, JSON.stringify(created)).toBe('Ledger');
    await until('the side ledger is read on the replica', async () => {
      const reply = await sideRead();
      return reply.extensions?.readFrom === 'replica' && reply.errors === undefined;
    });
    expect(sampleValue(await scrape(), 'inkwell_replica_available')).toBe(1);
    const primaryBefore = await primaryReads();

    await cluster.kill('node2');
    // The mutation commits (on the primary, as always); the query after it reads it there.
    const during = await transfer('down-during');
    const reply = await read(during.id);
    expect(reply.errors, JSON.stringify(reply)).toBeUndefined();
    expect(reply.extensions?.readFrom).toBe('primary');
    expect(reply.data).toEqual({
      transaction: { id: during.id },
      account: { balance: { posted: { amount: '2.00' } } },
    });

    // A read-your-writes request does not wait for a replica that cannot answer.
    const started = performance.now();
    const fresh = await read(during.id, { 'x-inkwell-min-position': String(during.position) });
    expect(performance.now() - started).toBeLessThan(WAIT_MS);
    expect(fresh.extensions?.readFrom).toBe('primary');
    expect(fresh.data?.transaction).toEqual({ id: during.id });

    for (let i = 0; i < 5; i++) expect((await read(during.id)).extensions?.readFrom).toBe('primary');
    const side = await sideRead();
    expect(side.errors, JSON.stringify(side)).toBeUndefined();
    expect(side).toMatchObject({ data: { account: null }, extensions: { readFrom: 'primary' } });
    expect(await primaryReads()).toBe(primaryBefore + 8);
    expect(sampleValue(await scrape(), 'inkwell_replica_available')).toBe(0);

    const ready = await fetch(opsUrl('/ready'));
    const body = (await ready.json()) as { ready: boolean; checks: Record<string, { ok: boolean; reason?: string }> };
    expect(ready.status).toBe(200);
    expect(body.ready).toBe(true);
    expect(body.checks.replica?.ok).toBe(true);
    expect(body.checks.replica?.reason).toMatch(
      /^the read replica postgres:\/\/\S+ cannot be reached since .*: queries are read from the primary$/,
    );

    // One warning for the whole outage, however many reads met it.
    expect(outageLines()).toEqual([
      {
        level: 'warn',
        message: 'the read replica cannot be reached: queries are read from the primary until it answers',
        fields: {
          replica: cluster.urls.node2,
          reason: expect.stringMatching(/ECONNREFUSED|ECONNRESET|terminated|not queryable/),
        },
      },
    ]);
  });

  it('the standby started again: reads go back to it as soon as it answers', async () => {
    await cluster.restart('node2');
    const standby = await clientOf(cluster.urls.node2);
    try {
      const caughtUp = await transfer('back-caught-up');
      await until('the restarted standby has replayed the primary', async () => {
        const { rows } = await standby.query<{ head: number }>('select max(position)::int as head from events');
        return rows[0]!.head >= caughtUp.position;
      });
      await replayPaused(standby, true);
      try {
        // The replica now lags for certain: an answer without this transfer is the replica's.
        const posted = await transfer('back-lagging');
        await until(
          'reads go back to the replica',
          async () => (await read(posted.id)).extensions?.readFrom === 'replica',
          RETRY_MS * 5,
        );
        const stale = await read(posted.id);
        expect(stale.extensions?.readFrom).toBe('replica');
        expect(stale.data).toEqual({ transaction: null, account: { balance: { posted: { amount: '3.00' } } } });
        expect(sampleValue(await scrape(), 'inkwell_replica_available')).toBe(1);
        const body = (await (await fetch(opsUrl('/ready'))).json()) as { checks: Record<string, unknown> };
        expect(body.checks.replica).toEqual({ ok: true });
      } finally {
        await replayPaused(standby, false);
      }
    } finally {
      await standby.end();
    }
    expect(outageLines().map((line) => line.level)).toEqual(['warn', 'info']);
    expect(outageLines()[1]!.message).toBe('the read replica answers again: queries are read from it');
  });

  it('a query whose replica connection breaks mid-way is run again on the primary, once', async () => {
    const posted = await transfer('broken-mid-way');
    await until('the replica has it', async () => {
      const reply = await read(posted.id, { 'x-inkwell-min-position': String(posted.position) });
      return reply.extensions?.readFrom === 'replica';
    });
    // A lock the primary holds is replayed on the standby: the query there waits on it, in flight.
    const locker = await clientOf(cluster.urls.node1);
    const standby = await clientOf(cluster.urls.node2);
    try {
      await locker.query('begin');
      await locker.query('lock table transactions in access exclusive mode');
      await locker.query('select pg_switch_wal()'); // sends the lock record to the standby now
      // Replayed there (its startup process holds the lock) before the read goes: otherwise the
      // read could run before the lock arrives and never wait.
      await until('the standby holds the replayed lock', async () => {
        const { rows } = await standby.query<{ n: number }>(
          "select count(*)::int as n from pg_locks where relation = 'transactions'::regclass and mode = 'AccessExclusiveLock' and granted",
        );
        return rows[0]!.n > 0;
      });
      const pending = read(posted.id);
      await until('the query waits on the standby', async () => {
        const { rows } = await standby.query<{ n: number }>(
          "select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and pid <> pg_backend_pid()",
        );
        return rows[0]!.n > 0;
      });
      await standby.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where wait_event_type = 'Lock' and pid <> pg_backend_pid()",
      );
      // Its second run, on the primary, waits for the same lock there: released, it answers.
      await new Promise((resolve) => setTimeout(resolve, 100));
      await locker.query('rollback');
      const reply = await pending;
      expect(reply.errors, JSON.stringify(reply)).toBeUndefined();
      expect(reply.extensions?.readFrom).toBe('primary');
      expect(reply.data?.transaction).toEqual({ id: posted.id });
    } finally {
      await locker.end();
      await standby.end();
    }
    // The breaker skips it for a while after that, then it serves again.
    await until(
      'reads go back to the replica',
      async () => (await read(posted.id)).extensions?.readFrom === 'replica',
      RETRY_MS * 5,
    );
  });

  it('a replica that never answers costs one connect timeout, then is skipped until the retry wait is over', async () => {
    // A socket that accepts and never speaks: a server hung, or a network that drops the replies.
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => void sockets.push(socket)).listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const port = (silent.address() as { port: number }).port;
    const hung = openDatabase({
      databaseUrl: cluster.url,
      sqliteFile: 'unused',
      readDatabaseUrl: `postgres://inkwell@127.0.0.1:${port}/inkwell`,
      replicaConnectTimeoutMs: 300,
      replicaRetryMs: 60_000,
    });
    try {
      const expected = (await readHead(database.db))?.position;
      const timed = async () => {
        const route: ReplicaRoute = { fellBack: false, broke: false };
        const started = performance.now();
        const head = await onReplica(() => readHead(hung.db), route);
        return { head: head?.position, route, ms: performance.now() - started };
      };
      const first = await timed();
      expect(first).toMatchObject({ head: expected, route: { fellBack: true, broke: false } });
      expect(first.ms).toBeGreaterThanOrEqual(290);
      expect(first.ms).toBeLessThan(3000);
      expect(hung.replica!.state()).toMatchObject({ available: false, reason: 'timeout expired' });
      const second = await timed();
      expect(second).toMatchObject({ head: expected, route: { fellBack: true, broke: false } });
      expect(second.ms).toBeLessThan(200);
      expect(sockets.length).toBe(1);
    } finally {
      await hung.close();
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});
