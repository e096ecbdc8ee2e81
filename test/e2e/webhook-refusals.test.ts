/**
 * What webhooks refuse, with the default settings (no INKWELL_WEBHOOK_ALLOW_PRIVATE): URLs that
 * are not http(s) or that resolve to loopback, private, link-local, metadata or other non-public
 * addresses (IPv4-mapped IPv6 included) — at creation and again at each delivery — and hostile
 * inputs, each a typed error that changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { pinnedLookup, refusedAddress } from '../../src/subscribers/webhook-address.js';
import { sendWebhook } from '../../src/subscribers/webhook-send.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';

const CREATE = `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) {
  __typename ... on Error { code message } ... on ValidationError { field } ... on WebhookUrlRefused { url reason } } }`;

let server: TestServer;
let target: Receiver;

beforeAll(async () => {
  server = await startTestServer();
  target = await startReceiver();
});
afterAll(async () => {
  await server.close();
  await target.stop();
});

async function create(input: Record<string, unknown>) {
  const res = await server.gql(CREATE, { input });
  expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
  return res.body.data.createWebhook;
}

async function webhookCount(): Promise<number> {
  const res = await server.gql('{ webhooks(first: 100) { edges { node { id } } } }');
  return res.body.data.webhooks.edges.length;
}

describe('webhook URLs', () => {
  it.each([
    ['the receiver on loopback', () => target.url],
    ['a hostname that resolves to loopback', () => target.url.replace('127.0.0.1', 'localhost')],
    ['IPv6 loopback', () => 'http://[::1]:9/hook'],
    ['IPv4-mapped IPv6 loopback', () => 'http://[::ffff:127.0.0.1]:9/hook'],
    ['IPv4-mapped IPv6 in hex', () => 'http://[::ffff:7f00:1]:9/hook'],
    ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
    ['AWS IPv6 metadata', () => 'http://[fd00:ec2::254]/'],
    ['a private address', () => 'http://10.1.2.3/hook'],
    ['a private address in decimal', () => 'http://3232235777/hook'],
    ['a CGNAT address', () => 'https://100.64.0.1/hook'],
    ['the unspecified address', () => 'http://0.0.0.0:9/hook'],
    ['multicast', () => 'http://224.0.0.1/hook'],
    ['ftp', () => 'ftp://203.0.113.10/hook'],
    ['file', () => 'file:///etc/passwd'],
    ['javascript', () => 'javascript:alert(1)'],
  ])('refuses %s', async (_what, url) => {
    const result = await create({ url: url() });
    expect(result).toMatchObject({ __typename: 'WebhookUrlRefused', code: 'WEBHOOK_URL_REFUSED', url: url() });
    expect(await webhookCount()).toBe(0);
  });

  it('says which address a name resolved to', async () => {
    const result = await create({ url: target.url.replace('127.0.0.1', 'localhost') });
    expect(result.reason).toMatch(/^localhost resolves to (127\.0\.0\.1 is loopback|::1 is loopback)/);
  });

  it('accepts a public address', async () => {
    const result = await create({ url: 'https://203.0.113.10/hook' });
    expect(result.__typename).toBe('WebhookWithSecret');
    const deleted = await server.gql('mutation { deleteWebhook(input: { id: "x" }) { __typename } }');
    expect(deleted.body.data.deleteWebhook.__typename).toBe('WebhookNotFound');
  });

  it('refuses a private address at delivery too, and never connects to it', async () => {
    const options = { timeoutMs: 1000, allowPrivate: false };
    for (const url of [target.url, target.url.replace('127.0.0.1', 'localhost')]) {
      const outcome = await sendWebhook(url, {}, '{}', options);
      expect(outcome).toMatchObject({ ok: false, status: null });
      expect(outcome.error).toMatch(/^address refused: .*loopback/);
    }
    expect(target.requests).toEqual([]);
    // The same call with private addresses allowed reaches it: the refusal above was the check.
    target.secrets.length = 0;
    for (const url of [target.url, target.url.replace('127.0.0.1', 'localhost')]) {
      const allowed = await sendWebhook(url, {}, '{"type":"x"}', { ...options, allowPrivate: true });
      expect(allowed).toMatchObject({ ok: true, status: 204 });
    }
    expect(target.requests).toHaveLength(2);
  });

  it('connects to the address it judged, not to what the name resolves to by then', async () => {
    // A name that resolves to nothing at all: only the pinned lookup can take the socket anywhere.
    const url = target.url.replace('127.0.0.1', 'rebinding.invalid');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(url, { method: 'POST', lookup: pinnedLookup(['127.0.0.1']) }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end('{"type":"x"}');
    });
    expect(status).toBe(204);
  });

  it('classifies addresses as docs/security.md lists them', () => {
    for (const address of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::',
      '::1',
      'fc00::1',
      'fd00:ec2::254',
      'fe80::1',
      'ff02::1',
      '::ffff:10.0.0.1',
      '::ffff:a9fe:a9fe',
      '64:ff9b::7f00:1',
    ])
      expect(refusedAddress(address), address).not.toBeNull();
    for (const address of ['8.8.8.8', '203.0.113.10', '2606:4700:4700::1111', '::ffff:8.8.8.8'])
      expect(refusedAddress(address), address).toBeNull();
  });
});

describe('hostile webhook inputs', () => {
  it.each([
    ['a URL that is no URL', { url: 'not a url' }, 'url'],
    ['a URL past 2048 characters', { url: `https://203.0.113.10/${'a'.repeat(2100)}` }, 'url'],
    ['credentials in the URL', { url: 'https://user:pw@203.0.113.10/hook' }, 'url'],
    [
      'a description past 1,000 characters',
      { url: 'https://203.0.113.10/', description: 'd'.repeat(1001) },
      'description',
    ],
    [
      'a control character in the description',
      { url: 'https://203.0.113.10/', description: 'a\u0000b' },
      'description',
    ],
    ['an unknown event type', { url: 'https://203.0.113.10/', filter: { types: ['NoSuchEvent'] } }, 'filter.types'],
  ])('refuses %s with a ValidationError', async (_what, input, field) => {
    const before = await webhookCount();
    const result = await create(input);
    expect(result).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_ERROR', field });
    expect(await webhookCount()).toBe(before);
  });

  it.each(['nope', '\u0000', 'x'.repeat(100_000), '01890000-0000-7000-8000-000000000000'])(
    'answers WebhookNotFound for an unknown id (%#)',
    async (id) => {
      for (const field of ['pauseWebhook', 'resumeWebhook', 'deleteWebhook', 'rotateWebhookSecret']) {
        const res = await server.gql(
          `mutation($id: String!) { ${field}(input: { id: $id }) { __typename ... on Error { code } } }`,
          {
            id,
          },
        );
        expect(res.body.data?.[field], JSON.stringify(res.body)).toEqual({
          __typename: 'WebhookNotFound',
          code: 'WEBHOOK_NOT_FOUND',
        });
      }
      const replay = await server.gql(
        'mutation($id: String!) { replayWebhook(input: { webhookId: $id, fromPosition: 1 }) { __typename } }',
        { id },
      );
      expect(replay.body.data.replayWebhook.__typename).toBe('WebhookNotFound');
      const log = await server.gql('query($id: String!) { webhookDeliveries(webhookId: $id) { edges { cursor } } }', {
        id,
      });
      expect(log.status).toBe(200);
      expect(log.body.errors?.[0]?.extensions?.code).toBe('WEBHOOK_NOT_FOUND');
    },
  );

  it('refuses a replay from no position, and bad paging', async () => {
    const created = await create({ url: 'https://203.0.113.10/replay' });
    const id = (
      await server.gql('{ webhooks(first: 100) { edges { node { id url } } } }')
    ).body.data.webhooks.edges.find((e: any) => e.node.url === 'https://203.0.113.10/replay').node.id;
    expect(created.__typename).toBe('WebhookWithSecret');
    for (const fromPosition of [0, -5]) {
      const res = await server.gql(
        'mutation($id: String!, $p: Int!) { replayWebhook(input: { webhookId: $id, fromPosition: $p }) { __typename ... on ValidationError { field } } }',
        { id, p: fromPosition },
      );
      expect(res.body.data.replayWebhook).toEqual({ __typename: 'ValidationError', field: 'fromPosition' });
    }
    for (const args of [
      'first: 0',
      'first: 101',
      'after: "!!"',
      `after: "${Buffer.from('["apiKey","x"]').toString('base64url')}"`,
    ]) {
      const res = await server.gql(
        `query($id: String!) { webhookDeliveries(webhookId: $id, ${args}) { edges { cursor } } }`,
        {
          id,
        },
      );
      expect(res.body.errors?.[0]?.extensions?.code, args).toBe('BAD_USER_INPUT');
      const list = await server.gql(`{ webhooks(${args}) { edges { cursor } } }`);
      expect(list.body.errors?.[0]?.extensions?.code, args).toBe('BAD_USER_INPUT');
    }
  });
});
