/** reverseTransaction over GraphQL: exact opposite legs, links both ways, at most once, and typed refusals that write nothing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerApi } from '../support/api.js';
import { logState } from '../support/log-state.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const api = ledgerApi(() => server);
const REVERSED = `__typename ... on Error { code message }
  ... on TransactionAlreadyReversed { transactionId reversedBy }
  ... on InsufficientFunds { account available requested }
  ... on Transaction { id effectiveAt description entries { account { code } direction amount { amount } } reverses { id reversedBy { id } } }`;

let seq = 0;
const transfer = (debit: string, credit: string, amount: string, effectiveAt?: string) =>
  api.transfer(
    {
      idempotencyKey: `t${++seq}`,
      debitAccount: debit,
      creditAccount: credit,
      amount,
      effectiveAt,
      description: `payment ${seq}`,
    },
    '__typename ... on Transaction { id effectiveAt } ... on Error { code }',
  );
const reverse = (input: {
  idempotencyKey: string;
  transactionId: string;
  effectiveAt?: string;
  description?: string;
}) => api.reverseTransaction(input, REVERSED);
const balance = async (code: string) => (await api.balance(code, {}, 'posted { amount }')).posted.amount;

beforeAll(async () => {
  server = await startTestServer();
  // openAccounts checks that each answer is an Account.
  await api.openAccounts(
    [
      { code: 'assets:bank', type: 'ASSET', minimumBalance: null },
      { code: 'equity:capital', type: 'EQUITY', minimumBalance: null },
      { code: 'liabilities:wallet', type: 'LIABILITY', minimumBalance: '0' },
      { code: 'expenses:fees', type: 'EXPENSE', minimumBalance: null },
    ],
    { effectiveAt: '2026-01-01T00:00:00Z' },
  );
});
afterAll(() => server.close());

describe('reverseTransaction', () => {
  it('posts the exact opposite legs, effective when the original was, linked both ways and caused by it', async () => {
    const original = await transfer('assets:bank', 'equity:capital', '125.50', '2026-02-03T10:00:00Z');
    const reversal = await reverse({ idempotencyKey: 'rev-1', transactionId: original.id });
    expect(reversal).toMatchObject({
      __typename: 'Transaction',
      effectiveAt: '2026-02-03T10:00:00.000Z',
      description: `Reversal of ${original.id}: payment ${seq}`,
      entries: [
        { account: { code: 'assets:bank' }, direction: 'CREDIT', amount: { amount: '125.50' } },
        { account: { code: 'equity:capital' }, direction: 'DEBIT', amount: { amount: '125.50' } },
      ],
      reverses: { id: original.id, reversedBy: { id: reversal.id } },
    });
    expect(await balance('assets:bank')).toBe('0.00');
    const trail = await api.auditTrail({ transaction: reversal.id }, 'metadata { command causationId }');
    expect(trail.map((node) => node.metadata)).toEqual([
      { command: 'reverseTransaction', causationId: original.id },
      { command: 'reverseTransaction', causationId: original.id },
    ]);
    // A retry returns the first reversal; a second reversal is refused and names the first.
    expect((await reverse({ idempotencyKey: 'rev-1', transactionId: original.id })).id).toBe(reversal.id);
    const before = await logState(server.database.db);
    expect(await reverse({ idempotencyKey: 'rev-1b', transactionId: original.id })).toMatchObject({
      __typename: 'TransactionAlreadyReversed',
      code: 'TRANSACTION_ALREADY_REVERSED',
      transactionId: original.id,
      reversedBy: reversal.id,
    });
    expect(await logState(server.database.db)).toEqual(before);
    // A reversal is a transaction like any other: it can be reversed in turn.
    const again = await reverse({
      idempotencyKey: 'rev-1c',
      transactionId: reversal.id,
      effectiveAt: '2026-03-01T00:00:00Z',
      description: 'Re-instated',
    });
    expect(again).toMatchObject({
      __typename: 'Transaction',
      effectiveAt: '2026-03-01T00:00:00.000Z',
      description: 'Re-instated',
    });
    expect(await balance('assets:bank')).toBe('125.50');
  });

  it('refuses unknown and malformed ids, a reused key and a reversal that would overdraw, writing nothing', async () => {
    const deposit = await transfer('assets:bank', 'liabilities:wallet', '50.00');
    await transfer('liabilities:wallet', 'expenses:fees', '30.00');
    const before = await logState(server.database.db);
    expect(
      await reverse({ idempotencyKey: 'rev-x1', transactionId: '01900000-0000-7000-8000-000000000000' }),
    ).toMatchObject({ __typename: 'TransactionNotFound', code: 'TRANSACTION_NOT_FOUND' });
    expect(await reverse({ idempotencyKey: 'rev-x2', transactionId: "1' OR '1'='1" })).toMatchObject({
      __typename: 'ValidationError',
      message: expect.stringMatching(/^transactionId:/),
    });
    // The wallet holds 20.00 of the 50.00 deposit: taking the deposit back would overdraw it.
    expect(await reverse({ idempotencyKey: 'rev-x3', transactionId: deposit.id })).toMatchObject({
      __typename: 'InsufficientFunds',
      account: 'liabilities:wallet',
      available: '20.00',
      requested: '50.00',
    });
    expect(await reverse({ idempotencyKey: 't1', transactionId: deposit.id })).toMatchObject({
      __typename: 'IdempotencyConflict',
    });
    expect(await logState(server.database.db)).toEqual(before);
  });

  it('reverses once when many reversals race', async () => {
    const original = await transfer('assets:bank', 'equity:capital', '7.00');
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => reverse({ idempotencyKey: `race-${i}`, transactionId: original.id })),
    );
    const posted = results.filter((r) => r.__typename === 'Transaction');
    expect(posted).toHaveLength(1);
    expect(
      results.filter((r) => r.__typename === 'TransactionAlreadyReversed').every((r) => r.reversedBy === posted[0].id),
    ).toBe(true);
    expect(results.filter((r) => r.__typename === 'TransactionAlreadyReversed')).toHaveLength(7);
    const rows = await server.database.db
      .selectFrom('transactions')
      .select('id')
      .where('reverses', '=', original.id)
      .execute();
    expect(rows).toEqual([{ id: posted[0].id }]);
  });
});
