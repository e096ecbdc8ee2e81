/**
 * executeBatch over a real socket (issue 20, points 5 and 6): mixed operations in one
 * transaction, later ones naming earlier ones' transactions by ref (adjustPending among them); atomic all or nothing with
 * the failing index named; a retry returns the first results; a dry run answers what the batch
 * would do and writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerApi } from '../support/api.js';
import { logState } from '../support/log-state.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const api = ledgerApi(() => server);

const EXECUTE = `mutation($input: ExecuteBatchInput!, $dryRun: Boolean) {
  executeBatch(input: $input, dryRun: $dryRun) {
    succeeded
    balances { account posted { amount } pending { amount } available { amount } version }
    results { __typename
      ... on Transaction { id status reverses { id } entries { account { code } amount { amount } } }
      ... on BatchItemNotPosted { failedIndex }
      ... on InsufficientFunds { account available requested }
      ... on Error { code message } } } }`;

async function execute(operations: unknown[], options: { atomic?: boolean; dryRun?: boolean } = {}) {
  const body = (await server.gql(EXECUTE, { input: { operations, atomic: options.atomic }, dryRun: options.dryRun }))
    .body;
  expect(body.errors).toBeUndefined();
  return body.data.executeBatch;
}

let seq = 0;
const key = (name: string) => `${name}-${++seq}`;
const hold = (ref: string, amount: string) => ({
  ref,
  post: {
    idempotencyKey: key(ref),
    pending: true,
    entries: [
      { account: 'liabilities:wallet', direction: 'DEBIT', amount },
      { account: 'revenue:sales', direction: 'CREDIT', amount },
    ],
  },
});
const pay = (ref: string | null, amount: string) => ({
  ...(ref ? { ref } : {}),
  transfer: { idempotencyKey: key('pay'), debitAccount: 'liabilities:wallet', creditAccount: 'revenue:sales', amount },
});
const commit = (transactionId: string, amount?: string) => ({
  commitPending: { idempotencyKey: key('commit'), transactionId, ...(amount ? { amount } : {}) },
});
const release = (transactionId: string) => ({ voidPending: { transactionId } });
const adjust = (transactionId: string, amount: string) => ({ adjustPending: { transactionId, amount } });
const reverse = (transactionId: string) => ({ reverseTransaction: { idempotencyKey: key('rev'), transactionId } });

const wallet = async () => {
  const { account } = await api.request(
    '{ account(code: "liabilities:wallet") { balance { posted { amount } pending { amount } available { amount } version } } }',
  );
  return account.balance;
};

beforeAll(async () => {
  server = await startTestServer();
  await api.openAccounts([
    { code: 'assets:bank', type: 'ASSET', minimumBalance: null },
    { code: 'liabilities:wallet', type: 'LIABILITY', minimumBalance: '0' },
    { code: 'revenue:sales', type: 'REVENUE', minimumBalance: null },
  ]);
  await api.transfer({
    idempotencyKey: 'fund',
    debitAccount: 'assets:bank',
    creditAccount: 'liabilities:wallet',
    amount: '100.00',
  });
});
afterAll(() => server.close());

describe('executeBatch', () => {
  it('runs mixed operations in order, later ones naming earlier ones by ref, and a retry returns the first results', async () => {
    const operations = [
      hold('h1', '30.00'),
      commit('h1', '20.00'),
      pay('p1', '5.00'),
      reverse('p1'),
      hold('h2', '10.00'),
      release('h2'),
    ];
    const before = await logState(server.database.db);
    const first = await execute(operations);
    expect(first.succeeded).toBe(6);
    expect(first.balances).toBeNull();
    const [placed, committed, paid, reversed, placed2, voided] = first.results;
    expect(committed).toMatchObject({ __typename: 'Transaction', id: placed.id, status: 'POSTED' });
    expect(paid.status).toBe('POSTED');
    expect(reversed.reverses.id).toBe(paid.id);
    expect(voided).toMatchObject({ id: placed2.id, status: 'VOIDED' });
    // 100 − 20 committed (the rest released), the payment and its reversal net to zero, the void releases.
    expect(await wallet()).toMatchObject({ posted: { amount: '80.00' }, pending: { amount: '0.00' } });
    const written = (await logState(server.database.db)).events - before.events;

    const again = await execute(operations);
    expect(again.results.map((r: any) => r.id)).toEqual(first.results.map((r: any) => r.id));
    expect((await logState(server.database.db)).events - before.events).toBe(written);
  });

  it('adjusts a hold named by ref: a raise and a lowering, captures between, a raise too large refused', async () => {
    const before = await wallet();
    const answer = await execute([
      hold('j1', '10.00'),
      adjust('j1', '25.00'),
      { commitPending: { idempotencyKey: key('commit'), transactionId: 'j1', amount: '5.00', final: false } },
      adjust('j1', '8.00'),
      adjust('j1', '999.00'),
    ]);
    expect(answer.succeeded).toBe(4);
    const [placed, raised, captured, lowered, refused] = answer.results;
    for (const result of [raised, captured, lowered]) expect(result.id).toBe(placed.id);
    // Each result is the transaction as the batch leaves it: what it still holds after all of it.
    expect(lowered).toMatchObject({ status: 'PENDING' });
    expect(lowered.entries.map((e: any) => e.amount.amount)).toEqual(['8.00', '8.00']);
    expect(refused).toMatchObject({ __typename: 'InsufficientFunds', account: 'liabilities:wallet' });
    // 5.00 captured, 8.00 still held.
    const after = await wallet();
    expect(Number(before.posted.amount) - Number(after.posted.amount)).toBeCloseTo(5);
    expect(Number(after.pending.amount) - Number(before.pending.amount)).toBeCloseTo(8);
    // The same batch, dry: the same answers, nothing written.
    const state = await logState(server.database.db);
    const dry = await execute([hold('j2', '10.00'), adjust('j2', '12.00')], { dryRun: true });
    expect(dry.results.map((r: any) => r.__typename)).toEqual(['Transaction', 'Transaction']);
    expect(await logState(server.database.db)).toEqual(state);
    await execute([release(placed.id)]);
  });

  it('is all or nothing when atomic: the refusal at its index, every other item not posted', async () => {
    const before = await logState(server.database.db);
    const operations = [hold('a1', '10.00'), commit('a1'), pay(null, '500.00'), pay(null, '1.00')];
    const answer = await execute(operations, { atomic: true });
    expect(answer.succeeded).toBe(0);
    expect(answer.results[2]).toMatchObject({
      __typename: 'InsufficientFunds',
      account: 'liabilities:wallet',
      requested: '500.00',
    });
    for (const i of [0, 1, 3])
      expect(answer.results[i]).toMatchObject({ __typename: 'BatchItemNotPosted', failedIndex: 2 });
    expect(await logState(server.database.db)).toEqual(before);
  });

  it('fails a refused operation alone when not atomic, and what names it fails too', async () => {
    const answer = await execute([pay('big', '500.00'), commit('big'), pay(null, '1.00')]);
    expect(answer.succeeded).toBe(1);
    expect(answer.results[0].__typename).toBe('InsufficientFunds');
    expect(answer.results[1]).toMatchObject({
      __typename: 'ValidationError',
      message: expect.stringContaining('"big"'),
    });
    expect(answer.results[2]).toMatchObject({ __typename: 'Transaction', status: 'POSTED' });
  });

  it('refuses malformed operations as typed errors, and a batch out of bounds as the request error', async () => {
    const transfer = pay(null, '1.00').transfer;
    const answer = await execute(
      [
        {},
        { transfer, post: hold('x', '1.00').post },
        { ref: '0199a0b2-7c3e-7d4f-8a1b-2c3d4e5f6a7b', transfer: { ...transfer, idempotencyKey: key('uuid') } },
        { ref: 'twice', transfer: { ...transfer, idempotencyKey: key('t1') } },
        { ref: 'twice', transfer: { ...transfer, idempotencyKey: key('t2') } },
        release('0199a0b2-7c3e-7d4f-8a1b-000000000000'),
      ],
      { atomic: false },
    );
    expect(answer.results.map((r: any) => r.__typename)).toEqual([
      'ValidationError',
      'ValidationError',
      'ValidationError',
      'Transaction',
      'ValidationError',
      'TransactionNotFound',
    ]);
    const empty = (await server.gql(EXECUTE, { input: { operations: [] } })).body;
    expect(empty.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });

  it('answers a dry run with the transactions and accounts as the batch would leave them, writing nothing', async () => {
    const operations = [hold('d1', '12.00'), commit('d1', '7.00'), hold('d2', '3.00')];
    const before = await logState(server.database.db);
    const dry = await execute(operations, { dryRun: true });
    expect(await logState(server.database.db)).toEqual(before);
    const real = await execute(operations);
    const shape = (r: any) => ({ ...r, id: undefined });
    expect(dry.results.map(shape)).toEqual(real.results.map(shape));
    expect(dry.succeeded).toBe(3);
    const walletAfter = await wallet();
    const dryWallet = dry.balances.find((b: any) => b.account === 'liabilities:wallet');
    expect(dryWallet).toEqual({ account: 'liabilities:wallet', ...walletAfter });
    expect(dryWallet.pending.amount).toBe('3.00');

    const refused = await execute([pay(null, '1.00'), pay(null, '999.00')], { atomic: true, dryRun: true });
    expect(refused.results[0]).toMatchObject({ __typename: 'BatchItemNotPosted', failedIndex: 1 });
    expect(refused.balances).toEqual([]);
  });
});
