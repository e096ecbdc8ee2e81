/**
 * The security findings of issue 23, each fixed and held here: malformed and non-UTF-8 JSON
 * bodies are a 400 in every mode, a brought admin key keeps no part of its secret, `createdBy`
 * is audit data, and monitors and webhooks are limited per key and paged.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, tempDatabase, type TestServer } from '../support/server.js';
import { authenticate, bootstrapAdminKey, listApiKeys } from '../../src/auth/api-keys.js';
import { setKeyPrefix } from '../../src/store/api-keys.js';
import type { Database } from '../../src/store/db.js';
import { silentLogger } from '../../src/log.js';

describe('malformed JSON bodies', () => {
  let other: TestServer | null = null;
  const env = process.env.NODE_ENV;
  afterEach(async () => {
    await other?.close();
    other = null;
    process.env.NODE_ENV = env;
  });

  const bodies: Array<[string, Buffer | string]> = [
    ['truncated JSON', '{"query": "{ __typename }"'],
    ['not JSON at all', 'query { __typename }'],
    ['JSON that is not an object', '[1, 2]'],
    ['bytes that are not UTF-8', Buffer.from([0x7b, 0x22, 0x71, 0xff, 0xfe, 0x22, 0x7d])],
    ['a lone surrogate byte sequence', Buffer.from([0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x3a, 0x31, 0x7d])],
  ];

  for (const [mode, production, nodeEnv] of [
    ['development', false, 'test'],
    ['production (option)', true, 'test'],
    ['production (NODE_ENV)', true, 'production'],
  ] as const) {
    it.each(bodies)(`in ${mode}: %s is a 400 BAD_REQUEST`, async (_label, body) => {
      process.env.NODE_ENV = nodeEnv;
      other = await startTestServer({}, silentLogger, { production });
      const res = await other.raw({
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body as BodyInit,
      });
      expect(res.status).toBe(400);
      const answer = (await res.json()) as { errors: Array<{ extensions?: { code?: string } }>; data?: unknown };
      expect(answer.data).toBeUndefined();
      expect(answer.errors[0]!.extensions?.code).toBe('BAD_REQUEST');
    });
  }
});

/** A fresh database for one test, disposed after it. */
async function withDatabase(test: (database: Database, now: string) => Promise<void>): Promise<void> {
  const temp = await tempDatabase();
  try {
    await test(temp.database, new Date().toISOString());
  } finally {
    await temp.dispose();
  }
}

describe('an admin key brought through INKWELL_ADMIN_KEY', () => {
  const secret = 'Brought-Secret-0123456789-abcdefghijklmnop';

  it('is stored and shown without any part of its secret, and still authenticates', () =>
    withDatabase(async (database, now) => {
      expect(await bootstrapAdminKey(database, { secret, name: 'ops', now })).toEqual({
        kind: 'seeded',
        name: 'ops',
      });
      const [key] = await listApiKeys(database.db, { afterName: null, limit: 10 });
      expect(key!.prefix).toMatch(/^own:[0-9a-f]{8}$/);
      // No run of 4 characters of the secret appears in what is kept in the prefix column.
      for (let i = 0; i + 4 <= secret.length; i++) expect(key!.prefix).not.toContain(secret.slice(i, i + 4));
      const auth = await authenticate(database.db, `Bearer ${secret}`, now);
      expect(auth.ok && auth.principal.name).toBe('ops');
    }));

  it('loses the secret characters an earlier version kept, at the next start', () =>
    withDatabase(async (database, now) => {
      await bootstrapAdminKey(database, { secret, name: 'ops', now });
      await setKeyPrefix(database.db, 'ops', secret.slice(0, 10));
      expect(await bootstrapAdminKey(database, { secret, name: 'ops', now })).toEqual({
        kind: 'present',
        name: 'ops',
      });
      const [key] = await listApiKeys(database.db, { afterName: null, limit: 10 });
      expect(key!.prefix).toMatch(/^own:[0-9a-f]{8}$/);
    }));

  it('a generated key keeps its ink_ marker and 6 characters, as before', () =>
    withDatabase(async (database, now) => {
      const first = await bootstrapAdminKey(database, { secret: null, name: 'admin', now });
      expect(first.kind).toBe('created');
      const [key] = await listApiKeys(database.db, { afterName: null, limit: 10 });
      expect(first.kind === 'created' && first.secret.startsWith(key!.prefix)).toBe(true);
      expect(key!.prefix).toMatch(/^ink_.{6}$/);
    }));
});

