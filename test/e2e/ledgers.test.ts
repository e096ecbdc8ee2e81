/**
 * Ledgers as namespaces (issue 24, point 1) over a real socket, on SQLite and PostgreSQL:
 * createLedger and ledgers, an endpoint per ledger with nothing crossing between them, API keys
 * scoped to ledgers, and `default` unchanged.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { silentLogger } from '../../src/log.js';
import { startServer } from '../../src/server.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { ledgerSchema } from '../../src/store/postgres.js';
import { ledgerFile } from '../../src/store/sqlite.js';
import { ledgerApi, RESULT, type GraphQLBody, type Send } from '../support/api.js';
import { logState } from '../support/log-state.js';
import { parsePrometheus, sampleValue } from '../support/prometheus.js';
import { startTestServer, tempDatabase, type TestServer } from '../support/server.js';

let server: TestServer;

/** POSTs to a ledger's endpoint with a key (the admin's unless given): status and body. */
async function post(
  ledger: string | null,
  query: string,
  variables?: Record<string, unknown>,
  key: string | null = server.adminKey,
): Promise<{ status: number; body: GraphQLBody }> {
  const response = await server.raw({
    path: ledger === null ? '/graphql' : `/ledgers/${ledger}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: key === null ? '' : `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as GraphQLBody };
}

const on =
  (ledger: string | null, key?: string): Send =>
  (query, variables) =>
    post(ledger, query, variables, key).then((r) => r.body);
const api = (ledger: string | null, key?: string) => ledgerApi({ send: on(ledger, key) });

const CREATE = `mutation($input: CreateLedgerInput!) {
  createLedger(input: $input) {
    __typename
    ... on Ledger { name description endpoint createdAt createdBy }
    ... on Error { code message }
    ... on ValidationError { field }
  }
}`;
const LIST = '{ ledgers(first: 100) { edges { node { name description endpoint createdAt } } } }';
const INTEGRITY = '{ verifyIntegrity { ok eventsChecked headHash } }';

const scrape = async () => parsePrometheus(await (await server.raw({ path: '/metrics' })).text());

const names = async (ledger: string | null = null, key?: string) =>
  ((await post(ledger, LIST, {}, key)).body.data?.ledgers.edges ?? []).map((e: any) => e.node.name);

async function seed(ledger: string | null, amount: string, key = 'seed'): Promise<void> {
  const a = api(ledger);
  await a.openAccounts([
    { code: 'assets:cash', type: 'ASSET' },
    { code: 'equity:capital', type: 'EQUITY' },
  ]);
  const posted = await a.transfer(
    { idempotencyKey: key, debitAccount: 'assets:cash', creditAccount: 'equity:capital', amount },
    RESULT,
  );
  expect(posted.__typename).toBe('Transaction');
}

const balance = async (ledger: string | null) =>
  (await api(ledger).request('{ account(code: "assets:cash") { balance { posted { amount } } } }')).account?.balance
    .posted.amount ?? null;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

describe('createLedger and ledgers', () => {
  it('creates a ledger that is served at once at its own endpoint', async () => {
    const { body } = await post(null, CREATE, { input: { name: 'acme', description: 'Acme Ltd.' } });
    expect(body.data.createLedger).toMatchObject({
      __typename: 'Ledger',
      name: 'acme',
      description: 'Acme Ltd.',
      endpoint: '/ledgers/acme/graphql',
      createdBy: 'test-admin',
    });
    expect(Date.parse(body.data.createLedger.createdAt)).toBeGreaterThan(Date.now() - 60_000);
    const { data } = (await post('acme', LIST)).body;
    expect(data.ledgers.edges.map((e: any) => e.node)).toEqual([
      expect.objectContaining({ name: 'acme', description: 'Acme Ltd.' }),
      expect.objectContaining({ name: 'default', endpoint: '/graphql', createdAt: null }),
    ]);
    // A fresh ledger: an empty, valid log.
    expect((await post('acme', INTEGRITY)).body.data.verifyIntegrity).toEqual({
      ok: true,
      eventsChecked: 0,
      headHash: null,
    });
  });

  it('refuses a bad name, a duplicate, a long description and a non-admin key, changing nothing', async () => {
    await post(null, CREATE, { input: { name: 'dup' } });
    const before = await names();
    for (const name of ['Acme', '1acme', 'a-b', '', 'a'.repeat(33), "x'; drop schema public; --", 'ü', 'a b']) {
      const { status, body } = await post(null, CREATE, { input: { name } });
      expect(status).toBe(200);
      expect(body.data.createLedger, name).toMatchObject({ __typename: 'ValidationError', field: 'name' });
    }
    for (const name of ['dup', 'default'])
      expect((await post(null, CREATE, { input: { name } })).body.data.createLedger).toMatchObject({
        __typename: 'LedgerAlreadyExists',
        code: 'LEDGER_ALREADY_EXISTS',
      });
    expect(
      (await post(null, CREATE, { input: { name: 'longdesc', description: 'x'.repeat(1001) } })).body.data.createLedger,
    ).toMatchObject({ __typename: 'ValidationError', field: 'description' });
    for (const role of ['reader', 'writer', 'auditor']) {
      const key = await server.createKey(role);
      const { body } = await post(null, CREATE, { input: { name: `by_${role}` } }, key);
      expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect(await names()).toEqual(before);
  });

  it('answers a ledger whose storage cannot be opened with a storage error, and opens it once repaired', async () => {
    // Something that is not a ledger's storage already sits where `broken`'s would be made.
    const blocked =
      server.database.dialect === 'sqlite'
        ? (() => {
            const file = ledgerFile(server.file, 'broken');
            writeFileSync(file, 'not a database, and much longer than a SQLite header would be');
            return () => rmSync(file);
          })()
        : await (async () => {
            const schema = ledgerSchema(server.database.schema, 'broken');
            await sql`CREATE SCHEMA ${sql.id(schema)}`.execute(server.database.db);
            await sql`CREATE TABLE ${sql.id(schema, 'events')} (stray int)`.execute(server.database.db);
            return async () => void (await sql`DROP SCHEMA ${sql.id(schema)} CASCADE`.execute(server.database.db));
          })();
    const { status, body } = await post(null, CREATE, { input: { name: 'broken' } });
    expect(status).toBe(200);
    expect(body.data).toBeNull();
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', fault: 'STORAGE_UNAVAILABLE' });
    expect(body.errors?.[0]?.message).toMatch(/storage of ledger "broken" cannot be opened/);
    // The name is taken (it was recorded before its storage was made), and its endpoint fails the same way.
    expect((await post(null, CREATE, { input: { name: 'broken' } })).body.data.createLedger.__typename).toBe(
      'LedgerAlreadyExists',
    );
    expect((await post('broken', INTEGRITY)).body.errors?.[0]?.extensions?.fault).toBe('STORAGE_UNAVAILABLE');
    // Repaired, the next request opens it: an empty, valid log.
    await blocked();
    expect((await post('broken', INTEGRITY)).body.data.verifyIntegrity).toMatchObject({ ok: true, eventsChecked: 0 });
  });

  it('pages the list with first/after, default in name order', async () => {
    for (const name of ['p1', 'p2']) await post(null, CREATE, { input: { name } });
    const all = await names();
    expect(all).toEqual([...all].sort());
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const { body } = await post(
        null,
        'query($after: String) { ledgers(first: 2, after: $after) { edges { cursor node { name } } pageInfo { hasNextPage endCursor } } }',
        { after },
      );
      const page = body.data.ledgers;
      seen.push(...page.edges.map((e: any) => e.node.name));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(all);
  });
});

describe('an endpoint per ledger', () => {
  beforeAll(async () => {
    for (const name of ['left', 'right']) await post(null, CREATE, { input: { name } });
  });

  it('keeps accounts, transactions, idempotency keys and hash chains apart', async () => {
    await seed(null, '1.00');
    const defaultBefore = await logState(server.database.db);
    await seed('left', '20.00');
    await seed('right', '300.00');
    // The same idempotency key on another ledger is another transaction, not a replay.
    expect(await balance(null)).toBe('1.00');
    expect(await balance('left')).toBe('20.00');
    expect(await balance('right')).toBe('300.00');
    expect(await logState(server.database.db)).toEqual(defaultBefore);
    const chains = await Promise.all([null, 'left', 'right'].map(async (l) => (await post(l, INTEGRITY)).body.data));
    for (const c of chains) expect(c.verifyIntegrity).toMatchObject({ ok: true, eventsChecked: 4 });
    expect(new Set(chains.map((c) => c.verifyIntegrity.headHash)).size).toBe(3);
    // A transaction of one ledger is not found on another.
    const { transactions } = await api('left').request('{ transactions(first: 5) { edges { node { id } } } }');
    const id = transactions.edges[0].node.id;
    expect(
      (await api('right').request('query($id: ID!) { transaction(id: $id) { id } }', { id })).transaction,
    ).toBeNull();
    expect((await api('left').request('query($id: ID!) { transaction(id: $id) { id } }', { id })).transaction).toEqual({
      id,
    });
  });

  it('keeps the period lock per ledger', async () => {
    const close = await api('left').mutate('closePeriod', { through: '2020-01-01T00:00:00Z' }, '__typename');
    expect(close.__typename).not.toMatch(/Error/);
    const books = '{ books { lockedThrough } }';
    expect((await api('left').request(books)).books.lockedThrough).toBe('2020-01-01T00:00:00.000Z');
    expect((await api('right').request(books)).books.lockedThrough).toBeNull();
    expect((await api(null).request(books)).books.lockedThrough).toBeNull();
  });

  it('answers an unknown ledger with a typed 404 after the key is checked, and a stray path with NOT_FOUND', async () => {
    for (const ledger of ['nowhere', 'Bad', 'a'.repeat(64), 'x%27%3B']) {
      const { status, body } = await post(ledger, '{ __typename }');
      expect(status, ledger).toBe(404);
      expect(body.errors?.[0]?.extensions?.code).toBe('LEDGER_NOT_FOUND');
      // Without a valid key, nothing tells whether a ledger exists.
      expect((await post(ledger, '{ __typename }', {}, null)).status).toBe(401);
      expect((await post(ledger, '{ __typename }', {}, 'ink_not-a-key')).status).toBe(401);
    }
    for (const path of ['/ledgers/left', '/ledgers/left/graphql/x', '/ledgers//graphql']) {
      const response = await server.raw({
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(response.status, path).toBe(404);
    }
  });

  it('counts requests per ledger in the metrics, and /ready checks the open ledgers', async () => {
    for (let i = 0; i < 3; i++) await post('right', 'query Probe { books { lockedThrough } }');
    const samples = await scrape();
    expect(sampleValue(samples, 'inkwell_requests_total', { operation: 'Probe', outcome: 'ok', ledger: 'right' })).toBe(
      3,
    );
    // An unknown ledger never becomes a label (its name is the client's to choose).
    await post('nosuch', 'query Probe { __typename }');
    expect((await scrape()).some((s) => s.labels.ledger === 'nosuch')).toBe(false);
    const ready = await server.raw({ path: '/ready' });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true });
  });

  it('streams a ledger’s own events on its endpoint (server-sent events)', async () => {
    const response = await server.raw({
      path: '/ledgers/right/graphql',
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { ledgerEvents(afterPosition: 0) { position hash data } }' }),
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let text = '';
    while ((text.match(/^data:/gm) ?? []).length < 4) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const events = text
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => JSON.parse(l.slice(5)).data?.ledgerEvents)
      .filter(Boolean);
    expect(events.slice(0, 4).map((e: any) => e.position)).toEqual([1, 2, 3, 4]);
    // The right ledger's own log: its transfer of 300.00 (default's was 1.00, left's 20.00), its head.
    expect(JSON.stringify(events.slice(0, 4).map((e: any) => e.data))).toContain('"300.00"');
    expect(events[3].hash).toBe((await post('right', INTEGRITY)).body.data.verifyIntegrity.headHash);
  });

  it('runs each ledger’s own subscribers: daily balances follow that ledger’s log', async () => {
    const day = new Date().toISOString().slice(0, 10);
    const query = `{ account(code: "assets:cash") { dailyBalances(from: "${day}", to: "${day}") { throughPosition days { balance { amount } } } } }`;
    const read = async (ledger: string) => (await api(ledger).request(query)).account.dailyBalances;
    const deadline = Date.now() + 20_000;
    while ((await read('right')).throughPosition < 4 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await read('right')).days).toEqual([{ balance: { amount: '300.00' } }]);
    while ((await read('left')).throughPosition < 4 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await read('left')).days).toEqual([{ balance: { amount: '20.00' } }]);
  });

  it('answers a mutation with the position it committed at in its own ledger’s log', async () => {
    const before = (await post('right', INTEGRITY)).body.data.verifyIntegrity.eventsChecked;
    const { body } = await post(
      'right',
      'mutation { openAccount(input: { code: "assets:pos", name: "P", type: ASSET, currency: "USD" }) { __typename } }',
    );
    expect(body.data.openAccount.__typename).toBe('Account');
    // Its own log's next position, whatever default's head is.
    expect(body.extensions?.ledgerPosition).toBe(before + 1);
    expect((await logState(server.database.db)).events).not.toBe(before + 1);
    // A refused one commits nothing: it answers the head of its own ledger that it saw.
    const refused = await post(
      'right',
      'mutation { transfer(input: { idempotencyKey: "same", debitAccount: "assets:pos", creditAccount: "assets:pos", amount: "1.00" }) { __typename } }',
    );
    expect(refused.body.data.transfer.__typename).toBe('ValidationError');
    expect(refused.body.extensions?.ledgerPosition).toBe(before + 1);
  });

  it('serves /ledgers/default/graphql as /graphql', async () => {
    expect(await balance('default')).toBe(await balance(null));
  });
});

describe('API keys scoped to ledgers', () => {
  const CREATE_KEY = `mutation($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      __typename
      ... on CreatedApiKey { secret key { name ledgers } }
      ... on ValidationError { field message }
    }
  }`;

  beforeAll(async () => {
    for (const name of ['scope_a', 'scope_b']) await post(null, CREATE, { input: { name } });
  });

  it('lets a key use its ledgers only: FORBIDDEN elsewhere, default included, admin or not', async () => {
    const created = await post('scope_a', CREATE_KEY, {
      input: { name: 'only-a', role: 'admin', ledgers: ['scope_a', 'scope_a'] },
    });
    expect(created.body.data.createApiKey.key).toEqual({ name: 'only-a', ledgers: ['scope_a'] });
    const key = created.body.data.createApiKey.secret;
    await api('scope_a', key).openAccounts([{ code: 'assets:a', type: 'ASSET' }]);
    for (const ledger of [null, 'scope_b']) {
      const before = await logState(server.database.db);
      const { status, body } = await post(
        ledger,
        'mutation { openAccount(input: { code: "assets:x", name: "x", type: ASSET, currency: "USD" }) { __typename } }',
        {},
        key,
      );
      expect(status).toBe(403);
      expect(body.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
      expect(body.errors?.[0]?.message).toContain('only-a');
      expect(await logState(server.database.db)).toEqual(before);
    }
    // It lists only the ledgers it may use.
    expect(await names('scope_a', key)).toEqual(['scope_a']);
  });

  it('lets unscoped keys and admins use every ledger', async () => {
    const reader = await server.createKey('reader');
    for (const ledger of [null, 'scope_a', 'scope_b']) {
      expect((await post(ledger, '{ books { lockedThrough } }', {}, reader)).status).toBe(200);
      expect((await post(ledger, '{ books { lockedThrough } }')).status).toBe(200);
    }
  });

  it('keeps keys global: a key made on a ledger endpoint works on default, and is listed there', async () => {
    const made = await post('scope_b', CREATE_KEY, { input: { name: 'made-on-b', role: 'reader' } });
    const key = made.body.data.createApiKey.secret;
    expect((await post(null, '{ books { lockedThrough } }', {}, key)).status).toBe(200);
    const listed = await api(null).request('{ apiKeys(first: 100) { edges { node { name ledgers } } } }');
    expect(listed.apiKeys.edges.map((e: any) => e.node)).toContainEqual({ name: 'made-on-b', ledgers: null });
    expect(listed.apiKeys.edges.map((e: any) => e.node)).toContainEqual({ name: 'only-a', ledgers: ['scope_a'] });
  });

  it('refuses unknown, malformed and empty ledger lists, creating no key', async () => {
    for (const ledgers of [['nope'], ['scope_a', 'nope'], ['Bad'], []]) {
      const { body } = await post(null, CREATE_KEY, {
        input: {
          name: `bad-${ledgers.length}-${ledgers.join('')}`
            .toLowerCase()
            .slice(0, 40)
            .replace(/[^a-z0-9._-]/g, '_'),
          role: 'reader',
          ledgers,
        },
      });
      expect(body.data.createApiKey, JSON.stringify(ledgers)).toMatchObject({
        __typename: 'ValidationError',
        field: 'ledgers',
      });
    }
    const listed = await api(null).request('{ apiKeys(first: 100) { edges { node { name } } } }');
    expect(listed.apiKeys.edges.map((e: any) => e.node.name).filter((n: string) => n.startsWith('bad-'))).toEqual([]);
  });
});

describe('a database from before ledgers', () => {
  it('opens as `default` with its history, chain and head unchanged', async () => {
    const temp = await tempDatabase();
    try {
      // As it was before migrations 0015 and 0016.
      await sql`DROP TABLE ledgers`.execute(temp.database.db);
      await sql`ALTER TABLE api_keys DROP COLUMN ledgers`.execute(temp.database.db);
      await sql`DELETE FROM kysely_migration WHERE name IN ('0015_ledgers', '0016_api_key_ledgers')`.execute(
        temp.database.db,
      );
      const old = new Ledger(temp.database);
      const ctx = { actor: 'before', requestId: 'upgrade' };
      await old.openAccount({ code: 'assets:cash', name: 'C', type: 'ASSET', currency: 'EUR' }, ctx);
      await old.openAccount({ code: 'equity:capital', name: 'E', type: 'EQUITY', currency: 'EUR' }, ctx);
      await old.transfer(
        { idempotencyKey: 'old', debitAccount: 'assets:cash', creditAccount: 'equity:capital', amount: '7.50' },
        ctx,
      );
      const before = await logState(temp.database.db);

      const result = await migrateToLatest(temp.database);
      expect(result.results?.map((r) => r.migrationName)).toEqual(['0015_ledgers', '0016_api_key_ledgers']);
      const now = new Date().toISOString();
      const { secret } = await createApiKey(temp.database, { name: 'a', role: 'admin', createdBy: 't', now });
      const running = await startServer({
        ledger: new Ledger(temp.database),
        port: 0,
        host: '127.0.0.1',
        logger: silentLogger,
        rateLimit: { perSecond: 0, burst: 1 },
      });
      try {
        const send =
          (path: string): Send =>
          async (query, variables) =>
            (await fetch(running.url.replace('/graphql', path), {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
              body: JSON.stringify({ query, variables }),
            }).then((r) => r.json())) as GraphQLBody;
        const main = ledgerApi({ send: send('/graphql') });
        const integrity = (await main.request(INTEGRITY)).verifyIntegrity;
        expect(integrity).toEqual({ ok: true, eventsChecked: before.events, headHash: before.headHash });
        expect(
          (await main.request('{ account(code: "assets:cash") { balance { posted { amount } } } }')).account,
        ).toEqual({ balance: { posted: { amount: '7.50' } } });
        // A new ledger beside it changes nothing of it.
        expect((await main.mutate('createLedger', { name: 'later' }, '__typename')).__typename).toBe('Ledger');
        await ledgerApi({ send: send('/ledgers/later/graphql') }).openAccounts([{ code: 'assets:x', type: 'ASSET' }]);
        expect(await logState(temp.database.db)).toEqual(before);
        expect((await main.request(INTEGRITY)).verifyIntegrity.headHash).toBe(before.headHash);
      } finally {
        await running.close();
      }
    } finally {
      await temp.dispose();
    }
  });
});
