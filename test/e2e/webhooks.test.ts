/**
 * Webhooks over real sockets, on both databases: real receivers on loopback (so the server runs
 * with allowPrivate) verify every request with the `standardwebhooks` package. Retries, timeouts,
 * a receiver that is down and comes back, pause and resume, replay, rotation, FAILING after the
 * (short) configured age, and the delivery log.
 */
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import type { WebhookSettings } from '../../src/subscribers/webhook-settings.js';
import { ledgerApi } from '../support/api.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';

/** Fast enough for tests: short timeout and backoff, a long failing age (its own suite shortens it). */
const FAST: Partial<WebhookSettings> = {
  allowPrivate: true,
  timeoutMs: 400,
  backoffBaseMs: 30,
  backoffCapMs: 200,
  failingAfterMs: 60_000,
};

const WEBHOOK = 'id url description filter status position attempts lastError previousSecretExpiresAt';
const CREATE = `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) {
  __typename ... on WebhookWithSecret { secret webhook { ${WEBHOOK} } } ... on Error { code message } } }`;
const DELIVERIES = `query($id: String!, $status: WebhookDeliveryStatus, $first: Int, $after: String) {
  webhookDeliveries(webhookId: $id, status: $status, first: $first, after: $after) {
    edges { node { id eventPosition eventType messageId status attempts responseCode responseBody error } }
    pageInfo { hasNextPage endCursor } } }`;

const onWebhook = (field: string) =>
  `mutation($id: String!) { ${field}(input: { id: $id }) { __typename ... on Webhook { ${WEBHOOK} } ... on Error { code } } }`;

let server: TestServer;
let sequence = 0;
const receivers: Receiver[] = [];

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

/** Creates a webhook to the receiver, which from then on verifies every request with its secret. */
async function hook(target: Receiver, input: Record<string, unknown> = {}, on = () => server) {
  const res = await on().gql(CREATE, { input: { url: target.url, ...input } });
  const created = res.body.data.createWebhook;
  expect(created.__typename, JSON.stringify(res.body)).toBe('WebhookWithSecret');
  expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
  target.secrets.push(created.secret);
  return { id: created.webhook.id as string, secret: created.secret as string };
}

/** Opens accounts (one AccountOpened event each) and answers their codes, in order. */
async function open(count: number, prefix = 'assets', on = () => server): Promise<string[]> {
  const codes = Array.from({ length: count }, () => `${prefix}:w${++sequence}`);
  await ledgerApi(on).openAccounts(codes.map((code) => ({ code, type: 'ASSET' })));
  return codes;
}

const codesOf = (target: Receiver) => target.acknowledged.map((m) => (m.body.data.data as { code: string }).code);

