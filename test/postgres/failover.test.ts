/**
 * Failover without loss (issue 24, point 4), on real servers: a primary and a synchronous standby
 * (scripts/pg-replica.sh), and the real Inkwell server on a socket given both hosts in
 * DATABASE_URL. In each of 5 rounds, clients post transfers under idempotency keys, retrying each
 * key until it is acknowledged; the primary is killed with SIGKILL mid-load, the standby is
 * promoted, Inkwell finds the new primary on its own, and the old primary is rebuilt as the new
 * standby for the next round. At the end every acknowledged transaction is there exactly once,
 * a retry of any key returns its first result, and the hash chain verifies.
 *
 * Needs root (the nodes run as the postgres user) and PostgreSQL's server binaries: CI has both;
 * locally, vitest.config.ts leaves this suite out with a notice when either is missing.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildReadModels } from '../../src/projections/rebuild.js';
import { verifyIntegrity } from '../../src/reports/integrity.js';
import type { RunningServer } from '../../src/server.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { openPostgres } from '../../src/store/postgres.js';
import { BIN } from '../support/process.js';
import {
  otherNode,
  serveCashLedger,
  startReplicaCluster,
  until,
  type ReplicaCluster,
} from '../support/replica-cluster.js';

const ROUNDS = 5;
const CLIENTS = 4;
/** Acknowledgements each round waits for before the kill, and again after the promotion. */
const ACKS = 12;

let cluster: ReplicaCluster;
let database: Database;
let server: RunningServer;
let key: string;

beforeAll(async () => {
  cluster = await startReplicaCluster();
  database = openDatabase({ databaseUrl: cluster.url, sqliteFile: 'unused' });
  ({ server, key } = await serveCashLedger(database));
}, 180_000);

afterAll(async () => {
  await server?.close();
  await database?.close();
  await cluster?.stop();
}, 60_000);

/** POSTs a 1.00 transfer under `idempotencyKey`: the id when acknowledged, null otherwise. */
async function transfer(idempotencyKey: string): Promise<string | null> {
  try {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        query: `mutation { transfer(input: { idempotencyKey: "${idempotencyKey}", debitAccount: "assets:cash", creditAccount: "equity:owner", amount: "1.00" }) { __typename ... on Transaction { id } } }`,
      }),
    });
    const body = (await response.json()) as { data?: { transfer?: { __typename: string; id?: string } } };
    // Anything but the transaction (SERVICE_UNAVAILABLE while no primary is up) is not an acknowledgement.
    return body.data?.transfer?.__typename === 'Transaction' ? body.data.transfer.id! : null;
  } catch {
    return null;
  }
}

/** Clients that post until stopped, each retrying its key (same key, same request) until acknowledged. */
function load(round: number, acked: Map<string, string>) {
  let stopping = false;
  let count = 0;
  let unanswered = 0;
  const client = async (c: number) => {
    for (let n = 0; !stopping; n++) {
      const idempotencyKey = `r${round}-c${c}-${n}`;
      for (;;) {
        const id = await transfer(idempotencyKey);
        if (id) {
          acked.set(idempotencyKey, id);
          count += 1;
          break;
        }
        unanswered += 1;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
  };
  const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));
  return {
    acked: () => count,
    unanswered: () => unanswered,
    stop: async () => {
      stopping = true;
      await Promise.all(clients);
    },
  };
}

/** A session of the test's own on one node (its SQL, not Inkwell's). */
async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

describe('failover with synchronous replication (PostgreSQL)', () => {
  it(`${ROUNDS} rounds of SIGKILL, promotion and rebuild under load: nothing acknowledged is lost or doubled`, async () => {
    const acked = new Map<string, string>();
    let unanswered = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const primary = await cluster.primary();
      const standby = otherNode(primary);
      const clients = load(round, acked);
      await until(`round ${round}: ${ACKS} acknowledgements before the kill`, () => clients.acked() >= ACKS);
      await cluster.kill(primary);
      const atKill = clients.acked();
      if (round === 1) await refusedWithoutAPrimary();
      await cluster.promote(standby);
      // Inkwell was told nothing: it finds the promoted standby among the hosts of DATABASE_URL.
      await until(
        `round ${round}: ${ACKS} acknowledgements after the promotion`,
        () => clients.acked() >= atKill + ACKS,
      );
      await clients.stop();
      unanswered += clients.unanswered();
      await cluster.rebuild(primary);
    }
    // The kills did cut requests off: some were retried (their first outcome unknown to the client).
    expect(unanswered).toBeGreaterThan(0);
    expect(acked.size).toBeGreaterThanOrEqual(ROUNDS * 2 * ACKS);

    // A retry of every key returns its first result and posts nothing.
    for (const [idempotencyKey, id] of acked) expect(await transfer(idempotencyKey)).toBe(id);

    const primaryUrl = cluster.urls[await cluster.primary()];
    const rows = await query<{ id: string; idempotency_key: string; events: string }>(
      primaryUrl,
      `select t.id, t.idempotency_key, (select count(*) from events e where e.transaction_id = t.id) as events
         from transactions t`,
    );
    // Exactly the acknowledged transactions, each once, each with its two events.
    expect(rows.length).toBe(acked.size);
    const byKey = new Map(rows.map((r) => [r.idempotency_key, r]));
    for (const [idempotencyKey, id] of acked) {
      expect(byKey.get(idempotencyKey)?.id, idempotencyKey).toBe(id);
      expect(Number(byKey.get(idempotencyKey)?.events)).toBe(2);
    }
    const [cash] = await query<{ balance: string }>(
      primaryUrl,
      `select balance from accounts where code = 'assets:cash'`,
    );
    expect(cash!.balance).toBe(`${acked.size}.00`);
    const integrity = await verifyIntegrity(database.db);
    expect(integrity.ok, JSON.stringify(integrity)).toBe(true);
    expect((await rebuildReadModels(database, { apply: false })).differences).toEqual([]);
  }, 300_000);
});

/**
 * While the primary is down and the standby not yet promoted, no host of DATABASE_URL accepts
 * writes: a write is refused as STORAGE_READ_ONLY (never acknowledged), and `inkwell migrate`
 * stops at start with a message naming each host and why.
 */
async function refusedWithoutAPrimary(): Promise<void> {
  const alone = openPostgres(cluster.url);
  try {
    await expect(migrateToLatest(alone)).rejects.toMatchObject({
      fault: 'STORAGE_READ_ONLY',
      message: expect.stringMatching(
        /^no host of DATABASE_URL accepts writes: 127\.0\.0\.1:\d+ cannot be reached \(.*ECONNREFUSED.*\); 127\.0\.0\.1:\d+ is read-only \(a hot standby\)$/,
      ),
    });
  } finally {
    await alone.close();
  }
  const started = await promisify(execFile)(process.execPath, [BIN, 'migrate'], {
    env: { ...process.env, DATABASE_URL: cluster.url },
    encoding: 'utf8',
    timeout: 60_000,
  }).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code?: number; stderr?: string }) => ({ code: error.code, stderr: error.stderr ?? '' }),
  );
  expect(started.code).not.toBe(0);
  expect(started.stderr).toMatch(/no host of DATABASE_URL accepts writes: .* is read-only \(a hot standby\)/);
}
