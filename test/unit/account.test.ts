/** The Account decider, given/when/then, without a database. */
import { describe, expect, it } from 'vitest';
import { balanceOf, decide, evolve, fold, initialState, type AccountCommand, type AccountEvent, type AccountState, type TransactionRecord } from '../../src/domain/account.js';
import { AccountAlreadyExists, AccountClosed, AccountHasBalance, InsufficientFunds, ValidationError } from '../../src/domain/errors.js';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-02T00:00:00.000Z';

const opened = (overrides: Partial<Extract<AccountEvent, { type: 'AccountOpened' }>['data']> = {}): AccountEvent => ({
  type: 'AccountOpened',
  effectiveAt: T0,
  data: { code: 'assets:bank', name: 'Bank', type: 'ASSET', currency: 'USD', minimumBalance: null, metadata: null, ...overrides },
});

const tx = (id: string, legs: Array<[string, 'DEBIT' | 'CREDIT', string]>): TransactionRecord => ({
  transactionId: id,
  idempotencyKey: id,
  legs: legs.map(([account, direction, amount]) => ({ account, direction, amount, currency: 'USD' })),
  description: null,
  metadata: null,
  reverses: null,
});

const posted = (record: TransactionRecord, effectiveAt = T1): AccountEvent => ({ type: 'TransactionPosted', effectiveAt, data: record });

/** given events, when command, then events (or an error). */
function given(...events: AccountEvent[]) {
  const state: AccountState = fold(events);
  return { when: (command: AccountCommand) => () => decide(command, state), state };
}

const open: AccountCommand = {
  type: 'OpenAccount', code: 'assets:bank', name: 'Bank', accountType: 'ASSET', currency: 'USD',
  minimumBalance: null, metadata: null, effectiveAt: T0, effectiveAtGiven: false,
};

describe('opening', () => {
  it('opens a new account', () => {
    expect(given().when(open)()).toEqual([opened()]);
  });
  it('is idempotent when the fields are identical', () => {
    expect(given(opened()).when({ ...open, effectiveAt: T1 })()).toEqual([]);
  });
  it('refuses different fields for an existing code', () => {
    expect(given(opened()).when({ ...open, name: 'Other' })).toThrow(AccountAlreadyExists);
    expect(given(opened()).when({ ...open, effectiveAt: T1, effectiveAtGiven: true })).toThrow(AccountAlreadyExists);
  });
  it('writes the minimum balance at the currency scale', () => {
    const [event] = given().when({ ...open, minimumBalance: '-100' })();
    expect(event).toMatchObject({ data: { minimumBalance: '-100.00' } });
    expect(given().when({ ...open, minimumBalance: '1.001' })).toThrow(ValidationError);
  });
});

describe('posting', () => {
  const deposit = tx('t1', [['assets:bank', 'DEBIT', '100.00'], ['equity:capital', 'CREDIT', '100.00']]);

  it('records the whole transaction on the account and moves its normal-side balance', () => {
    const { when } = given(opened());
    const events = when({ type: 'PostEntries', transaction: deposit, effectiveAt: T1 })();
    expect(events).toEqual([posted(deposit)]);
    const state = fold(events, fold([opened()]));
    expect(state.exists && balanceOf(state).toFixed(2)).toBe('100.00');
    expect(state.version).toBe(2);
  });

  it('shows credit-normal accounts positive when credited', () => {
    const equity = fold([opened({ code: 'equity:capital', type: 'EQUITY' }), posted(deposit)]);
    expect(equity.exists && balanceOf(equity).toFixed(2)).toBe('100.00');
  });

  it('refuses a posting below the minimum balance and names the amounts', () => {
    const { when } = given(opened({ minimumBalance: '0.00' }), posted(deposit));
    const withdraw = tx('t2', [['assets:bank', 'CREDIT', '100.01'], ['equity:capital', 'DEBIT', '100.01']]);
    expect(when({ type: 'PostEntries', transaction: withdraw, effectiveAt: T1 })).toThrow(
      expect.objectContaining({ constructor: InsufficientFunds, available: '100.00', requested: '100.01' }) as never,
    );
    const exact = tx('t3', [['assets:bank', 'CREDIT', '100.00'], ['equity:capital', 'DEBIT', '100.00']]);
    expect(when({ type: 'PostEntries', transaction: exact, effectiveAt: T1 })()).toHaveLength(1);
  });

  it('allows an overdraft down to a negative minimum', () => {
    const { when } = given(opened({ minimumBalance: '-50.00' }));
    const spend = tx('t4', [['assets:bank', 'CREDIT', '50.00'], ['expenses:x', 'DEBIT', '50.00']]);
    expect(when({ type: 'PostEntries', transaction: spend, effectiveAt: T1 })()).toHaveLength(1);
    const more = tx('t5', [['assets:bank', 'CREDIT', '50.01'], ['expenses:x', 'DEBIT', '50.01']]);
    expect(when({ type: 'PostEntries', transaction: more, effectiveAt: T1 })).toThrow(InsufficientFunds);
  });

  it('refuses postings to a closed account and effective times before the opening', () => {
    expect(given(opened(), { type: 'AccountClosed', effectiveAt: T1, data: {} }).when({ type: 'PostEntries', transaction: deposit, effectiveAt: T1 })).toThrow(AccountClosed);
    expect(given(opened()).when({ type: 'PostEntries', transaction: deposit, effectiveAt: '2025-12-31T23:59:59.999Z' })).toThrow(ValidationError);
  });
});

describe('closing', () => {
  it('closes at zero, refuses otherwise, and is a no-op when closed', () => {
    expect(given(opened()).when({ type: 'CloseAccount', effectiveAt: T1 })()).toEqual([{ type: 'AccountClosed', effectiveAt: T1, data: {} }]);
    const deposit = tx('t1', [['assets:bank', 'DEBIT', '1.00'], ['equity:capital', 'CREDIT', '1.00']]);
    expect(given(opened(), posted(deposit)).when({ type: 'CloseAccount', effectiveAt: T1 })).toThrow(AccountHasBalance);
    expect(given(opened(), { type: 'AccountClosed', effectiveAt: T1, data: {} }).when({ type: 'CloseAccount', effectiveAt: T1 })()).toEqual([]);
  });
});

describe('evolve', () => {
  it('refuses to fold an event onto an account that never opened', () => {
    expect(() => evolve(initialState(), { type: 'AccountClosed', effectiveAt: T1, data: {} })).toThrow(/invariant/);
  });
});
