/**
 * `balances(selector, asOf, knownAt, groupBy)` over a real socket: groups, currencies, pending at
 * now, a past asOf, and hostile selectors. That every answer equals a replay of the log is
 * test/property/aggregate.property.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const OPEN = 'mutation($input: OpenAccountInput!) { openAccount(input: $input) { __typename } }';
const POST = 'mutation($input: PostTransactionInput!) { postTransaction(input: $input) { __typename } }';
const BALANCES = `query($selector: AccountSelector!, $groupBy: GroupBy, $asOf: DateTime) {
  balances(selector: $selector, groupBy: $groupBy, asOf: $asOf) {
    key currency accountCount debits { amount } credits { amount } posted { amount } pending { amount } available { amount } } }`;
const balances = async (variables: Record<string, unknown>) => (await server.gql(BALANCES, variables)).body;

const post = async (
  key: string,
  debit: string,
  credit: string,
  amount: string,
  extra: Record<string, unknown> = {},
) => {
  const entries = [
    { account: debit, direction: 'DEBIT', amount },
    { account: credit, direction: 'CREDIT', amount },
  ];
  expect(
    (await server.gql(POST, { input: { idempotencyKey: key, entries, ...extra } })).body.data.postTransaction
      .__typename,
  ).toBe('Transaction');
};

beforeAll(async () => {
  server = await startTestServer();
  for (const [code, type, currency] of [
    ['assets:bank:usd', 'ASSET', 'USD'],
    ['assets:bank:eur', 'ASSET', 'EUR'],
    ['liabilities:users:ann:wallet', 'LIABILITY', 'USD'],
    ['liabilities:users:bob:wallet', 'LIABILITY', 'USD'],
    ['liabilities:users:bob:eur', 'LIABILITY', 'EUR'],
  ] as const) {
    const input = { code, name: code, type, currency, effectiveAt: '2026-01-01T00:00:00Z' };
    expect((await server.gql(OPEN, { input })).body.data.openAccount.__typename).toBe('Account');
  }
  await post('a1', 'assets:bank:usd', 'liabilities:users:ann:wallet', '100.00', {
    effectiveAt: '2026-02-01T00:00:00Z',
  });
  await post('a2', 'assets:bank:usd', 'liabilities:users:bob:wallet', '50.00', { effectiveAt: '2026-03-01T00:00:00Z' });
  await post('a3', 'assets:bank:eur', 'liabilities:users:bob:eur', '7.50');
  await post('a4', 'liabilities:users:ann:wallet', 'liabilities:users:bob:wallet', '30.00', { pending: true });
});
afterAll(() => server.close());

describe('balances', () => {
  it('sums a pattern per currency, never mixing them, with pending held at now', async () => {
    const body = await balances({ selector: { pattern: 'liabilities:users:*:*' } });
    expect(body.errors).toBeUndefined();
    expect(body.data.balances).toEqual([
      {
        key: 'liabilities:users:*:*',
        currency: 'EUR',
        accountCount: 1,
        debits: { amount: '0.00' },
        credits: { amount: '7.50' },
        posted: { amount: '7.50' },
        pending: { amount: '0.00' },
        available: { amount: '7.50' },
      },
      {
        key: 'liabilities:users:*:*',
        currency: 'USD',
        accountCount: 2,
        debits: { amount: '0.00' },
        credits: { amount: '150.00' },
        posted: { amount: '150.00' },
        pending: { amount: '30.00' },
        available: { amount: '120.00' },
      },
    ]);
  });

  it('groups by code level, and answers a past asOf without holds', async () => {
    const rows = (
      await balances({ selector: { prefix: 'liabilities' }, groupBy: { level: 3 }, asOf: '2026-02-15T00:00:00Z' })
    ).data.balances;
    expect(
      rows.map((r: { key: string; currency: string; posted: { amount: string }; pending: { amount: string } }) => [
        r.key,
        r.currency,
        r.posted.amount,
        r.pending.amount,
      ]),
    ).toEqual([
      ['liabilities:users:ann', 'USD', '100.00', '0.00'],
      ['liabilities:users:bob', 'EUR', '0.00', '0.00'],
      ['liabilities:users:bob', 'USD', '0.00', '0.00'],
    ]);
  });

  it('refuses a selector that is not exactly one prefix or pattern, and a level out of range', async () => {
    for (const variables of [
      { selector: {} },
      { selector: { prefix: 'assets', pattern: 'assets:*' } },
      { selector: { prefix: 'Assets' } },
      { selector: { pattern: 'assets:***' } },
      { selector: { prefix: 'assets' }, groupBy: { level: 0 } },
      { selector: { prefix: 'assets' }, groupBy: { level: 65 } },
    ]) {
      const body = await balances(variables);
      expect(body.data?.balances ?? null, JSON.stringify(variables)).toBeNull();
      expect(body.errors?.[0]?.extensions?.code, JSON.stringify(variables)).toBe('BAD_USER_INPUT');
    }
  });
});

describe('accounts(filter)', () => {
  const ACCOUNTS = `query($filter: AccountFilter, $prefix: String, $asOf: DateTime, $first: Int, $after: String) {
    accounts(filter: $filter, prefix: $prefix, asOf: $asOf, first: $first, after: $after) {
      edges { node { code } } pageInfo { hasNextPage endCursor } } }`;
  const codes = async (variables: Record<string, unknown>) => {
    const body = (await server.gql(ACCOUNTS, variables)).body;
    expect(body.errors).toBeUndefined();
    return body.data.accounts.edges.map((e: { node: { code: string } }) => e.node.code);
  };

  it('filters by pattern, currency, status and a balance bound, now or at a past asOf', async () => {
    expect(await codes({ filter: { pattern: 'liabilities:users:*:wallet' } })).toEqual([
      'liabilities:users:ann:wallet',
      'liabilities:users:bob:wallet',
    ]);
    expect(await codes({ filter: { currency: 'EUR', status: ['OPEN'] } })).toEqual([
      'assets:bank:eur',
      'liabilities:users:bob:eur',
    ]);
    // Ann: 100.00 posted, 30.00 held. Bob's wallet: 50.00.
    expect(await codes({ prefix: 'liabilities', filter: { balance: { metric: 'POSTED', gte: '60' } } })).toEqual([
      'liabilities:users:ann:wallet',
    ]);
    expect(await codes({ prefix: 'liabilities', filter: { balance: { metric: 'AVAILABLE', lte: '69.99' } } })).toEqual([
      'liabilities:users:bob:eur',
      'liabilities:users:bob:wallet',
    ]);
    // Available counts the hold: Ann has 70.00 to give, though 100.00 is posted.
    expect(await codes({ prefix: 'liabilities', filter: { balance: { metric: 'AVAILABLE', gte: '70' } } })).toEqual([
      'liabilities:users:ann:wallet',
    ]);
    const feb = { prefix: 'liabilities', asOf: '2026-02-15T00:00:00Z' };
    expect(await codes({ ...feb, filter: { balance: { metric: 'POSTED', gte: '0.01' } } })).toEqual([
      'liabilities:users:ann:wallet',
    ]);
  });

  it('pages through a filter in code order', async () => {
    const first = (await server.gql(ACCOUNTS, { filter: { pattern: '**' }, first: 2 })).body.data.accounts;
    expect(first.pageInfo.hasNextPage).toBe(true);
    expect(await codes({ filter: { pattern: '**' }, first: 10, after: first.pageInfo.endCursor })).toHaveLength(3);
  });

  it('refuses a malformed filter, and a prefix or type given twice', async () => {
    for (const variables of [
      { filter: { pattern: 'a:***' } },
      { filter: { currency: 'usd' } },
      { filter: { balance: { metric: 'POSTED', gte: '1e3' } } },
      { prefix: 'assets', filter: { prefix: 'liabilities' } },
    ]) {
      const body = (await server.gql(ACCOUNTS, variables)).body;
      expect(body.data?.accounts ?? null, JSON.stringify(variables)).toBeNull();
      expect(body.errors?.[0]?.extensions?.code, JSON.stringify(variables)).toBe('BAD_USER_INPUT');
    }
  });
});
