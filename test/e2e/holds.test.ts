/** Holds over GraphQL: reserve, commit in full or in part, void, expire by recorded time; pending and available balances; typed refusals. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerApi } from '../support/api.js';
import { logState } from '../support/log-state.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const api = ledgerApi(() => server);
let seq = 0;
const TX =
  '__typename ... on Error { code message } ... on Transaction { id status expiresAt entries { account { code } amount { amount } } }';
const hold = (amount: string, extra: { pending?: boolean; expiresAt?: string } = {}) =>
  api.hold(
    {
      idempotencyKey: `h${++seq}`,
      entries: [
        { account: 'liabilities:wallet', direction: 'DEBIT', amount },
        { account: 'assets:bank', direction: 'CREDIT', amount },
      ],
      ...extra,
    },
    TX,
  );
const commit = (transactionId: string, extra: { amount?: string; effectiveAt?: string } = {}) =>
  api.commitPending(
    { idempotencyKey: `c${++seq}`, transactionId, ...extra },
    `${TX} ... on HoldExpired { expiredAt: expiresAt } ... on HoldNotPending { holdStatus: status }`,
  );
const voidHold = (transactionId: string) => api.voidPending(transactionId, TX);
const balance = () => api.balance('liabilities:wallet');
const spend = (amount: string) =>
  api.transfer(
    { idempotencyKey: `s${++seq}`, debitAccount: 'liabilities:wallet', creditAccount: 'assets:bank', amount },
    '__typename ... on InsufficientFunds { available requested }',
  );
/** Funds the wallet from the bank. */
const fund = (idempotencyKey: string, amount: string) =>
  api.transfer({ idempotencyKey, debitAccount: 'assets:bank', creditAccount: 'liabilities:wallet', amount });

beforeAll(async () => {
  // No background sweeper: these tests show expiry judged at each command's time (holds-v2 tests the sweeper).
  server = await startTestServer({}, undefined, { holdSweepMs: 0 });
  await api.openAccounts([
    { code: 'assets:bank', type: 'ASSET', minimumBalance: null },
    { code: 'liabilities:wallet', type: 'LIABILITY', minimumBalance: '0' },
  ]);
  await fund('fund', '100.00');
});
afterAll(() => server.close());

const flat = (b: any) => [b.posted.amount, b.pending.amount, b.available.amount];

describe('holds', () => {
  it('reserve funds without moving the posted balance; a commit in part posts that much and releases the rest', async () => {
    const h = await hold('60.00');
    expect(h).toMatchObject({ __typename: 'Transaction', status: 'PENDING', expiresAt: null });
    expect(flat(await balance())).toEqual(['100.00', '60.00', '40.00']);
    expect(await spend('40.01')).toEqual({ __typename: 'InsufficientFunds', available: '40.00', requested: '40.01' });
    const before = await logState(server.database.db);
    expect(await commit(h.id, { amount: '60.01' })).toMatchObject({ __typename: 'InvalidAmount' });
    expect(await logState(server.database.db)).toEqual(before);
    const key = `c${seq + 1}`;
    const done = await commit(h.id, { amount: '45.00' });
    expect(done).toMatchObject({
      __typename: 'Transaction',
      id: h.id,
      status: 'POSTED',
      entries: [{ amount: { amount: '45.00' } }, { amount: { amount: '45.00' } }],
    });
    expect(flat(await balance())).toEqual(['55.00', '0.00', '55.00']);
    // A retry of the commit returns it; another commit finds no hold.
    const retry = await api.commitPending(
      { idempotencyKey: key, transactionId: h.id, amount: '45.00' },
      '__typename ... on Error { message } ... on Transaction { id }',
    );
    expect(retry, JSON.stringify(retry)).toMatchObject({ id: h.id });
    expect(await commit(h.id)).toMatchObject({ __typename: 'HoldNotPending', holdStatus: 'posted' });
    const statement = await api.auditTrail({ transaction: h.id }, 'type metadata { command }');
    expect(statement.map((node) => node.type)).toEqual(['HoldPlaced', 'HoldPlaced', 'HoldCommitted', 'HoldCommitted']);
  });

  it('void: releases without posting, once; a pending hold is voided, not reversed', async () => {
    const h = await hold('30.00');
    const reversal = await api.reverseTransaction({ idempotencyKey: 'rv', transactionId: h.id });
    expect(reversal.__typename).toBe('TransactionPending');
    expect(await voidHold(h.id)).toMatchObject({ status: 'VOIDED' });
    expect(await voidHold(h.id)).toMatchObject({ status: 'VOIDED' });
    expect(await commit(h.id)).toMatchObject({ __typename: 'HoldNotPending', holdStatus: 'voided' });
    expect(flat(await balance())).toEqual(['55.00', '0.00', '55.00']);
  });

  it('expires by recorded time: it stops reserving and can no longer be committed, but can be voided', async () => {
    const h = await hold('50.00', { expiresAt: new Date(Date.now() + 1500).toISOString() });
    expect(flat(await balance())).toEqual(['55.00', '50.00', '5.00']);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect(flat(await balance())).toEqual(['55.00', '0.00', '55.00']);
    expect((await api.transaction(h.id, 'status')).status).toBe('EXPIRED');
    expect(await commit(h.id)).toMatchObject({ __typename: 'HoldExpired', expiredAt: h.expiresAt });
    expect(await spend('55.00')).toEqual({ __typename: 'Transaction' });
    expect(await voidHold(h.id)).toMatchObject({ status: 'VOIDED' });
  });

  it('keeps an account with open holds from closing, refuses bad requests, and commits once under a race', async () => {
    await fund('fund-2', '10.00');
    const h = await hold('10.00');
    const close = await api.mutate('closeAccount', { code: 'liabilities:wallet' });
    expect(close.__typename).toBe('AccountHasBalance');
    expect(await hold('1.00', { pending: false, expiresAt: '2999-01-01T00:00:00Z' })).toMatchObject({
      __typename: 'ValidationError',
      message: expect.stringMatching(/^expiresAt:/),
    });
    expect(await hold('1.00', { expiresAt: '2020-01-01T00:00:00Z' })).toMatchObject({
      __typename: 'ValidationError',
      message: expect.stringMatching(/not in the future/),
    });
    expect(await commit('01900000-0000-7000-8000-000000000000')).toMatchObject({ __typename: 'TransactionNotFound' });
    const results = await Promise.all(Array.from({ length: 6 }, () => commit(h.id)));
    expect(results.filter((r) => r.__typename === 'Transaction')).toHaveLength(1);
    expect(
      results.filter((r) => r.__typename === 'HoldNotPending' || r.__typename === 'ConcurrencyConflict').length,
    ).toBe(5);
    expect(flat(await balance())).toEqual(['0.00', '0.00', '0.00']);
  });

  it('a commit effective in a closed period is refused', async () => {
    await fund('fund-3', '5.00');
    const h = await hold('5.00');
    await api.mutate('closePeriod', { through: '2026-01-31T00:00:00Z' });
    expect(await commit(h.id, { effectiveAt: '2026-01-15T00:00:00Z' })).toMatchObject({ __typename: 'PeriodClosed' });
    expect(await commit(h.id)).toMatchObject({ __typename: 'Transaction', status: 'POSTED' });
  });
});
