/**
 * Hostile and malformed input over the real socket: postings the ledger refuses, malformed
 * posting inputs, and the effective time of a posting. Every refusal is typed data, a clear
 * GraphQL error or a 4xx, and writes nothing (the rules and the shared fixtures:
 * test/support/bad-input.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  badInputServer,
  server,
  seedTransactionId,
  writesNothing,
  expectTyped,
  expectGraphQLError,
  freshKey,
  CLOSE,
  open,
  post,
  transfer,
  pair,
  usd,
} from '../../support/bad-input.js';

badInputServer();

// ---------------------------------------------------------------------------------------------
// Accounts a posting names, and the shape of the posting
// ---------------------------------------------------------------------------------------------

describe('postings the ledger refuses', () => {
  it('an unknown account is AccountNotFound', async () => {
    const res = await writesNothing(() => post(pair('assets:nowhere', 'equity:capital', '1.00')));
    expect(expectTyped(res, 'postTransaction', 'AccountNotFound').account).toBe('assets:nowhere');
  });

  it('an unknown account in a transfer is AccountNotFound', async () => {
    const res = await writesNothing(() =>
      transfer({
        idempotencyKey: freshKey(),
        debitAccount: 'assets:bank',
        creditAccount: 'equity:nowhere',
        amount: '1.00',
      }),
    );
    expect(expectTyped(res, 'transfer', 'AccountNotFound').account).toBe('equity:nowhere');
  });

  it('a closed account is AccountClosed', async () => {
    const res = await writesNothing(() => post(pair('expenses:closed', 'equity:capital', '1.00')));
    expect(expectTyped(res, 'postTransaction', 'AccountClosed').account).toBe('expenses:closed');
  });

  it('a closed account in a transfer is AccountClosed', async () => {
    const res = await writesNothing(() =>
      transfer({
        idempotencyKey: freshKey(),
        debitAccount: 'assets:bank',
        creditAccount: 'expenses:closed',
        amount: '1.00',
      }),
    );
    expect(expectTyped(res, 'transfer', 'AccountClosed').account).toBe('expenses:closed');
  });

  it('closing an unknown account is AccountNotFound', async () => {
    const res = await writesNothing(() => server.gql(CLOSE, { input: { code: 'assets:nowhere' } }));
    expect(expectTyped(res, 'closeAccount', 'AccountNotFound').account).toBe('assets:nowhere');
  });

  it('EntryInput.currency "EUR" on a USD account is CurrencyMismatch', async () => {
    const input = usd();
    (input.entries[0] as any).currency = 'EUR';
    const res = await writesNothing(() => post(input));
    expect(expectTyped(res, 'postTransaction', 'CurrencyMismatch')).toMatchObject({
      account: 'assets:bank',
      expected: 'USD',
      actual: 'EUR',
    });
  });

  it('EntryInput.currency "usd" (wrong case) on a USD account is CurrencyMismatch', async () => {
    const input = usd();
    (input.entries[1] as any).currency = 'usd';
    const res = await writesNothing(() => post(input));
    expect(expectTyped(res, 'postTransaction', 'CurrencyMismatch')).toMatchObject({
      account: 'equity:capital',
      expected: 'USD',
      actual: 'usd',
    });
  });

  it('a transfer asserting "EUR" between USD accounts is CurrencyMismatch', async () => {
    const res = await writesNothing(() =>
      transfer({
        idempotencyKey: freshKey(),
        debitAccount: 'assets:bank',
        creditAccount: 'equity:capital',
        amount: '1.00',
        currency: 'EUR',
      }),
    );
    expect(expectTyped(res, 'transfer', 'CurrencyMismatch')).toMatchObject({ expected: 'USD', actual: 'EUR' });
  });

  it('a transfer between a USD and an EUR account is refused as typed (unbalanced per currency)', async () => {
    const res = await writesNothing(() =>
      transfer({
        idempotencyKey: freshKey(),
        debitAccount: 'assets:euro',
        creditAccount: 'equity:capital',
        amount: '1.00',
      }),
    );
    const error = expectTyped(res, 'transfer', ['UnbalancedTransaction', 'CurrencyMismatch']);
    // What the code does today: each currency is checked on its own, so both are unbalanced.
    expect(error.__typename).toBe('UnbalancedTransaction');
    expect(error.imbalances).toEqual(
      expect.arrayContaining([
        { currency: 'EUR', debit: '1.00', credit: '0.00' },
        { currency: 'USD', debit: '0.00', credit: '1.00' },
      ]),
    );
  });

  it('debits not equal to credits is UnbalancedTransaction', async () => {
    const input = {
      idempotencyKey: freshKey(),
      entries: [
        { account: 'assets:bank', direction: 'DEBIT', amount: '10.00' },
        { account: 'equity:capital', direction: 'CREDIT', amount: '9.99' },
      ],
    };
    const res = await writesNothing(() => post(input));
    expect(expectTyped(res, 'postTransaction', 'UnbalancedTransaction').imbalances).toEqual([
      { currency: 'USD', debit: '10.00', credit: '9.99' },
    ]);
  });

  it('two debits and no credit is UnbalancedTransaction', async () => {
    const input = {
      idempotencyKey: freshKey(),
      entries: [
        { account: 'assets:bank', direction: 'DEBIT', amount: '1' },
        { account: 'equity:capital', direction: 'DEBIT', amount: '1' },
      ],
    };
    const res = await writesNothing(() => post(input));
    expectTyped(res, 'postTransaction', 'UnbalancedTransaction');
  });

  it.each<[string, () => Array<Record<string, unknown>>]>([
    ['0 legs', () => []],
    ['a single leg', () => [{ account: 'assets:bank', direction: 'DEBIT', amount: '1.00' }]],
    [
      '101 legs',
      () =>
        Array.from({ length: 101 }, (_, i) => ({
          account: i % 2 ? 'equity:capital' : 'assets:bank',
          direction: i % 2 ? 'CREDIT' : 'DEBIT',
          amount: i === 100 ? '2.00' : '1.00',
        })),
    ],
    [
      'the same account on both sides',
      () => [
        { account: 'assets:bank', direction: 'DEBIT', amount: '1.00' },
        { account: 'assets:bank', direction: 'CREDIT', amount: '1.00' },
      ],
    ],
  ])('%s is a ValidationError on entries', async (_label, entries) => {
    const res = await writesNothing(() => post({ idempotencyKey: freshKey(), entries: entries() }));
    expect(expectTyped(res, 'postTransaction', 'ValidationError').field).toBe('entries');
  });

  it('debits off by 0.01 in 40 digits are UnbalancedTransaction (exact, never float)', async () => {
    const big = `1${'0'.repeat(37)}`;
    const input = {
      idempotencyKey: freshKey(),
      entries: [
        { account: 'assets:bank', direction: 'DEBIT', amount: `${big}.01` },
        { account: 'equity:capital', direction: 'CREDIT', amount: `${big}.00` },
      ],
    };
    const res = await writesNothing(() => post(input));
    expect(expectTyped(res, 'postTransaction', 'UnbalancedTransaction').imbalances).toEqual([
      { currency: 'USD', debit: `${big}.01`, credit: `${big}.00` },
    ]);
  });

  it('0.10 + 0.20 against 0.30 balances (no float arithmetic)', async () => {
    const entries = [
      { account: 'assets:bank', direction: 'DEBIT', amount: '0.10' },
      { account: 'assets:bank', direction: 'DEBIT', amount: '0.20' },
      { account: 'equity:capital', direction: 'CREDIT', amount: '0.30' },
    ];
    const res = await post({ idempotencyKey: freshKey('exact'), entries });
    expect(res.body.data.postTransaction.__typename).toBe('Transaction');
  });

  it('closing a closed account changes nothing', async () => {
    const res = await writesNothing(() => server.gql(CLOSE, { input: { code: 'expenses:closed' } }));
    expect(res.body.data.closeAccount).toMatchObject({ __typename: 'Account', status: 'CLOSED' });
  });

  it('a transfer from an account to itself is a ValidationError', async () => {
    const res = await writesNothing(() =>
      transfer({
        idempotencyKey: freshKey(),
        debitAccount: 'assets:bank',
        creditAccount: 'assets:bank',
        amount: '1.00',
      }),
    );
    expectTyped(res, 'transfer', 'ValidationError');
  });

  it('100 legs (the limit) are accepted', async () => {
    const entries = Array.from({ length: 100 }, (_, i) => ({
      account: i % 2 ? 'equity:capital' : 'assets:bank',
      direction: i % 2 ? 'CREDIT' : 'DEBIT',
      amount: '0.01',
    }));
    const res = await post({ idempotencyKey: freshKey('limit'), entries });
    expect(res.body.data.postTransaction.__typename).toBe('Transaction');
  });

  it('a reused idempotency key with a different request is IdempotencyConflict', async () => {
    const res = await writesNothing(() =>
      post({ ...pair('assets:bank', 'equity:capital', '3.00'), idempotencyKey: 'seed-1' }),
    );
    expect(expectTyped(res, 'postTransaction', 'IdempotencyConflict').idempotencyKey).toBe('seed-1');
  });

  it('a posting key reused by a transfer with the same legs is IdempotencyConflict', async () => {
    const res = await writesNothing(() =>
      transfer({
        idempotencyKey: 'seed-1',
        debitAccount: 'assets:bank',
        creditAccount: 'equity:capital',
        amount: '1.00',
      }),
    );
    expectTyped(res, 'transfer', 'IdempotencyConflict');
  });

  it('a retry with the same key and request writes nothing and returns the first transaction', async () => {
    const res = await writesNothing(() => post({ ...usd(), idempotencyKey: 'seed-1' }));
    expect(res.body.data.postTransaction).toMatchObject({ __typename: 'Transaction', id: seedTransactionId });
  });
});

/** GraphQL-level shape errors in a posting: unknown fields, wrong enum values, wrong types. */
describe('malformed posting inputs', () => {
  it.each<[string, () => Record<string, unknown>, RegExp]>([
    ['an unknown input field', () => ({ ...usd(), amount: '1.00' }), /amount/],
    ['a missing idempotencyKey', () => ({ entries: usd().entries }), /idempotencyKey/],
    ['an idempotencyKey that is a number', () => ({ ...usd(), idempotencyKey: 5 }), /String/],
    [
      'a lowercase direction',
      () => ({
        ...usd(),
        entries: [
          { account: 'assets:bank', direction: 'debit', amount: '1.00' },
          { account: 'equity:capital', direction: 'CREDIT', amount: '1.00' },
        ],
      }),
      /Direction/,
    ],
    [
      'a null leg',
      () => ({ ...usd(), entries: [null, { account: 'equity:capital', direction: 'CREDIT', amount: '1.00' }] }),
      /EntryInput|null/,
    ],
    ['entries that are null', () => ({ ...usd(), entries: null }), /entries|null/],
    [
      'an account that is a number',
      () => ({
        ...usd(),
        entries: [
          { account: 42, direction: 'DEBIT', amount: '1.00' },
          { account: 'equity:capital', direction: 'CREDIT', amount: '1.00' },
        ],
      }),
      /String/,
    ],
  ])('refuses %s', async (_label, input, message) => {
    expectGraphQLError(await writesNothing(() => post(input())), message);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['an unknown account type', { code: 'assets:x', name: 'X', type: 'ASSETS', currency: 'USD' }, /AccountType/],
    ['a lowercase account type', { code: 'assets:x', name: 'X', type: 'asset', currency: 'USD' }, /AccountType/],
    ['a missing name', { code: 'assets:x', type: 'ASSET', currency: 'USD' }, /name/],
    ['a name that is a number', { code: 'assets:x', name: 7, type: 'ASSET', currency: 'USD' }, /String/],
  ])('openAccount refuses %s', async (_label, input, message) => {
    expectGraphQLError(await writesNothing(() => open(input)), message);
  });
});