async function webhook(id: string, on = () => server) {
  const res = await on().gql(`{ webhooks(first: 100) { edges { node { ${WEBHOOK} } } } }`);
  return res.body.data.webhooks.edges.map((e: any) => e.node).find((w: any) => w.id === id);
}

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > end) throw new Error(`not reached in ${ms} ms: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  server = await startTestServer({}, silentLogger, { webhooks: FAST, feedPollMs: 100 });
});
afterEach(() => {
  for (const r of receivers) expect(r.unverified).toEqual([]);
});
afterAll(async () => {
  await server.close();
  await Promise.all(receivers.map((r) => r.stop()));
});

describe('webhook delivery', () => {
  it('sends each matching event once acknowledged, in log order, signed; the secret is shown once', async () => {
    const target = await receiver();
    const { id, secret } = await hook(target, {
      description: 'assets only',
      filter: { types: ['AccountOpened'], accountPrefix: 'assets' },
    });
    const expected = await open(5);
    await open(2, 'liabilities');
    await target.waitFor(5);
    await new Promise((r) => setTimeout(r, 300));
    expect(codesOf(target)).toEqual(expected);
    const positions = target.acknowledged.map((m) => m.body.data.position);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    const first = target.acknowledged[0]!;
    expect(first.id).toBe(`msg_${id}_${positions[0]}`);
    expect(first.body.type).toBe('AccountOpened');
    expect(first.body.data).toMatchObject({
      type: 'AccountOpened',
      streamId: `account:${expected[0]}`,
      version: 1,
      metadata: { actor: 'test-admin' },
    });
    expect(first.body.timestamp).toBe(first.body.data.recordedAt);
    expect(first.body.data.hash).toMatch(/^[0-9a-f]{64}$/);
    // No query returns the secret: the type has no such field, and no answer carries it.
    const asked = await server.gql('{ webhooks { edges { node { secret } } } }');
    expect(asked.body.errors?.[0]?.message).toMatch(/Cannot query field "secret"/);
    const listed = await server.gql(`{ webhooks { edges { node { ${WEBHOOK} } } } }`);
    expect(JSON.stringify(listed.body)).not.toContain(secret.slice(6));
    const view = await webhook(id);
    expect(view).toMatchObject({
      description: 'assets only',
      status: 'ACTIVE',
      filter: { types: ['AccountOpened'], accountPrefix: 'assets' },
      attempts: 0,
    });
    expect(view.position).toBeGreaterThanOrEqual(positions[4]!);
    const log = (await server.gql(DELIVERIES, { id })).body.data.webhookDeliveries.edges.map((e: any) => e.node);
    expect(log.map((d: any) => d.eventPosition)).toEqual([...positions].reverse());
    expect(log.every((d: any) => d.status === 'SUCCEEDED' && d.attempts === 1 && d.responseCode === 204)).toBe(true);
    expect(log.map((d: any) => d.messageId).reverse()).toEqual(target.acknowledged.map((m) => m.id));
  });

  it('retries a receiver that fails its first attempts, with the same webhook-id, then moves on', async () => {
    const target = await receiver();
    target.behaviour = (n) => (n <= 3 ? 500 : 'ok');
    const { id } = await hook(target, { filter: { types: ['AccountOpened'] } });
    const expected = await open(3);
    await target.waitFor(3);
    expect(codesOf(target)).toEqual(expected);
    expect(new Set(target.requests.slice(0, 4).map((m) => m.id)).size).toBe(1);
    const log = (await server.gql(DELIVERIES, { id })).body.data.webhookDeliveries.edges.map((e: any) => e.node);
    expect(log.at(-1)).toMatchObject({ status: 'SUCCEEDED', attempts: 4, responseCode: 204 });
  });

  it('retries after a timeout', async () => {
    const target = await receiver();
    target.behaviour = (n) => (n === 1 ? 'hang' : 'ok');
    const { id } = await hook(target, { filter: { types: ['AccountOpened'] } });
    const expected = await open(2);
    await target.waitFor(2);
    expect(codesOf(target)).toEqual(expected);
    expect(target.requests[0]!.id).toBe(target.requests[1]!.id);
    const log = (await server.gql(DELIVERIES, { id })).body.data.webhookDeliveries.edges.map((e: any) => e.node);
    expect(log.at(-1)).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
  });

  it('delivers everything in order to a receiver that was down and came back', async () => {
    const target = await receiver();
    const { id } = await hook(target, { filter: { types: ['AccountOpened'] } });
    await target.stop();
    const expected = await open(4);
    const failing = await until(
      () => webhook(id),
      (w) => w.attempts >= 2,
    );
    expect(failing.lastError).toMatch(/ECONNREFUSED|refused/);
    expect(target.requests).toEqual([]);
    await target.start();
    await target.waitFor(4);
    expect(codesOf(target)).toEqual(expected);
  });

  it('holds deliveries while paused and sends them on resume', async () => {
    const target = await receiver();
    const { id } = await hook(target, { filter: { types: ['AccountOpened'] } });
    const paused = await server.gql(onWebhook('pauseWebhook'), { id });
    expect(paused.body.data.pauseWebhook).toMatchObject({ __typename: 'Webhook', status: 'PAUSED' });
    const expected = await open(2);
    await new Promise((r) => setTimeout(r, 500));
    expect(target.requests).toEqual([]);
    const resumed = await server.gql(onWebhook('resumeWebhook'), { id });
    expect(resumed.body.data.resumeWebhook.status).toBe('ACTIVE');
    await target.waitFor(2);
    expect(codesOf(target)).toEqual(expected);
  });

  it('replays from a position: the same events again, in order, with the same ids', async () => {
    const target = await receiver();
    const { id } = await hook(target, { filter: { types: ['AccountOpened'] } });
    const expected = await open(3);
    await target.waitFor(3);
    const from = target.acknowledged[1]!.body.data.position;
    const replay = `mutation($input: ReplayWebhookInput!) { replayWebhook(input: $input) { __typename ... on Webhook { position } } }`;
    const res = await server.gql(replay, { input: { webhookId: id, fromPosition: from } });
    expect(res.body.data.replayWebhook).toEqual({ __typename: 'Webhook', position: from - 1 });
    await target.waitFor(5);
    expect(codesOf(target)).toEqual([...expected, expected[1], expected[2]]);
    expect(target.acknowledged.slice(3).map((m) => m.id)).toEqual(target.acknowledged.slice(1, 3).map((m) => m.id));
  });

  it('signs with the new and the previous secret during the grace period after a rotation', async () => {
    const target = await receiver();
    const { id, secret } = await hook(target, { filter: { types: ['AccountOpened'] } });
    const rotate = `mutation($id: String!) { rotateWebhookSecret(input: { id: $id }) {
      __typename ... on WebhookWithSecret { secret webhook { previousSecretExpiresAt } } } }`;
    const rotated = (await server.gql(rotate, { id })).body.data.rotateWebhookSecret;
    expect(rotated.secret).not.toBe(secret);
    expect(Date.parse(rotated.webhook.previousSecretExpiresAt)).toBeGreaterThan(Date.now());
    // The receiver now verifies each request with the old secret and with the new one.
    target.secrets.push(rotated.secret);
    await open(1);
    await target.waitFor(1);
    expect(target.acknowledged[0]!.signature.split(' ')).toHaveLength(2);
  });

  it('keeps a hostile answer in the delivery log (a NUL, bytes that are no UTF-8)', async () => {
    const target = await receiver();
    target.behaviour = (n) => (n === 1 ? { status: 500, body: 'a\u0000b\udcff' } : { status: 200, body: '\u0000ok' });
    const { id } = await hook(target, { filter: { types: ['AccountOpened'] } });
    const expected = await open(1);
    await target.waitFor(1);
    expect(codesOf(target)).toEqual(expected);
    // The answer is recorded after the receiver has sent it: wait for the record.
    const row = await until(
      async () => (await server.gql(DELIVERIES, { id })).body.data.webhookDeliveries.edges[0]?.node,
      (node: any) => node?.status === 'SUCCEEDED',
    );
    expect(row).toMatchObject({ status: 'SUCCEEDED', attempts: 2, responseCode: 200, responseBody: '\ufffdok' });
  });

  it('sends nothing more once deleted', async () => {
    const target = await receiver();
    const { id } = await hook(target, { filter: { types: ['AccountOpened'] } });
    const deleted = await server.gql(onWebhook('deleteWebhook'), { id });
    expect(deleted.body.data.deleteWebhook.__typename).toBe('Webhook');
    await open(1);
    await new Promise((r) => setTimeout(r, 400));
    expect(target.requests).toEqual([]);
    expect(await webhook(id)).toBeUndefined();
  });
});

describe('a webhook that keeps failing', () => {
  let failing: TestServer;
  beforeAll(async () => {
    failing = await startTestServer({}, silentLogger, {
      webhooks: { ...FAST, failingAfterMs: 400 },
      feedPollMs: 100,
    });
  });
  afterAll(() => failing.close());

  it('parks as FAILING after the configured age, keeps the truncated answer, and resumes', async () => {
    const target = await receiver();
    target.behaviour = () => 503;
    const { id } = await hook(target, { filter: { types: ['AccountOpened'] } }, () => failing);
    const expected = await open(2, 'assets', () => failing);
    const parked = await until(
      () => webhook(id, () => failing),
      (w) => w.status === 'FAILING',
    );
    expect(parked.lastError).toBe('answered HTTP 503');
    const attempts = target.requests.length;
    expect(attempts).toBeGreaterThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 400));
    expect(target.requests).toHaveLength(attempts);
    const failed = await failing.gql(DELIVERIES, { id, status: 'FAILED' });
    const [row] = failed.body.data.webhookDeliveries.edges.map((e: any) => e.node);
    expect(row).toMatchObject({ status: 'FAILED', attempts, responseCode: 503, error: 'answered HTTP 503' });
    expect(row.responseBody).toBe('x'.repeat(1024));
    expect(row.eventPosition).toBe(target.requests[0]!.body.data.position);

    target.behaviour = () => 'ok';
    const resumed = await failing.gql(onWebhook('resumeWebhook'), { id });
    expect(resumed.body.data.resumeWebhook).toMatchObject({ status: 'ACTIVE', attempts: 0 });
    await target.waitFor(2);
    expect(codesOf(target)).toEqual(expected);
    const succeeded = await failing.gql(DELIVERIES, { id, status: 'SUCCEEDED', first: 1 });
    expect(succeeded.body.data.webhookDeliveries.pageInfo.hasNextPage).toBe(true);
    const next = await failing.gql(DELIVERIES, {
      id,
      status: 'SUCCEEDED',
      first: 1,
      after: succeeded.body.data.webhookDeliveries.pageInfo.endCursor,
    });
    expect(next.body.data.webhookDeliveries.edges[0].node.eventPosition).toBe(row.eventPosition);
  });

  it('sends again from a replay, which turns a FAILING webhook ACTIVE', async () => {
    const target = await receiver();
    target.behaviour = () => 500;
    const { id } = await hook(target, { filter: { types: ['AccountOpened'] } }, () => failing);
    const expected = await open(1, 'assets', () => failing);
    await until(
      () => webhook(id, () => failing),
      (w) => w.status === 'FAILING',
    );
    target.behaviour = () => 'ok';
    const from = target.requests[0]!.body.data.position;
    const replay = `mutation($input: ReplayWebhookInput!) { replayWebhook(input: $input) { __typename ... on Webhook { status } } }`;
    const res = await failing.gql(replay, { input: { webhookId: id, fromPosition: from } });
    expect(res.body.data.replayWebhook).toEqual({ __typename: 'Webhook', status: 'ACTIVE' });
    await target.waitFor(1);
    expect(codesOf(target)).toEqual(expected);
  });
});

describe('a database fault while recording', () => {
  it('rests the webhook instead of resending in a tight loop, then delivers once it clears', async () => {
    const own = await startTestServer({}, silentLogger, { webhooks: FAST, feedPollMs: 100 });
    try {
      const target = await receiver();
      const { id } = await hook(target, { filter: { types: ['AccountOpened'] } }, () => own);
      // The delivery log is gone: every record of an answer fails, acknowledged or not.
      await sql`ALTER TABLE webhook_deliveries RENAME TO webhook_deliveries_away`.execute(own.database.db);
      const expected = await open(1, 'assets', () => own);
      await new Promise((r) => setTimeout(r, 1000));
      // One try per rest (the poll, 100 ms here) at most, not hundreds.
      expect(target.requests.length).toBeGreaterThanOrEqual(2);
      expect(target.requests.length).toBeLessThanOrEqual(15);
      await sql`ALTER TABLE webhook_deliveries_away RENAME TO webhook_deliveries`.execute(own.database.db);
      const seen = target.acknowledged.length;
      await target.waitFor(seen + 1);
      await until(
        () => webhook(id, () => own),
        (w) => w.position >= target.acknowledged[0]!.body.data.position,
      );
      expect(new Set(codesOf(target))).toEqual(new Set(expected));
    } finally {
      await own.close();
    }
  });
});
