/** The account lifecycle over GraphQL: freeze and unfreeze, rename and metadata, the balance bound — each an event, with typed refusals. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerApi } from '../support/api.js';
import { logState } from '../support/log-state.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const api = ledgerApi(() => server);
const RESULT =
  '__typename ... on Error { code message } ... on Account { code name metadata status minimumBalance version }';
const mutate = (field: string, input: Record<string, unknown>) => api.mutate(field, input, RESULT);
let seq = 0;
const transfer = (debit: string, credit: string, amount: string) =>
  api.transfer(
    { idempotencyKey: `l${++seq}`, debitAccount: debit, creditAccount: credit, amount },
    '__typename ... on Error { code } ... on InsufficientFunds { available requested }',
  );

beforeAll(async () => {
  server = await startTestServer();
  await api.openAccounts(
    [
      { code: 'assets:bank', type: 'ASSET' },
      { code: 'equity:capital', type: 'EQUITY' },
      { code: 'liabilities:wallet', type: 'LIABILITY' },
    ],
    { metadata: { team: 'ops' } },
  );
  expect(await transfer('assets:bank', 'liabilities:wallet', '50.00')).toMatchObject({ __typename: 'Transaction' });
});
afterAll(() => server.close());

describe('account lifecycle', () => {
  it('freezes: postings fail with AccountFrozen and write nothing; unfreezing lets them through', async () => {
    expect(await mutate('freezeAccount', { code: 'liabilities:wallet', reason: 'chargeback review' })).toMatchObject({
      __typename: 'Account',
      status: 'FROZEN',
    });
    const again = await mutate('freezeAccount', { code: 'liabilities:wallet' });
    expect(again).toMatchObject({ status: 'FROZEN' });
    const before = await logState(server.database.db);
    expect(await transfer('liabilities:wallet', 'assets:bank', '1.00')).toEqual({
      __typename: 'AccountFrozen',
      code: 'ACCOUNT_FROZEN',
    });
    expect(await logState(server.database.db)).toEqual(before);
    expect(await mutate('unfreezeAccount', { code: 'liabilities:wallet' })).toMatchObject({
      status: 'OPEN',
      version: again.version + 1,
    });
    expect(await transfer('liabilities:wallet', 'assets:bank', '1.00')).toMatchObject({ __typename: 'Transaction' });
  });

  it('renames and replaces metadata as events the audit trail shows', async () => {
    expect(await mutate('updateAccount', { code: 'assets:bank', name: 'Main bank' })).toMatchObject({
      name: 'Main bank',
      metadata: { team: 'ops' },
    });
    expect(await mutate('updateAccount', { code: 'assets:bank', metadata: null })).toMatchObject({
      name: 'Main bank',
      metadata: null,
    });
    const trail = await api.auditTrail(
      { account: 'assets:bank', type: 'AccountUpdated' },
      'data metadata { actor command }',
    );
    expect(trail.map((node) => [node.data, node.metadata])).toEqual([
      [
        { name: 'Main bank', metadata: { team: 'ops' } },
        { actor: 'test-admin', command: 'updateAccount' },
      ],
      [
        { name: 'Main bank', metadata: null },
        { actor: 'test-admin', command: 'updateAccount' },
      ],
    ]);
  });

  it('changes the balance bound: an overdraft limit, then none, checked on the next posting', async () => {
    // The wallet (a liability) holds 49.00.
    expect(await mutate('setMinimumBalance', { code: 'liabilities:wallet', minimumBalance: '-10' })).toMatchObject({
      minimumBalance: '-10.00',
    });
    expect(await transfer('liabilities:wallet', 'assets:bank', '59.01')).toEqual({
      __typename: 'InsufficientFunds',
      code: 'INSUFFICIENT_FUNDS',
      available: '59.00',
      requested: '59.01',
    });
    expect(await transfer('liabilities:wallet', 'assets:bank', '59.00')).toMatchObject({ __typename: 'Transaction' });
    expect(await mutate('setMinimumBalance', { code: 'liabilities:wallet', minimumBalance: null })).toMatchObject({
      minimumBalance: null,
    });
    expect(await transfer('liabilities:wallet', 'assets:bank', '1000.00')).toMatchObject({ __typename: 'Transaction' });
  });

  it('answers unknown, closed and malformed accounts with typed errors', async () => {
    expect(await mutate('freezeAccount', { code: 'assets:ghost' })).toMatchObject({ __typename: 'AccountNotFound' });
    expect(await mutate('updateAccount', { code: 'assets:bank', name: ' ' })).toMatchObject({
      __typename: 'ValidationError',
    });
    expect(await mutate('setMinimumBalance', { code: 'assets:bank', minimumBalance: '1.001' })).toMatchObject({
      __typename: 'ValidationError',
    });
    await api.openAccount({ code: 'assets:old', name: 'Old', type: 'ASSET' });
    expect(await mutate('closeAccount', { code: 'assets:old' })).toMatchObject({ status: 'CLOSED' });
    for (const [field, input] of [
      ['freezeAccount', {}],
      ['unfreezeAccount', {}],
      ['updateAccount', { name: 'X' }],
      ['setMinimumBalance', { minimumBalance: '0' }],
    ] as const) {
      expect(await mutate(field, { code: 'assets:old', ...input }), field).toMatchObject({
        __typename: 'AccountClosed',
      });
    }
  });
});

// Found by a red-team pass: a credit dated a few minutes ahead funded a withdrawal today.
describe('the balance bound and future-dated inflows', () => {
  it('does not let an inflow effective later fund an outflow now', async () => {
    await api.openAccount({ code: 'assets:cash', name: 'Cash', type: 'ASSET', minimumBalance: '0' });
    const post = (key: string, debit: string, credit: string, amount: string, effectiveAt?: string) =>
      api.transfer(
        { idempotencyKey: key, debitAccount: debit, creditAccount: credit, amount, effectiveAt },
        '__typename ... on InsufficientFunds { available requested }',
      );
    const soon = new Date(Date.now() + 4 * 60_000).toISOString();
    expect(await post('fi-1', 'assets:cash', 'equity:capital', '10.00', soon)).toEqual({ __typename: 'Transaction' });
    expect(await post('fi-2', 'equity:capital', 'assets:cash', '10.00')).toEqual({
      __typename: 'InsufficientFunds',
      available: '0.00',
      requested: '10.00',
    });
    // Money that is there now still counts: 3.00 today, of which all 3.00 can go.
    expect(await post('fi-3', 'assets:cash', 'equity:capital', '3.00')).toEqual({ __typename: 'Transaction' });
    expect(await post('fi-4', 'equity:capital', 'assets:cash', '3.01')).toEqual({
      __typename: 'InsufficientFunds',
      available: '3.00',
      requested: '3.01',
    });
    expect(await post('fi-5', 'equity:capital', 'assets:cash', '3.00')).toEqual({ __typename: 'Transaction' });
  });
});

// Found in review: an inflow dated later and its reversal counted twice against the bound.
describe('money that comes later and leaves again', () => {
  it('counts only the lowest the balance will be, not every future inflow', async () => {
    await api.openAccount({ code: 'liabilities:purse', name: 'Purse', type: 'LIABILITY', minimumBalance: '0' });
    const post = (key: string, debit: string, credit: string, amount: string, effectiveAt?: string) =>
      api.transfer(
        { idempotencyKey: key, debitAccount: debit, creditAccount: credit, amount, effectiveAt },
        '__typename ... on Transaction { id } ... on InsufficientFunds { available }',
      );
    expect(await post('pu-1', 'assets:bank', 'liabilities:purse', '100.00')).toMatchObject({
      __typename: 'Transaction',
    });
    const later = await post(
      'pu-2',
      'assets:bank',
      'liabilities:purse',
      '50.00',
      new Date(Date.now() + 60_000).toISOString(),
    );
    await api.reverseTransaction({ idempotencyKey: 'pu-3', transactionId: later.id });
    expect(await post('pu-4', 'liabilities:purse', 'assets:bank', '100.01')).toEqual({
      __typename: 'InsufficientFunds',
      available: '100.00',
    });
    expect(await post('pu-5', 'liabilities:purse', 'assets:bank', '100.00')).toMatchObject({
      __typename: 'Transaction',
    });
  });
});
