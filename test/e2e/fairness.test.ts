/**
 * No request waits behind another (issue 17), over a real socket with generous bounds (the
 * figures are in `npm run bench`, case g): a `{ __typename }` probe is answered while the most
 * expensive read the cost limit admits and a batch at its legs limit run back to back; a query
 * past its time budget is stopped and answered TIMEOUT, and the server goes on serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEAVY_READ } from '../../bench/fairness.js';
import { MAX_BATCH_LEGS } from '../../src/domain/limits.js';
import { mutationDocument } from '../support/api.js';
import { startTestServer, type TestServer } from '../support/server.js';

const ACCOUNTS = 100;
let server: TestServer;
let hurried: TestServer;

/** Unchecked: on the hurried server an opening may run past its 1 ms budget. */
const open = (s: TestServer, i: number) =>
  s.gql(mutationDocument('openAccount'), {
    input: { code: `assets:a${i}`, name: `A${i}`, type: 'ASSET', currency: 'USD' },
  });
const BATCH = 'mutation($input: PostTransactionsInput!) { postTransactions(input: $input) { posted } }';

/** 40 transactions of 100 legs, 4,000 legs: the most one request may carry. */
const widestBatch = (serial: number) => ({
  transactions: Array.from({ length: MAX_BATCH_LEGS / 100 }, (_, t) => ({
    idempotencyKey: `wide-${serial}-${t}`,
    entries: Array.from({ length: 100 }, (_, l) => ({
      account: `assets:a${l}`,
      direction: l % 2 === 0 ? 'DEBIT' : 'CREDIT',
      amount: '0.01',
    })),
  })),
});

beforeAll(async () => {
  [server, hurried] = await Promise.all([startTestServer(), startTestServer({}, undefined, { requestTimeoutMs: 1 })]);
  for (const s of [server, hurried]) for (let i = 0; i < ACCOUNTS; i++) await open(s, i);
  const seeded = await server.gql(BATCH, { input: widestBatch(0) });
  expect(seeded.body.data?.postTransactions.posted, JSON.stringify(seeded.body.errors)).toBe(MAX_BATCH_LEGS / 100);
});
afterAll(() => Promise.all([server.close(), hurried.close()]));

/** Probes every 20 ms while `heavy` runs; the worst latency and how many heavy requests completed. */
async function probeWhile(
  heavy: () => Promise<void>,
  ms: number,
): Promise<{ worst: number; probes: number; heavyDone: number }> {
  const until = Date.now() + ms;
  let heavyDone = 0;
  const load = (async () => {
    while (Date.now() < until) {
      await heavy();
      heavyDone += 1;
    }
  })();
  const latencies: Promise<number>[] = [];
  while (Date.now() < until) {
    const start = performance.now();
    latencies.push(
      server.gql('{ __typename }').then((r) => {
        expect(r.body.data?.__typename).toBe('Query');
        return performance.now() - start;
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await load;
  const all = await Promise.all(latencies);
  return { worst: Math.max(...all), probes: all.length, heavyDone };
}

describe('fairness', () => {
  it('answers a probe while the most expensive read the cost limit admits runs', async () => {
    const result = await probeWhile(async () => {
      const res = await server.gql(HEAVY_READ, { accounts: 4, entries: 8 });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.extensions?.cost.requested).toBeGreaterThan(19_000);
    }, 1500);
    expect(result.heavyDone).toBeGreaterThan(0);
    expect(result.worst).toBeLessThan(500);
  });

  it('answers a probe while batches of 4,000 legs are posted', async () => {
    let serial = 1;
    const result = await probeWhile(async () => {
      const res = await server.gql(BATCH, { input: widestBatch(serial++) });
      expect(res.body.data?.postTransactions.posted).toBe(MAX_BATCH_LEGS / 100);
    }, 1500);
    expect(result.heavyDone).toBeGreaterThan(0);
    expect(result.worst).toBeLessThan(1000);
  });

  it('stops a query past its time budget with TIMEOUT, and serves the next request', async () => {
    const query =
      '{ accounts(first: 100) { edges { node { code balance { posted { amount } } entries(first: 5) { edges { node { amount { amount } } } } } } } }';
    const res = await hurried.gql(query);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('TIMEOUT');
    expect(res.body.errors?.[0]?.message).toContain('time budget of 1 ms');
    // A request that does no read beyond its key's still goes through, on fresh reader threads.
    expect((await hurried.gql('{ __typename }')).body.data?.__typename).toBe('Query');
  });
});
