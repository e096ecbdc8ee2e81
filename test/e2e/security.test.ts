/**
 * Authentication and the server's defences over a real socket: API keys (missing, malformed,
 * unknown, revoked, expired), key management, the actor of events, rate limits, CORS,
 * CSRF, introspection, GraphiQL and field suggestions in production.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiAs, ledgerApi } from '../support/api.js';
import { startTestServer, tempDatabase, type TestServer } from '../support/server.js';
import { bootstrapAdminKey } from '../../src/auth/api-keys.js';
import { logState } from '../support/log-state.js';
import { silentLogger } from '../../src/log.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const OPEN =
  'mutation($code: String!) { openAccount(input: { code: $code, name: "A", type: ASSET, currency: "USD" }) { __typename } }';

async function expectRefused(
  key: string | null,
  headers: Record<string, string>,
  message: RegExp,
  invalidToken: boolean,
) {
  const before = await logState(server.database.db);
  const res = await server.gqlAs(key, OPEN, { code: 'assets:intruder' }, headers);
  expect(res.status).toBe(401);
  expect(res.body.data).toBeUndefined();
  expect(res.body.errors).toHaveLength(1);
  expect(res.body.errors![0]!.extensions?.code).toBe('UNAUTHENTICATED');
  expect(res.body.errors![0]!.message).toMatch(message);
  expect(res.headers.get('www-authenticate')).toBe(
    invalidToken ? 'Bearer realm="inkwell", error="invalid_token"' : 'Bearer realm="inkwell"',
  );
  expect(await logState(server.database.db)).toEqual(before);
}

describe('API keys', () => {
  it('refuses a request without a key, and says how to send one', async () => {
    await expectRefused(null, {}, /Authorization: Bearer <key>/, false);
  });

  it.each([
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['a bare key without "Bearer"', 'ink_abc'],
    ['two keys', 'Bearer a b'],
    ['a key with a control character', 'Bearer ab\tc'],
    ['an empty Bearer', 'Bearer '],
    ['a 300-character key', `Bearer ${'k'.repeat(300)}`],
  ])('refuses %s as malformed', async (_label, authorization) => {
    await expectRefused(null, { authorization }, /must be "Bearer <key>"/, true);
  });

  it('refuses an unknown key', async () => {
    await expectRefused('ink_thisKeyWasNeverIssued0000000000000000000', {}, /not known/, true);
  });

  it('accepts the scheme name in any case', async () => {
    const res = await server.gqlAs(null, '{ __typename }', undefined, { authorization: `bearer ${server.adminKey}` });
    expect(res.body.data).toEqual({ __typename: 'Query' });
  });

  it('refuses a revoked key from the very next request', async () => {
    const key = await server.createKey('writer', { name: 'soon-revoked' });
    expect((await server.gqlAs(key, '{ __typename }')).status).toBe(200);
    const revoked = await server.gql(
      'mutation { revokeApiKey(input: { name: "soon-revoked" }) { __typename ... on ApiKey { name revokedAt revokedBy } } }',
    );
    expect(revoked.body.data.revokeApiKey).toMatchObject({
      __typename: 'ApiKey',
      name: 'soon-revoked',
      revokedBy: 'test-admin',
    });
    await expectRefused(key, {}, /"soon-revoked" was revoked at/, true);
    // Revoking again changes nothing.
    const again = await server.gql(
      'mutation { revokeApiKey(input: { name: "soon-revoked" }) { ... on ApiKey { revokedAt } } }',
    );
    expect(again.body.data.revokeApiKey.revokedAt).toBe(revoked.body.data.revokeApiKey.revokedAt);
  });

  it('refuses an expired key, and accepts it until then', async () => {
    const key = await server.createKey('admin', {
      name: 'short-lived',
      expiresAt: new Date(Date.now() + 1500).toISOString(),
    });
    expect((await server.gqlAs(key, '{ __typename }')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    await expectRefused(key, {}, /"short-lived" expired at/, true);
  });

  it('makes the key name the actor of every event it causes', async () => {
    const writer = await server.createKey('writer', { name: 'payments-service' });
    await ledgerApi(server).openAccounts([
      { code: 'assets:a1', name: 'A', type: 'ASSET' },
      { code: 'equity:e1', name: 'A', type: 'EQUITY' },
    ]);
    const posted = await apiAs(server, writer).transfer({
      idempotencyKey: 'actor-1',
      debitAccount: 'assets:a1',
      creditAccount: 'equity:e1',
      amount: '2.50',
    });
    expect(posted.__typename).toBe('Transaction');
    const events = await server.gql(
      '{ account(code: "assets:a1") { events(first: 5) { edges { node { type metadata { actor } } } } } }',
    );
    expect(events.body.data.account.events.edges.map((e: any) => [e.node.type, e.node.metadata.actor])).toEqual([
      ['AccountOpened', 'test-admin'],
      ['TransactionPosted', 'payments-service'],
    ]);
  });

  it('creates a key through GraphQL whose secret works once shown, and never shows it again', async () => {
    const created = await server.gql(
      'mutation { createApiKey(input: { name: "dashboards", role: reader }) { __typename ... on CreatedApiKey { secret key { name role prefix createdBy revokedAt } } } }',
    );
    const { secret, key } = created.body.data.createApiKey;
    expect(secret).toMatch(/^ink_[A-Za-z0-9_-]{43}$/);
    expect(key).toEqual({
      name: 'dashboards',
      role: 'reader',
      prefix: secret.slice(0, 10),
      createdBy: 'test-admin',
      revokedAt: null,
    });
    expect((await server.gqlAs(secret, '{ accounts(first: 1) { edges { cursor } } }')).body.errors).toBeUndefined();
    const listed = JSON.stringify(
      (await server.gql('{ apiKeys(first: 100) { edges { node { name prefix } } } }')).body,
    );
    expect(listed).toContain('"dashboards"');
    expect(listed).not.toContain(secret);
    // Only a hash is stored.
    const rows = JSON.stringify(await server.database.db.selectFrom('api_keys').selectAll().execute());
    expect(rows).not.toContain(secret);
  });

  it('answers a taken name, a bad name, a past expiry and an unknown key with typed errors', async () => {
    const create = (input: string) =>
      server.gql(`mutation { createApiKey(input: ${input}) { __typename ... on Error { code message } } }`);
    expect((await create('{ name: "test-admin", role: reader }')).body.data.createApiKey).toMatchObject({
      __typename: 'ApiKeyAlreadyExists',
      code: 'API_KEY_ALREADY_EXISTS',
    });
    expect((await create('{ name: "Bad Name", role: reader }')).body.data.createApiKey).toMatchObject({
      __typename: 'ValidationError',
      message: expect.stringMatching(/^name:/),
    });
    expect(
      (await create('{ name: "late", role: reader, expiresAt: "2020-01-01T00:00:00Z" }')).body.data.createApiKey,
    ).toMatchObject({ __typename: 'ValidationError', message: expect.stringMatching(/^expiresAt:/) });
    const revoke = await server.gql(
      'mutation { revokeApiKey(input: { name: "nobody" }) { __typename ... on ApiKeyNotFound { code name } } }',
    );
    expect(revoke.body.data.revokeApiKey).toEqual({
      __typename: 'ApiKeyNotFound',
      code: 'API_KEY_NOT_FOUND',
      name: 'nobody',
    });
  });

  it('refuses the names the audit trail uses for the ledger itself', async () => {
    for (const name of ['cli', 'startup', 'anonymous', 'system', 'test']) {
      const res = await server.gql(
        `mutation { createApiKey(input: { name: "${name}", role: admin }) { __typename ... on ValidationError { message } } }`,
      );
      expect(res.body.data.createApiKey).toEqual({
        __typename: 'ValidationError',
        message: expect.stringMatching(/is reserved/),
      });
    }
  });

  it('runs one integrity pass for twenty aliases of verifyIntegrity', async () => {
    const query = `{ ${Array.from({ length: 20 }, (_, i) => `v${i}: verifyIntegrity { ok eventsChecked headHash }`).join(' ')} }`;
    const res = await server.gql(query);
    expect(res.body.errors).toBeUndefined();
    const answers = Object.values(res.body.data as Record<string, unknown>);
    expect(answers).toHaveLength(20);
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect((answers[0] as { ok: boolean }).ok).toBe(true);
  });

  it('pages through keys in name order', async () => {
    const names: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = (
        await server.gql(
          'query($after: String) { apiKeys(first: 2, after: $after) { edges { node { name } } pageInfo { hasNextPage endCursor } } }',
          { after },
        )
      ).body.data.apiKeys;
      names.push(...page.edges.map((e: any) => e.node.name));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(names.length).toBeGreaterThan(3);
    expect(names).toEqual([...names].sort());
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('limits and production defaults', () => {
  let other: TestServer | null = null;
  afterEach(async () => {
    await other?.close();
    other = null;
  });

  it('rate-limits each key on its own: 429 with Retry-After, the others unaffected', async () => {
    other = await startTestServer({}, silentLogger, { rateLimit: { perSecond: 1, burst: 3 } });
    const reader = await other.createKey('reader');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await other.gqlAs(reader, '{ __typename }')).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await other.gqlAs(reader, '{ __typename }');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(limited.body.errors?.[0]?.message).toMatch(
      /cost budget of API key "reader-\d+" spent: this request costs 1, 0 left \(1 points\/s, bursts of 3\)/,
    );
    expect((await other.gql('{ __typename }')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await other.gqlAs(reader, '{ __typename }')).status).toBe(200);
  });

  it('in production: no introspection, no GraphiQL, no field suggestions', async () => {
    other = await startTestServer({}, silentLogger, { production: true, graphiql: false });
    const schema = await other.gql('{ __schema { queryType { name } } }');
    expect(schema.body.errors?.[0]?.message).toMatch(/introspection/i);
    expect(schema.body.data).toBeUndefined();
    expect((await other.gql('{ __type(name: "Account") { name } }')).body.errors?.[0]?.message).toMatch(
      /introspection/i,
    );
    expect((await other.gql('{ __typename }')).body.data).toEqual({ __typename: 'Query' });
    const typo = await other.gql('{ acounts { edges { cursor } } }');
    expect(typo.body.errors?.[0]?.message).not.toMatch(/Did you mean/);
    const page = await other.raw({ path: '/graphql', headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
  });

  it('in production: no "Did you mean" anywhere, enum values and variables included', async () => {
    other = await startTestServer({}, silentLogger, { production: true });
    const answers = [
      await other.gql('{ accounts(type: ASSETS) { edges { cursor } } }'),
      await other.gql('mutation { createApiKey(input: { name: "x", role: admn }) { __typename } }'),
      await other.gql('mutation($i: OpenAccountInput!) { openAccount(input: $i) { __typename } }', {
        i: { cod: 'a', name: 'A', type: 'ASSET', currency: 'USD' },
      }),
      await other.gql('mutation($i: OpenAccountInput!) { openAccount(input: $i) { __typename } }', {
        i: { code: 'a', name: 'A', type: 'ASSETS', currency: 'USD' },
      }),
    ];
    for (const res of answers) {
      expect(res.body.errors?.length).toBeGreaterThan(0);
      for (const error of res.body.errors!) {
        expect(error.message).not.toMatch(/Did you mean/);
        expect(error.extensions?.originalError).toBeUndefined();
      }
    }
  });

  it('in production with INKWELL_INTROSPECTION on, introspection answers', async () => {
    other = await startTestServer({}, silentLogger, { production: true, introspection: true });
    expect((await other.gql('{ __schema { queryType { name } } }')).body.data).toEqual({
      __schema: { queryType: { name: 'Query' } },
    });
  });

  it('in development: introspection, suggestions, and GraphiQL without a key', async () => {
    other = await startTestServer({}, silentLogger, { graphiql: true });
    expect((await other.gql('{ __schema { queryType { name } } }')).body.data).toEqual({
      __schema: { queryType: { name: 'Query' } },
    });
    expect((await other.gql('{ acounts { edges { cursor } } }')).body.errors?.[0]?.message).toMatch(
      /Did you mean "accounts"/,
    );
    const page = await other.raw({ path: '/graphql', headers: { accept: 'text/html', authorization: '' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/<html/i);
    expect(html).toContain('Bearer <your API key>');
  });

  it('sends no CORS headers unless origins are configured, then only for those', async () => {
    const preflight = (s: TestServer, origin: string) =>
      s.raw({
        method: 'OPTIONS',
        path: '/graphql',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
    expect((await preflight(server, 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    const answer = await server.gql('{ __typename }', undefined, { origin: 'https://evil.example' });
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();

    other = await startTestServer({}, silentLogger, { corsOrigins: ['https://books.example', 'https://ops.example'] });
    const allowed = await preflight(other, 'https://books.example');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://books.example');
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    const refused = await preflight(other, 'https://evil.example');
    expect([null, 'null']).toContain(refused.headers.get('access-control-allow-origin'));
  });
});

describe('the first admin key', () => {
  it('is created once when several starts race on an empty database', async () => {
    const temp = await tempDatabase();
    try {
      const now = new Date().toISOString();
      const results = await Promise.all(
        [1, 2, 3, 4, 5].map(() => bootstrapAdminKey(temp.database, { secret: null, name: 'admin', now })),
      );
      expect(results.filter((r) => r.kind === 'created')).toHaveLength(1);
      expect(results.filter((r) => r.kind === 'none')).toHaveLength(4);
      // A database with a key gets no second one, even after that key is revoked.
      await temp.database.db.updateTable('api_keys').set({ revoked_at: now, revoked_by: 'test' }).execute();
      expect(await bootstrapAdminKey(temp.database, { secret: null, name: 'admin', now })).toEqual({ kind: 'none' });
    } finally {
      await temp.dispose();
    }
  });

  it('is seeded once from INKWELL_ADMIN_KEY when several starts race, and a revoked one stays revoked', async () => {
    const temp = await tempDatabase();
    try {
      const now = new Date().toISOString();
      const secret = 'x'.repeat(40);
      const results = await Promise.all(
        [1, 2, 3, 4, 5].map(() => bootstrapAdminKey(temp.database, { secret, name: 'ops', now })),
      );
      expect(results.filter((r) => r.kind === 'seeded')).toHaveLength(1);
      expect(results.filter((r) => r.kind === 'present')).toHaveLength(4);
      await temp.database.db.updateTable('api_keys').set({ revoked_at: now, revoked_by: 'test' }).execute();
      expect(await bootstrapAdminKey(temp.database, { secret, name: 'ops', now })).toEqual({
        kind: 'revoked',
        name: 'ops',
      });
      expect(await temp.database.db.selectFrom('api_keys').select('name').execute()).toEqual([{ name: 'ops' }]);
    } finally {
      await temp.dispose();
    }
  });
});

describe('revokeApiKey with a name no key can have', () => {
  it('answers a typed ValidationError', async () => {
    const server2 = await startTestServer();
    try {
      for (const name of ['Bad Name', 'cli', 'x'.repeat(100)]) {
        const res = await server2.gql(
          `mutation { revokeApiKey(input: { name: "${name}" }) { __typename ... on ValidationError { field } } }`,
        );
        expect(res.body.errors, name).toBeUndefined();
        expect(res.body.data.revokeApiKey).toEqual({ __typename: 'ValidationError', field: 'name' });
      }
    } finally {
      await server2.close();
    }
  });
});