/** Posting before an account existed, or too far ahead of the clock, is refused. */
describe('effective time of a posting', () => {
  it('an effectiveAt an hour in the future is a ValidationError', async () => {
    const effectiveAt = new Date(Date.now() + 3_600_000).toISOString();
    const res = await writesNothing(() => post(usd({ effectiveAt })));
    expect(expectTyped(res, 'postTransaction', 'ValidationError').field).toBe('effectiveAt');
  });

  it('a transfer an hour in the future is a ValidationError', async () => {
    const effectiveAt = new Date(Date.now() + 3_600_000).toISOString();
    const res = await writesNothing(() =>
      transfer({
        idempotencyKey: freshKey(),
        debitAccount: 'assets:bank',
        creditAccount: 'equity:capital',
        amount: '1.00',
        effectiveAt,
      }),
    );
    expect(expectTyped(res, 'transfer', 'ValidationError').field).toBe('effectiveAt');
  });

  it('an effectiveAt before the account was opened is a ValidationError', async () => {
    const res = await writesNothing(() => post(usd({ effectiveAt: '2020-01-01T00:00:00Z' })));
    expect(expectTyped(res, 'postTransaction', 'ValidationError').field).toBe('effectiveAt');
  });

  it('opening an account an hour in the future is a ValidationError', async () => {
    const effectiveAt = new Date(Date.now() + 3_600_000).toISOString();
    const res = await writesNothing(() =>
      open({ code: 'assets:future', name: 'Future', type: 'ASSET', currency: 'USD', effectiveAt }),
    );
    expect(expectTyped(res, 'openAccount', 'ValidationError').field).toBe('effectiveAt');
  });
});