describe('per-key limits on balance monitors and webhooks, and paging', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({}, silentLogger, { perKeyLimit: 3 });
    const opened = await limited.gql(
      'mutation { openAccount(input: { code: "assets:cash", name: "Cash", type: ASSET, currency: "USD" }) { __typename } }',
    );
    expect(opened.body.data.openAccount.__typename).toBe('Account');
  });
  afterAll(() => limited.close());

  const CREATE_MONITOR = `mutation { createBalanceMonitor(input: { account: "assets:cash", metric: POSTED, comparison: GT, amount: "0" })
    { __typename ... on BalanceMonitor { id } ... on Error { code message } ... on PerKeyLimitReached { kind limit } } }`;
  const CREATE_WEBHOOK = `mutation { createWebhook(input: { url: "http://203.0.113.10/hook" })
    { __typename ... on WebhookWithSecret { webhook { id } } ... on Error { code } ... on PerKeyLimitReached { kind limit } } }`;
  const countMonitors = async () =>
    Number(
      (
        await limited.database.db
          .selectFrom('balance_monitors')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('refuses a key its 4th monitor with PER_KEY_LIMIT_REACHED, changing nothing; other keys are unaffected', async () => {
    const writer = await limited.createKey('writer');
    for (let i = 0; i < 3; i++)
      expect((await limited.gqlAs(writer, CREATE_MONITOR)).body.data.createBalanceMonitor.__typename).toBe(
        'BalanceMonitor',
      );
    const before = await countMonitors();
    const refused = (await limited.gqlAs(writer, CREATE_MONITOR)).body.data.createBalanceMonitor;
    expect(refused).toMatchObject({
      __typename: 'PerKeyLimitReached',
      code: 'PER_KEY_LIMIT_REACHED',
      kind: 'balance monitors',
      limit: 3,
    });
    expect(await countMonitors()).toBe(before);
    // Another key has its own allowance; deleting one frees a place.
    const other = await limited.createKey('writer');
    expect((await limited.gqlAs(other, CREATE_MONITOR)).body.data.createBalanceMonitor.__typename).toBe(
      'BalanceMonitor',
    );
  });

  it('counts concurrent creations by one key one after the other', async () => {
    const writer = await limited.createKey('writer');
    const answers = await Promise.all([1, 2, 3, 4, 5, 6].map(() => limited.gqlAs(writer, CREATE_MONITOR)));
    const kinds = answers.map((a) => a.body.data.createBalanceMonitor.__typename).sort();
    expect(kinds).toEqual([
      'BalanceMonitor',
      'BalanceMonitor',
      'BalanceMonitor',
      'PerKeyLimitReached',
      'PerKeyLimitReached',
      'PerKeyLimitReached',
    ]);
  });

  it('refuses a key its 4th webhook, also when asked concurrently', async () => {
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => limited.gql(CREATE_WEBHOOK)));
    const kinds = answers.map((a) => a.body.data.createWebhook.__typename).sort();
    expect(kinds).toEqual([
      'PerKeyLimitReached',
      'PerKeyLimitReached',
      'WebhookWithSecret',
      'WebhookWithSecret',
      'WebhookWithSecret',
    ]);
    const refused = answers.find((a) => a.body.data.createWebhook.__typename === 'PerKeyLimitReached')!;
    expect(refused.body.data.createWebhook).toMatchObject({
      code: 'PER_KEY_LIMIT_REACHED',
      kind: 'webhooks',
      limit: 3,
    });
    const listed = await limited.gql('{ webhooks(first: 10) { edges { node { id } } } }');
    expect(listed.body.data.webhooks.edges).toHaveLength(3);
  });

  it('pages balanceMonitors with first/after, and without them lists as before', async () => {
    const all = (await limited.gql('{ balanceMonitors { id } }')).body.data.balanceMonitors as Array<{ id: string }>;
    expect(all.length).toBeGreaterThanOrEqual(5);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const res = await limited.gql('query($after: String) { balanceMonitors(first: 2, after: $after) { id } }', {
        after,
      });
      const page = res.body.data.balanceMonitors as Array<{ id: string }>;
      expect(page.length).toBeLessThanOrEqual(2);
      seen.push(...page.map((m) => m.id));
      if (page.length < 2) break;
      after = page[page.length - 1]!.id;
    }
    expect(seen).toEqual(all.map((m) => m.id));
  });

  it.each([
    ['first: 0', '{ balanceMonitors(first: 0) { id } }'],
    ['first: 1001', '{ balanceMonitors(first: 1001) { id } }'],
    ['first: -1', '{ balanceMonitors(first: -1) { id } }'],
    ['an after that is no id', '{ balanceMonitors(after: "1 OR 1=1") { id } }'],
  ])('refuses %s as bad input', async (_label, query) => {
    const res = await limited.gql(query);
    expect(res.status).toBe(200);
    expect(res.body.data ?? null).toBeNull();
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
