/**
 * `entries(filter, first, after, atPosition, order)` over a real socket: filters, order, totalCount,
 * cursors pinned to the position the first page was read at, and the hostile inputs (issue 19).
 * That every filter equals a scan of the log is test/property/entries-search.property.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const OPEN = 'mutation($input: OpenAccountInput!) { openAccount(input: $input) { __typename } }';
const TRANSFER =
  'mutation($input: TransferInput!) { transfer(input: $input) { __typename ... on Transaction { id } } }';
const ENTRIES = `query($filter: EntryFilter, $first: Int, $after: String, $atPosition: Int, $order: SortOrder) {
  entries(filter: $filter, first: $first, after: $after, atPosition: $atPosition, order: $order) {
    totalCount
    edges { cursor node { account { code } direction amount { amount currency } effectiveAt transaction { idempotencyKey } } }
    pageInfo { hasNextPage endCursor }
  } }`;

let seq = 0;
const transfer = async (debitAccount: string, creditAccount: string, amount: string, effectiveAt?: string) => {
  const input = { idempotencyKey: `s${++seq}`, debitAccount, creditAccount, amount, effectiveAt };
  expect((await server.gql(TRANSFER, { input })).body.data.transfer.__typename).toBe('Transaction');
};
const search = async (variables: Record<string, unknown>) => (await server.gql(ENTRIES, variables)).body;

beforeAll(async () => {
  server = await startTestServer();
  for (const [code, type] of [
    ['assets:bank', 'ASSET'],
    ['liabilities:users:ann:wallet', 'LIABILITY'],
    ['liabilities:users:bob:wallet', 'LIABILITY'],
    ['liabilities:users:bob:savings', 'LIABILITY'],
  ] as const) {
    const input = { code, name: code, type, currency: 'USD', effectiveAt: '2026-01-01T00:00:00Z' };
    expect((await server.gql(OPEN, { input })).body.data.openAccount.__typename).toBe('Account');
  }
  await transfer('assets:bank', 'liabilities:users:ann:wallet', '10.00', '2026-02-01T00:00:00Z');
  await transfer('assets:bank', 'liabilities:users:bob:wallet', '20.00', '2026-02-02T00:00:00Z');
  await transfer('liabilities:users:bob:wallet', 'liabilities:users:bob:savings', '5.00', '2026-02-03T00:00:00Z');
});
afterAll(() => server.close());

describe('entries', () => {
  it('filters by pattern and amount, newest first by default, with totalCount', async () => {
    const body = await search({ filter: { accountPattern: 'liabilities:users:*:wallet', minAmount: '10.00' } });
    expect(body.errors).toBeUndefined();
    expect(body.data.entries.totalCount).toBe(2);
    expect(
      body.data.entries.edges.map((e: { node: { account: { code: string }; amount: { amount: string } } }) => [
        e.node.account.code,
        e.node.amount.amount,
      ]),
    ).toEqual([
      ['liabilities:users:bob:wallet', '20.00'],
      ['liabilities:users:ann:wallet', '10.00'],
    ]);
  });

  it('pages oldest first with cursors pinned to the first page’s position, while others write', async () => {
    const first = (await search({ first: 2, order: 'ASC' })).data.entries;
    expect(first.totalCount).toBe(6);
    expect(first.pageInfo.hasNextPage).toBe(true);
    await transfer('assets:bank', 'liabilities:users:ann:wallet', '1.00');
    const rest = (await search({ first: 10, order: 'ASC', after: first.pageInfo.endCursor })).data.entries;
    // The transfer written in between is not part of the list the cursor reads: 6 entries, not 8.
    expect(rest.totalCount).toBe(6);
    expect(rest.edges).toHaveLength(4);
    expect(rest.pageInfo.hasNextPage).toBe(false);
    const keys = [...first.edges, ...rest.edges].map(
      (e: { node: { transaction: { idempotencyKey: string } } }) => e.node.transaction.idempotencyKey,
    );
    expect(keys).toEqual(['s1', 's1', 's2', 's2', 's3', 's3']);
    expect((await search({})).data.entries.totalCount).toBe(8);
  });

  it('reads as of an earlier log position, and no later than the head', async () => {
    const all = (await search({ first: 100, order: 'ASC' })).data.entries;
    expect(all.totalCount).toBeGreaterThanOrEqual(8);
    // Position 0 is before anything: nothing; a position beyond the head reads the head.
    expect((await search({ atPosition: 0 })).data.entries.totalCount).toBe(0);
    expect((await search({ atPosition: 2_000_000_000 })).data.entries.totalCount).toBe(all.totalCount);
  });

  it('matches nothing for a status other than POSTED, and an idempotency key exactly', async () => {
    expect((await search({ filter: { status: ['PENDING', 'VOIDED'] } })).data.entries.totalCount).toBe(0);
    expect((await search({ filter: { idempotencyKey: 's2' } })).data.entries.totalCount).toBe(2);
  });

  it('refuses hostile input with BAD_USER_INPUT and no data', async () => {
    for (const variables of [
      { filter: { accountPattern: 'assets:***' } },
      { filter: { accountPattern: 'Assets:*' } },
      { filter: { account: 'not a code' } },
      { filter: { currency: 'usd' } },
      { filter: { minAmount: '1e5' } },
      { filter: { currency: 'USD', maxAmount: '1.001' } },
      { filter: { idempotencyKey: 'k'.repeat(129) } },
      { first: 0 },
      { first: 101 },
      { atPosition: -1 },
      { after: 'garbage' },
      { after: Buffer.from(JSON.stringify(['entry', '1.0'])).toString('base64url') },
    ]) {
      const body = await search(variables);
      expect(body.data?.entries ?? null, JSON.stringify(variables)).toBeNull();
      expect(body.errors?.[0]?.extensions?.code, JSON.stringify(variables)).toBe('BAD_USER_INPUT');
    }
  });

  it('refuses an atPosition other than the one its cursor was read at', async () => {
    const page = (await search({ first: 1 })).data.entries;
    const body = await search({ first: 1, after: page.pageInfo.endCursor, atPosition: 1 });
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toContain('atPosition');
  });

  it('lists transactions as known at a position: a hold committed later is still pending there', async () => {
    const TRANSACTIONS = `query($filter: TransactionFilter, $atPosition: Int) {
      transactions(filter: $filter, atPosition: $atPosition) {
        totalCount edges { node { idempotencyKey status entries { amount { amount } } } } } }`;
    const HOLD =
      'mutation($input: PostTransactionInput!) { postTransaction(input: $input) { ... on Transaction { id } } }';
    const COMMIT = 'mutation($input: CommitPendingInput!) { commitPending(input: $input) { __typename } }';
    const HEAD =
      '{ account(code: "liabilities:users:bob:savings") { events(first: 100) { edges { node { position } } } } }';
    const entries = [
      { account: 'liabilities:users:ann:wallet', direction: 'DEBIT', amount: '3.00' },
      { account: 'liabilities:users:bob:savings', direction: 'CREDIT', amount: '3.00' },
    ];
    const hold = (await server.gql(HOLD, { input: { idempotencyKey: 'hold-1', entries, pending: true } })).body.data
      .postTransaction.id;
    const events = (await server.gql(HEAD)).body.data.account.events.edges;
    const placedAt = Math.max(...events.map((e: { node: { position: number } }) => e.node.position));
    const commit = { idempotencyKey: 'hold-1-c', transactionId: hold, amount: '2.00' };
    expect((await server.gql(COMMIT, { input: commit })).body.data.commitPending.__typename).toBe('Transaction');

    const read = async (atPosition?: number) =>
      (await server.gql(TRANSACTIONS, { filter: { idempotencyKey: 'hold-1' }, atPosition })).body.data.transactions;
    const twoLegs = (amount: string) => [{ amount: { amount } }, { amount: { amount } }];
    expect((await read()).edges[0].node).toEqual({
      idempotencyKey: 'hold-1',
      status: 'POSTED',
      entries: twoLegs('2.00'),
    });
    expect((await read(placedAt)).edges[0].node).toEqual({
      idempotencyKey: 'hold-1',
      status: 'PENDING',
      entries: twoLegs('3.00'),
    });
    expect((await read(placedAt - 2)).totalCount).toBe(0);
    const pending = async (atPosition?: number) =>
      (await server.gql(TRANSACTIONS, { filter: { status: ['PENDING'] }, atPosition })).body.data.transactions
        .totalCount;
    expect([await pending(placedAt), await pending()]).toEqual([1, 0]);
    // A cursor must name the position it was read at: a bare key is forged.
    const forged = Buffer.from(JSON.stringify(['transactions', '123'])).toString('base64url');
    const refused = (await server.gql('query($a: String) { transactions(after: $a) { totalCount } }', { a: forged }))
      .body;
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('gives Account.entries a totalCount of its own entries in the period', async () => {
    const body = await server.gql(
      `{ account(code: "liabilities:users:bob:wallet") { all: entries { totalCount } feb2: entries(from: "2026-02-02T00:00:00Z", to: "2026-02-03T00:00:00Z") { totalCount } } }`,
    );
    expect(body.body.data.account).toEqual({ all: { totalCount: 2 }, feb2: { totalCount: 1 } });
  });
});
