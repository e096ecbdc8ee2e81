/**
 * Categories over a real socket (issue 19, point 6): nested membership that changes with
 * backdated events, members and balance at (asOf, knownAt), the category selector of `balances`,
 * and hostile inputs, each a typed error that writes nothing. That every answer equals a fold of
 * the event log is test/property/categories.property.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerApi } from '../support/api.js';
import { logState } from '../support/log-state.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const RESULT = '__typename ... on Category { code name } ... on Error { code message }';
const CATEGORY = `query($code: String!, $asOf: DateTime, $knownAt: DateTime) { category(code: $code) {
  code name members(asOf: $asOf, knownAt: $knownAt) { code }
  balance(asOf: $asOf, knownAt: $knownAt) { key currency accountCount posted { amount } debits { amount } credits { amount } } } }`;

const api = () => ledgerApi(server);
const mutate = (field: string, input: Record<string, unknown>) => api().mutate(field, input, RESULT);
const category = async (code: string, times: { asOf?: string; knownAt?: string } = {}) =>
  (await api().request(CATEGORY, { code, ...times })).category;
const members = async (code: string, times: { asOf?: string; knownAt?: string } = {}) =>
  (await category(code, times)).members.map((m: { code: string }) => m.code);

let beforeBackdate: string;

beforeAll(async () => {
  server = await startTestServer();
  await api().openAccounts(
    [
      { code: 'assets:bank:usd', type: 'ASSET' },
      { code: 'assets:bank:eur', type: 'ASSET', currency: 'EUR' },
      { code: 'assets:cash', type: 'ASSET' },
      { code: 'equity:capital', type: 'EQUITY' },
      { code: 'equity:capital-eur', type: 'EQUITY', currency: 'EUR' },
    ],
    { effectiveAt: '2026-01-01T00:00:00Z' },
  );
  const post = (key: string, debit: string, credit: string, amount: string, effectiveAt: string) =>
    api().transfer({ idempotencyKey: key, debitAccount: debit, creditAccount: credit, amount, effectiveAt });
  await post('p1', 'assets:bank:usd', 'equity:capital', '100.00', '2026-02-01T00:00:00Z');
  await post('p2', 'assets:cash', 'equity:capital', '25.50', '2026-02-01T00:00:00Z');
  await post('p3', 'assets:bank:eur', 'equity:capital-eur', '9.99', '2026-02-01T00:00:00Z');
  for (const [code, name] of [
    ['liquid', 'Liquid assets'],
    ['banks', 'Banks'],
    ['everything', 'Everything'],
  ])
    expect(await mutate('createCategory', { code, name })).toMatchObject({ __typename: 'Category', code, name });
  const add = async (input: Record<string, unknown>) =>
    expect((await mutate('addToCategory', input)).__typename).toBe('Category');
  await add({ category: 'banks', account: 'assets:bank:usd', effectiveAt: '2026-01-10T00:00:00Z' });
  await add({ category: 'banks', account: 'assets:bank:eur', effectiveAt: '2026-03-01T00:00:00Z' });
  await add({ category: 'liquid', childCategory: 'banks', effectiveAt: '2026-01-15T00:00:00Z' });
  await add({ category: 'liquid', account: 'assets:cash', effectiveAt: '2026-01-15T00:00:00Z' });
  // Reached twice (directly and through banks): counted once.
  await add({ category: 'liquid', account: 'assets:bank:usd', effectiveAt: '2026-01-20T00:00:00Z' });
  await add({ category: 'everything', childCategory: 'liquid', effectiveAt: '2026-01-01T00:00:00Z' });
  beforeBackdate = new Date().toISOString();
  await new Promise((resolve) => setTimeout(resolve, 5));
  // Learned later: cash left liquid on 2026-02-15 (a backdated removal).
  expect(
    (
      await mutate('removeFromCategory', {
        category: 'liquid',
        account: 'assets:cash',
        effectiveAt: '2026-02-15T00:00:00Z',
      })
    ).__typename,
  ).toBe('Category');
});
afterAll(() => server.close());

describe('category members', () => {
  it('are the accounts of that effective time, nested categories included, each once', async () => {
    expect(await members('liquid', { asOf: '2026-01-12T00:00:00Z' })).toEqual([]);
    expect(await members('banks', { asOf: '2026-01-12T00:00:00Z' })).toEqual(['assets:bank:usd']);
    expect(await members('liquid', { asOf: '2026-01-16T00:00:00Z' })).toEqual(['assets:bank:usd', 'assets:cash']);
    expect(await members('everything', { asOf: '2026-02-01T00:00:00Z' })).toEqual(['assets:bank:usd', 'assets:cash']);
    expect(await members('everything')).toEqual(['assets:bank:eur', 'assets:bank:usd']);
  });

  it('are as the ledger knew them at knownAt', async () => {
    expect(await members('liquid', { asOf: '2026-03-01T00:00:00Z', knownAt: beforeBackdate })).toEqual([
      'assets:bank:eur',
      'assets:bank:usd',
      'assets:cash',
    ]);
    expect(await members('liquid', { asOf: '2026-03-01T00:00:00Z' })).toEqual(['assets:bank:eur', 'assets:bank:usd']);
  });
});

describe('category balance', () => {
  it('sums the members of that time per currency, never mixing them', async () => {
    const old = await category('liquid', { asOf: '2026-02-10T00:00:00Z', knownAt: beforeBackdate });
    expect(old.balance).toEqual([
      {
        key: 'liquid',
        currency: 'USD',
        accountCount: 2,
        posted: { amount: '125.50' },
        debits: { amount: '125.50' },
        credits: { amount: '0.00' },
      },
    ]);
    const now = await category('liquid');
    expect(
      now.balance.map((r: { currency: string; posted: { amount: string } }) => [r.currency, r.posted.amount]),
    ).toEqual([
      ['EUR', '9.99'],
      ['USD', '100.00'],
    ]);
  });

  it('is what balances(selector: { category }) answers', async () => {
    const body = await api().request(
      `{ balances(selector: { category: "everything" }, asOf: "2026-02-10T00:00:00Z") { key currency accountCount posted { amount } } }`,
    );
    expect(body.balances).toEqual([
      { key: 'everything', currency: 'USD', accountCount: 2, posted: { amount: '125.50' } },
    ]);
    const grouped = await api().request(
      '{ balances(selector: { category: "liquid" }, groupBy: { level: 2 }) { key currency posted { amount } } }',
    );
    expect(grouped.balances).toEqual([
      { key: 'assets:bank', currency: 'EUR', posted: { amount: '9.99' } },
      { key: 'assets:bank', currency: 'USD', posted: { amount: '100.00' } },
    ]);
  });

  it('refuses a selector naming two things, or an unknown category', async () => {
    for (const selector of [
      '{ category: "liquid", prefix: "assets" }',
      '{ category: "nope" }',
      '{ category: "Bad Code" }',
    ]) {
      const { body } = await server.gql(`{ balances(selector: ${selector}) { key } }`);
      expect(body.data).toBeNull();
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });
});

describe('hostile inputs: a typed error, nothing written', () => {
  const cases: Array<[string, string, Record<string, unknown>, string]> = [
    ['an unknown category', 'addToCategory', { category: 'nope', account: 'assets:cash' }, 'CategoryNotFound'],
    ['an unknown account', 'addToCategory', { category: 'banks', account: 'assets:nope' }, 'AccountNotFound'],
    ['an unknown child', 'addToCategory', { category: 'banks', childCategory: 'nope' }, 'CategoryNotFound'],
    ['itself as a child', 'addToCategory', { category: 'banks', childCategory: 'banks' }, 'CategoryCycle'],
    ['an ancestor as a child', 'addToCategory', { category: 'banks', childCategory: 'everything' }, 'CategoryCycle'],
    [
      'an ancestor as a child, backdated',
      'addToCategory',
      { category: 'banks', childCategory: 'liquid', effectiveAt: '2025-01-01T00:00:00Z' },
      'CategoryCycle',
    ],
    [
      'both an account and a child',
      'addToCategory',
      { category: 'banks', account: 'assets:cash', childCategory: 'liquid' },
      'ValidationError',
    ],
    ['neither an account nor a child', 'addToCategory', { category: 'banks' }, 'ValidationError'],
    ['a malformed code', 'addToCategory', { category: 'Banks!', account: 'assets:cash' }, 'ValidationError'],
    [
      'a far future effectiveAt',
      'addToCategory',
      { category: 'banks', account: 'assets:cash', effectiveAt: '2999-01-01T00:00:00Z' },
      'ValidationError',
    ],
    [
      'removing a non-member',
      'removeFromCategory',
      { category: 'banks', account: 'assets:cash' },
      'NotACategoryMember',
    ],
    [
      'removing a member before it joined',
      'removeFromCategory',
      { category: 'banks', account: 'assets:bank:eur', effectiveAt: '2026-02-01T00:00:00Z' },
      'NotACategoryMember',
    ],
    ['a duplicate code with another name', 'createCategory', { code: 'banks', name: 'Other' }, 'CategoryAlreadyExists'],
    ['an empty name', 'createCategory', { code: 'fresh', name: '' }, 'ValidationError'],
  ];
  it.each(cases)('%s', async (_name, field, input, typename) => {
    const before = await logState(server.database.db);
    const answer = await mutate(field, input);
    expect(answer.__typename).toBe(typename);
    expect(answer.message).toBeTruthy();
    expect(await logState(server.database.db)).toEqual(before);
  });

  it('refuses a malformed effectiveAt as bad input', async () => {
    const before = await logState(server.database.db);
    const { body } = await server.gql(
      'mutation { addToCategory(input: { category: "banks", account: "assets:cash", effectiveAt: "yesterday" }) { __typename } }',
    );
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await logState(server.database.db)).toEqual(before);
  });

  it('answers the existing category for an identical create, and a repeated add, writing nothing', async () => {
    const before = await logState(server.database.db);
    expect(await mutate('createCategory', { code: 'banks', name: 'Banks' })).toMatchObject({ __typename: 'Category' });
    expect(
      await mutate('addToCategory', {
        category: 'banks',
        account: 'assets:bank:usd',
        effectiveAt: '2026-02-01T00:00:00Z',
      }),
    ).toMatchObject({ __typename: 'Category' });
    expect(await logState(server.database.db)).toEqual(before);
  });

  it('answers null for an unknown category', async () => {
    expect(await api().request('{ category(code: "nope") { code } }')).toEqual({ category: null });
  });

  it('keeps categories out of reach of reader keys for writes', async () => {
    const key = await server.createKey('writer', { name: 'cat-writer' });
    const { body } = await server.gqlAs(
      key,
      'mutation { createCategory(input: { code: "w", name: "W" }) { __typename } }',
    );
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('the log', () => {
  it('holds the membership changes as events of the category stream, and rebuild agrees', async () => {
    const events = await server.database.db
      .selectFrom('events')
      .select(['stream_id', 'type'])
      .where('stream_id', 'like', 'category:%')
      .orderBy('position')
      .execute();
    expect(events.filter((e) => e.stream_id === 'category:liquid').map((e) => e.type)).toEqual([
      'CategoryCreated',
      'CategoryMemberAdded',
      'CategoryMemberAdded',
      'CategoryMemberAdded',
      'CategoryMemberRemoved',
    ]);
    const { rebuildReadModels } = await import('../../src/projections/rebuild.js');
    const report = await rebuildReadModels(server.database, { apply: false });
    expect(report.differences).toEqual([]);
  });
});
