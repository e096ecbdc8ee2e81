/**
 * /metrics on a real server: scraped over HTTP and parsed. Request counters move by exactly the
 * requests made, histograms count them, the log head and a subscriber's lag equal what the
 * database holds, and the endpoint answers loopback only — or, with a token, only with it.
 */
import { networkInterfaces } from 'node:os';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHead } from '../../src/store/event-store.js';
import { parsePrometheus, sampleValue } from '../support/prometheus.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let guarded: TestServer;
let open: TestServer;
/** This machine's own non-loopback address: a request to it does not come from loopback. */
const external = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && !i.internal && i.family === 'IPv4')?.address;
const ctx = { actor: 'test', requestId: 'metrics' };

const scrape = async (target: TestServer, headers: Record<string, string> = {}) => {
  const response = await target.raw({ path: '/metrics', headers: { authorization: '', ...headers } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return parsePrometheus(await response.text());
};

beforeAll(async () => {
  server = await startTestServer();
  guarded = await startTestServer({}, undefined, { metricsToken: 'scrape-secret-1' });
  open = await startTestServer({}, undefined, { host: '0.0.0.0' });
  await server.ledger.openAccount({ code: 'assets:cash', name: 'Cash', type: 'ASSET', currency: 'USD' }, ctx);
  await server.ledger.openAccount({ code: 'equity:owner', name: 'Owner', type: 'EQUITY', currency: 'USD' }, ctx);
});
afterAll(async () => {
  await server?.close();
  await guarded?.close();
  await open?.close();
});

const TRANSFER = (key: string) =>
  `mutation Pay { transfer(input: { idempotencyKey: "${key}", debitAccount: "assets:cash", creditAccount: "equity:owner", amount: "1.00" }) { __typename } }`;

describe('/metrics', () => {
  it('counts requests by operation and outcome, with latency and cost histograms', async () => {
    const before = await scrape(server);
    const ok = (s: typeof before) => sampleValue(s, 'inkwell_requests_total', { operation: 'Pay', outcome: 'ok' });
    const latency = (s: typeof before) =>
      sampleValue(s, 'inkwell_request_duration_seconds_count', { operation: 'Pay' });
    for (let i = 0; i < 3; i++)
      expect((await server.gql(TRANSFER(`m-${i}`))).body.data.transfer.__typename).toBe('Transaction');
    const refused = await server.gqlAs('not-a-key', 'query Who { accounts(first: 1) { edges { cursor } } }');
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await server.gql('{ accounts(first: 1) { edges { cursor } } }');
    const after = await scrape(server);
    expect(ok(after) - ok(before)).toBe(3);
    expect(latency(after) - latency(before)).toBe(3);
    // Refused before its body is read: no operation name, the outcome its code.
    expect(sampleValue(after, 'inkwell_requests_total', { operation: 'anonymous', outcome: 'UNAUTHENTICATED' })).toBe(
      1,
    );
    expect(
      sampleValue(after, 'inkwell_requests_total', { operation: 'anonymous', outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sampleValue(after, 'inkwell_query_cost_count') - sampleValue(before, 'inkwell_query_cost_count'),
    ).toBeGreaterThanOrEqual(4);
    // Three transfers committed: at least one group, of at most three commands.
    expect(sampleValue(after, 'inkwell_group_commit_size_count')).toBeGreaterThanOrEqual(1);
    expect(
      sampleValue(after, 'inkwell_group_commit_size_sum') - sampleValue(before, 'inkwell_group_commit_size_sum'),
    ).toBe(3);
    expect(sampleValue(after, 'inkwell_commit_duration_seconds_count')).toBe(
      sampleValue(after, 'inkwell_group_commit_size_count'),
    );
    expect(sampleValue(after, 'inkwell_commit_queue_depth')).toBe(0);
    expect(after.some((s) => s.name === 'process_resident_memory_bytes')).toBe(true);
  });

  it('reports the log head and the lag of each subscriber, read from the database', async () => {
    // A checkpoint no runner moves: its lag is the whole log.
    await sql`INSERT INTO subscribers (name, generation, position, active, started_at) VALUES ('probe', 1, 1, 1, '2026-01-01T00:00:00Z')`.execute(
      server.database.db,
    );
    const samples = await scrape(server);
    const head = (await readHead(server.database.db))!.position;
    expect(head).toBeGreaterThanOrEqual(5);
    expect(sampleValue(samples, 'inkwell_log_head_position')).toBe(head);
    expect(sampleValue(samples, 'inkwell_subscriber_lag_events', { subscriber: 'probe' })).toBe(head - 1);
    expect(sampleValue(samples, 'inkwell_webhook_lag_events')).toBe(0);
    expect(sampleValue(samples, 'inkwell_consumer_lag_events')).toBe(0);
    // A durable consumer whose cursor stands at 2: the consumers' lag is the rest of the log.
    await sql`INSERT INTO consumers (name, filter, start_position, frontier, cursor, ack_timeout_ms, created_at, created_by) VALUES ('slow', '{}', 0, 2, 2, NULL, '2026-01-01T00:00:00Z', 'test')`.execute(
      server.database.db,
    );
    expect(sampleValue(await scrape(server), 'inkwell_consumer_lag_events')).toBe(head - 2);
  });

  it('bounds operation names: invalid names count as anonymous', async () => {
    await server.gql('query Q { accounts(first: 1) { edges { cursor } } }', undefined, {});
    const long = `Q${'x'.repeat(150)}`;
    await server.gql(`query ${long} { accounts(first: 1) { edges { cursor } } }`);
    const samples = await scrape(server);
    expect(samples.some((s) => s.labels.operation === long)).toBe(false);
    expect(sampleValue(samples, 'inkwell_requests_total', { operation: 'Q', outcome: 'ok' })).toBe(1);
  });

  it('without a token, serves loopback only', async () => {
    expect(external, 'this test needs a non-loopback IPv4 address').toBeDefined();
    const port = new URL(open.url).port;
    const local = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(local.status).toBe(200);
    const remote = await fetch(`http://${external}:${port}/metrics`);
    expect(remote.status).toBe(403);
    expect((await remote.json()).errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('caps the distinct operation names at 200, then counts "other"', async () => {
    for (let batch = 0; batch < 210; batch += 30)
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          server.gql(`query Name${batch + i} { accounts(first: 1) { edges { cursor } } }`),
        ),
      );
    const samples = (await scrape(server)).filter((s) => s.name === 'inkwell_requests_total');
    const names = new Set(samples.map((s) => s.labels.operation));
    names.delete('anonymous');
    names.delete('other');
    expect(names.size).toBe(200);
    expect(
      sampleValue(samples, 'inkwell_requests_total', { operation: 'other', outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(10);
  });

  it('asks for the token when one is set, compared exactly', async () => {
    expect((await guarded.raw({ path: '/metrics', headers: { authorization: '' } })).status).toBe(401);
    expect((await guarded.raw({ path: '/metrics', headers: { authorization: 'Bearer scrape-secret-2' } })).status).toBe(
      401,
    );
    expect(
      (await guarded.raw({ path: '/metrics', headers: { authorization: `Bearer ${guarded.adminKey}` } })).status,
    ).toBe(401);
    const samples = await scrape(guarded, { authorization: 'Bearer scrape-secret-1' });
    expect(samples.length).toBeGreaterThan(10);
  });
});
