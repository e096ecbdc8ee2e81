/**
 * Read replicas with read-your-writes (issue 24, point 3), on real servers: a primary and its
 * synchronous streaming standby (scripts/pg-replica.sh), the standby given as the read replica
 * (INKWELL_READ_DATABASE_URL's path), and the real Inkwell server on a socket. Queries go to the
 * replica; a query sent with x-inkwell-min-position waits for the replica to replay that far, and
 * past INKWELL_REPLICA_WAIT_MS is answered by the primary. The standby's replay is paused to make
 * the replica's lag certain rather than likely: the routing is then seen in what each read finds.
 *
 * Needs root (the nodes run as the postgres user) and PostgreSQL's server binaries: CI has both;
 * locally, vitest.config.ts leaves this suite out with a notice when either is missing.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../../src/config.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { silentLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import { parsePrometheus, sampleValue } from '../support/prometheus.js';
import {
  postQuery,
  replayPaused,
  type Reply,
  serveCashLedger,
  startReplicaCluster,
  transferCash,
  until,
  type ReplicaCluster,
} from '../support/replica-cluster.js';

const WAIT_MS = 700;

let cluster: ReplicaCluster;
let database: Database;
let server: RunningServer;
let key: string;
let standby: pg.Client;

beforeAll(async () => {
  cluster = await startReplicaCluster();
  const config = configFromEnv({
    DATABASE_URL: cluster.url,
    INKWELL_READ_DATABASE_URL: cluster.urls.node2,
    INKWELL_REPLICA_WAIT_MS: String(WAIT_MS),
  });
  database = openDatabase(config);
  ({ server, key } = await serveCashLedger(database, { replicaWaitMs: config.replicaWaitMs }));
  standby = new pg.Client({ connectionString: cluster.urls.node2 });
  standby.on('error', () => {});
  await standby.connect();
}, 180_000);

afterAll(async () => {
  await standby?.end();
  await server?.close();
  await database?.close();
  await cluster?.stop();
}, 60_000);

const gql = (query: string, headers?: Record<string, string>) => postQuery(server.url, key, query, headers);

async function transfer(idempotencyKey: string): Promise<{ id: string; position: number }> {
  const { id, position, reply } = await transferCash(server.url, key, idempotencyKey);
  // A mutation runs on the primary: it says nothing of a replica.
  expect(reply.extensions?.readFrom).toBeUndefined();
  expect(position).toBeGreaterThanOrEqual(reply.data!.transfer.ledgerPosition);
  return { id, position };
}

const readTransaction = (id: string, headers?: Record<string, string>) =>
  gql(`{ transaction(id: "${id}") { id } }`, headers);

describe('read replica with read-your-writes (PostgreSQL)', () => {
  it('a read asking for the position of a write sees it on the replica', async () => {
    const posted = await transfer('ryw-1');
    const read = await readTransaction(posted.id, { 'x-inkwell-min-position': String(posted.position) });
    expect(read.extensions?.readFrom).toBe('replica');
    expect(read.data?.transaction).toEqual({ id: posted.id });
    // Without the header a query goes to the replica too (what it finds may be a moment old).
    expect((await readTransaction(posted.id)).extensions?.readFrom).toBe('replica');
  });

  it('while the replica lags: reads without the header are served by it, stale; with it, the primary answers after the bounded wait', async () => {
    await replayPaused(standby, true);
    try {
      // Writes go on: synchronous_commit = on waits for the standby's flush, not its replay.
      const posted = await transfer('ryw-lag');
      const stale = await readTransaction(posted.id);
      expect(stale.extensions?.readFrom).toBe('replica');
      expect(stale.data?.transaction).toBeNull();

      const started = performance.now();
      const fresh = await readTransaction(posted.id, { 'x-inkwell-min-position': String(posted.position) });
      const waited = performance.now() - started;
      expect(fresh.extensions?.readFrom).toBe('primary');
      expect(fresh.data?.transaction).toEqual({ id: posted.id });
      expect(waited).toBeGreaterThanOrEqual(WAIT_MS - 20);
      // A position the replica has is answered there at once, lag or not.
      const old = await readTransaction(posted.id, { 'x-inkwell-min-position': String(posted.position - 2) });
      expect(old.extensions?.readFrom).toBe('replica');
      expect(old.data?.transaction).toBeNull();
    } finally {
      await replayPaused(standby, false);
    }
    const posted = await transfer('ryw-after');
    const caughtUp = await readTransaction(posted.id, { 'x-inkwell-min-position': String(posted.position) });
    expect(caughtUp.extensions?.readFrom).toBe('replica');
    expect(caughtUp.data?.transaction).toEqual({ id: posted.id });
  });

  it('/metrics counts the queries each server answered and shows the replica lag', async () => {
    const scrape = async () =>
      parsePrometheus(await (await fetch(server.url.replace(/\/graphql$/, '/metrics'))).text());
    const samples = await scrape();
    // The tests before: every query went to the replica but the one that waited past the bound.
    expect(sampleValue(samples, 'inkwell_query_reads_total', { server: 'primary' })).toBe(1);
    expect(sampleValue(samples, 'inkwell_query_reads_total', { server: 'replica' })).toBe(5);
    await replayPaused(standby, true);
    try {
      await transfer('lag-1');
      await transfer('lag-2');
      const lagging = await scrape();
      expect(lagging.some((sample) => sample.name === 'inkwell_replica_lag_events')).toBe(true);
      expect(sampleValue(lagging, 'inkwell_replica_lag_events')).toBeGreaterThanOrEqual(4);
    } finally {
      await replayPaused(standby, false);
    }
    await until('the replica caught up', async () => sampleValue(await scrape(), 'inkwell_replica_lag_events') === 0);
  });

  it('a replica that waits answers as soon as it has replayed the position, before the bound', async () => {
    await replayPaused(standby, true);
    let resumed: Promise<void> | undefined;
    try {
      const posted = await transfer('ryw-resume');
      // Replay resumes while the read waits: the replica answers it, with the write.
      setTimeout(() => (resumed = replayPaused(standby, false)), WAIT_MS / 4);
      const read = await readTransaction(posted.id, { 'x-inkwell-min-position': String(posted.position) });
      expect(read.extensions?.readFrom).toBe('replica');
      expect(read.data?.transaction).toEqual({ id: posted.id });
    } finally {
      await until('the resume was sent', () => resumed !== undefined);
      await resumed;
    }
  });

  it('a server given only the standby refuses every write as STORAGE_READ_ONLY, never a 500, and writes nothing', async () => {
    const before = await transfer('ro-before');
    await until('the standby has replayed the key and the accounts', async () => {
      const read = await readTransaction(before.id, { 'x-inkwell-min-position': String(before.position) });
      return read.extensions?.readFrom === 'replica';
    });
    const onStandby = openDatabase({ databaseUrl: cluster.urls.node2, sqliteFile: 'unused' });
    const readOnly = await startServer({
      ledger: new Ledger(onStandby),
      port: 0,
      host: '127.0.0.1',
      logger: silentLogger,
      rateLimit: { perSecond: 0, burst: 1 },
      holdSweepMs: 0,
    });
    try {
      const response = await fetch(readOnly.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({
          query: `mutation { transfer(input: { idempotencyKey: "ro-1", debitAccount: "assets:cash", creditAccount: "equity:owner", amount: "1.00" }) { __typename } }`,
        }),
      });
      const reply = (await response.json()) as Reply;
      expect(response.status).toBe(200);
      expect(reply.data?.transfer).toBeUndefined();
      expect(reply.errors?.[0]?.extensions, JSON.stringify(reply)).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        fault: 'STORAGE_READ_ONLY',
      });
      expect(reply.errors?.[0]?.message).toMatch(/read-only.*Nothing was written\.$/);
    } finally {
      await readOnly.close();
      await onStandby.close();
    }
    // The primary never saw it: the key is free, and posting it there works once.
    const posted = await transfer('ro-1');
    expect((await transfer('ro-1')).id).toBe(posted.id);
  });
});
