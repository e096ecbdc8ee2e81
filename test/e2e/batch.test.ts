/**
 * postTransactions: up to 1,000 transactions in one durable commit. Atomic: all or nothing.
 * Otherwise a refused transaction fails alone, and every result is what posting them one by one
 * would have given.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerApi } from '../support/api.js';
import { logState } from '../support/log-state.js';
import { startTestServer, type TestServer } from '../support/server.js';

let batched: TestServer;
let oneByOne: TestServer;
const ACCOUNTS = [
  ['assets:bank', 'ASSET', null],
  ['liabilities:wallet', 'LIABILITY', '0'],
  ['equity:capital', 'EQUITY', null],
] as const;
const SINGLE = '__typename ... on Transaction { id } ... on Error { code }';
const RESULT = `${SINGLE} ... on BatchItemNotPosted { failedIndex }`;
const BATCH = `mutation($input: PostTransactionsInput!) { postTransactions(input: $input) { posted results { ${RESULT} } } }`;
const leg = (account: string, direction: 'DEBIT' | 'CREDIT', amount: string) => ({ account, direction, amount });
const tx = (key: string, debit: string, credit: string, amount: string) => ({
  idempotencyKey: key,
  entries: [leg(debit, 'DEBIT', amount), leg(credit, 'CREDIT', amount)],
});

beforeAll(async () => {
  [batched, oneByOne] = await Promise.all([startTestServer(), startTestServer()]);
  for (const server of [batched, oneByOne])
    await ledgerApi(server).openAccounts(
      ACCOUNTS.map(([code, type, minimumBalance]) => ({ code, type, minimumBalance })),
    );
});
afterAll(async () => Promise.all([batched.close(), oneByOne.close()]));

const balances = async (server: TestServer) =>
  (
    await server.gql('{ accounts(first: 10) { edges { node { code balance { posted { amount } } } } } }')
  ).body.data.accounts.edges.map((e: any) => [e.node.code, e.node.balance.posted.amount]);

describe('postTransactions', () => {
  it('fails refused items alone, each seeing the ones before it, exactly as one by one', async () => {
    const items = [
      tx('a1', 'assets:bank', 'liabilities:wallet', '100.00'),
      tx('a2', 'liabilities:wallet', 'assets:bank', '60.00'), // spends what a1 brought in
      tx('a3', 'liabilities:wallet', 'assets:bank', '60.00'), // 40.00 left: refused
      { idempotencyKey: 'a4', entries: [leg('assets:bank', 'DEBIT', '1.00'), leg('equity:capital', 'CREDIT', '2.00')] },
      tx('a5', 'assets:bank', 'assets:nowhere', '1.00'),
      tx('a6', 'liabilities:wallet', 'assets:bank', '40.00'),
      tx('a1', 'assets:bank', 'liabilities:wallet', '100.00'), // the same key again: the first result
      tx('a1', 'assets:bank', 'liabilities:wallet', '1.00'), // the same key, another request
    ];
    const batch = (await batched.gql(BATCH, { input: { transactions: items } })).body.data.postTransactions;
    const single = [];
    for (const input of items) single.push(await ledgerApi(oneByOne).postTransaction(input, SINGLE));
    expect(batch.results.map((r: any) => r.__typename)).toEqual(single.map((r) => r.__typename));
    expect(batch.results.map((r: any) => r.__typename)).toEqual([
      'Transaction',
      'Transaction',
      'InsufficientFunds',
      'UnbalancedTransaction',
      'AccountNotFound',
      'Transaction',
      'Transaction',
      'IdempotencyConflict',
    ]);
    expect(batch.results[6].id).toBe(batch.results[0].id);
    expect(batch.posted).toBe(4);
    expect(await balances(batched)).toEqual(await balances(oneByOne));
    // All of it in one commit: one recorded time for every event of the batch.
    const times = await batched.database.db
      .selectFrom('events')
      .select('recorded_at')
      .where(
        'transaction_id',
        'in',
        batch.results.filter((r: any) => r.id).map((r: any) => r.id),
      )
      .distinct()
      .execute();
    expect(times).toHaveLength(1);
  });

  it('atomic: one refusal and nothing is written; the refused item says why, the others name it', async () => {
    const before = await logState(batched.database.db);
    const items = [
      tx('b1', 'assets:bank', 'equity:capital', '5.00'),
      tx('b2', 'liabilities:wallet', 'assets:bank', '1000.00'),
      tx('b3', 'assets:bank', 'equity:capital', '5.00'),
    ];
    const res = (await batched.gql(BATCH, { input: { transactions: items, atomic: true } })).body.data.postTransactions;
    expect(res.posted).toBe(0);
    expect(res.results).toEqual([
      { __typename: 'BatchItemNotPosted', code: 'BATCH_ITEM_NOT_POSTED', failedIndex: 1 },
      { __typename: 'InsufficientFunds', code: 'INSUFFICIENT_FUNDS' },
      { __typename: 'BatchItemNotPosted', code: 'BATCH_ITEM_NOT_POSTED', failedIndex: 1 },
    ]);
    expect(await logState(batched.database.db)).toEqual(before);
    const ok = (await batched.gql(BATCH, { input: { transactions: [items[0], items[2]], atomic: true } })).body.data
      .postTransactions;
    expect(ok.results.map((r: any) => r.__typename)).toEqual(['Transaction', 'Transaction']);
  });

  it('posts 1,000 in one request, returns the same on a retry, and refuses 0 or 1,001', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => tx(`c${i}`, 'assets:bank', 'equity:capital', '0.01'));
    const first = (await batched.gql(BATCH, { input: { transactions: items } })).body.data.postTransactions;
    expect(first.posted).toBe(1000);
    const state = await logState(batched.database.db);
    const again = (await batched.gql(BATCH, { input: { transactions: items } })).body.data.postTransactions;
    expect(again.results.map((r: any) => r.id)).toEqual(first.results.map((r: any) => r.id));
    expect(await logState(batched.database.db)).toEqual(state);
    for (const transactions of [[], [...items, tx('c1000', 'assets:bank', 'equity:capital', '0.01')]]) {
      const res = await batched.gql(BATCH, { input: { transactions } });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('refuses a batch of more than 4,000 legs in all, before anything is planned, and serves the limit itself', async () => {
    const before = await logState(batched.database.db);
    // 40 transactions of 100 legs: 4,000 legs, the most one request may carry.
    const wide = (key: string, amount: string) => ({
      idempotencyKey: key,
      entries: Array.from({ length: 100 }, (_, l) =>
        leg(l % 2 === 0 ? 'assets:bank' : 'equity:capital', l % 2 === 0 ? 'DEBIT' : 'CREDIT', amount),
      ),
    });
    const over = [
      ...Array.from({ length: 40 }, (_, i) => wide(`w${i}`, '0.01')),
      tx('w40', 'assets:bank', 'equity:capital', '0.01'),
    ];
    const refused = await batched.gql(BATCH, { input: { transactions: over } });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.body.errors?.[0]?.message).toContain('at most 4000 legs in all, not 4002');
    expect(await logState(batched.database.db)).toEqual(before);
    const atLimit = await batched.gql(BATCH, { input: { transactions: over.slice(0, 40) } });
    expect(atLimit.body.data?.postTransactions.posted, JSON.stringify(atLimit.body.errors)).toBe(40);
  });
});
