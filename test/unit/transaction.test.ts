import { describe, expect, it } from 'vitest';
import { fold, type AccountState } from '../../src/domain/account.js';
import {
  AccountClosed,
  AccountNotFound,
  CurrencyMismatch,
  InvalidAmount,
  UnbalancedTransaction,
  ValidationError,
} from '../../src/domain/errors.js';
import { buildTransaction, type EntryInput } from '../../src/domain/transaction.js';

const T0 = '2026-01-01T00:00:00.000Z';
const account = (code: string, currency: string, closed = false): [string, AccountState] => [
  code,
  fold([
    {
      type: 'AccountOpened',
      effectiveAt: T0,
      data: { code, name: code, type: 'ASSET', currency, minimumBalance: null, metadata: null },
    },
    ...(closed ? [{ type: 'AccountClosed' as const, effectiveAt: T0, data: {} }] : []),
  ]),
];
const accounts = new Map([
  account('a', 'USD'),
  account('b', 'USD'),
  account('c', 'EUR'),
  account('d', 'EUR'),
  account('y', 'JPY'),
  account('z', 'USD', true),
]);
const build = (entries: EntryInput[]) => () =>
  buildTransaction({ transactionId: 't', idempotencyKey: 'k', entries, description: null, metadata: null }, accounts);
const leg = (account: string, direction: 'DEBIT' | 'CREDIT', amount: string, currency?: string): EntryInput => ({
  account,
  direction,
  amount,
  currency,
});

describe('a journal entry', () => {
  it('balances per currency and is written at each currency scale', () => {
    const record = build([
      leg('a', 'DEBIT', '10.5'),
      leg('b', 'CREDIT', '10.50'),
      leg('c', 'DEBIT', '3'),
      leg('d', 'CREDIT', '3.00'),
    ])();
    expect(record.legs.map((l) => `${l.account} ${l.direction} ${l.amount} ${l.currency}`)).toEqual([
      'a DEBIT 10.50 USD',
      'b CREDIT 10.50 USD',
      'c DEBIT 3.00 EUR',
      'd CREDIT 3.00 EUR',
    ]);
  });

  it('refuses unbalanced legs, naming each currency', () => {
    expect(build([leg('a', 'DEBIT', '10'), leg('c', 'CREDIT', '10')])).toThrow(UnbalancedTransaction);
    try {
      build([leg('a', 'DEBIT', '10'), leg('b', 'CREDIT', '9.99')])();
    } catch (error) {
      expect((error as UnbalancedTransaction).imbalances).toEqual([
        { currency: 'USD', debit: '10.00', credit: '9.99' },
      ]);
    }
    expect.assertions(2);
  });

  it.each([
    ['one leg', [leg('a', 'DEBIT', '1')], ValidationError],
    ['no legs', [], ValidationError],
    ['one account twice', [leg('a', 'DEBIT', '1'), leg('a', 'CREDIT', '1')], ValidationError],
    ['an unknown account', [leg('a', 'DEBIT', '1'), leg('nope', 'CREDIT', '1')], AccountNotFound],
    ['a closed account', [leg('a', 'DEBIT', '1'), leg('z', 'CREDIT', '1')], AccountClosed],
    ['a wrong currency', [leg('a', 'DEBIT', '1', 'EUR'), leg('b', 'CREDIT', '1')], CurrencyMismatch],
    ['too many decimals', [leg('y', 'DEBIT', '1.5'), leg('y', 'CREDIT', '1.5')], InvalidAmount],
    ['a zero amount', [leg('a', 'DEBIT', '0'), leg('b', 'CREDIT', '0')], InvalidAmount],
  ] as const)('refuses %s', (_name, entries, error) => {
    expect(build([...entries])).toThrow(error);
  });

  it('refuses more than 100 legs', () => {
    const entries = Array.from({ length: 101 }, (_, i) => leg(i % 2 ? 'a' : 'b', i % 2 ? 'DEBIT' : 'CREDIT', '1'));
    expect(build(entries)).toThrow(ValidationError);
  });
});
