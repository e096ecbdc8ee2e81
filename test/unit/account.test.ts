/** The Account decider, given/when/then, without a database. */
import { describe, expect, it } from 'vitest';
import {
  balanceOf,
  evolve,
  fold,
  initialState,
  type AccountCommand,
  type AccountEvent,
  type TransactionRecord,
} from '../../src/domain/account.js';
import { Amount } from '../../src/domain/money.js';
import type { BooksEvent } from '../../src/domain/books.js';
import {
  AccountAlreadyExists,
  AccountClosed,
  AccountFrozen,
  AccountHasBalance,
  AccountHasPendingHolds,
  BalanceLimitExceeded,
  HoldExpired,
  HoldNotPending,
  InsufficientFunds,
  ValidationError,
  VersionMismatch,
} from '../../src/domain/errors.js';
import type { BalanceCondition } from '../../src/domain/conditions.js';
import { decideJournal, type JournalCommand } from '../../src/domain/journal.js';
import { given, givenBooks } from '../support/decider.js';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-02T00:00:00.000Z';

const opened = (overrides: Partial<Extract<AccountEvent, { type: 'AccountOpened' }>['data']> = {}): AccountEvent => ({
  type: 'AccountOpened',
  effectiveAt: T0,
  data: {
    code: 'assets:bank',
    name: 'Bank',
    type: 'ASSET',
    currency: 'USD',
    minimumBalance: null,
    metadata: null,
    ...overrides,
  },
});

const tx = (id: string, legs: Array<[string, 'DEBIT' | 'CREDIT', string]>): TransactionRecord => ({
  transactionId: id,
  idempotencyKey: id,
  legs: legs.map(([account, direction, amount]) => ({ account, direction, amount, currency: 'USD' })),
  description: null,
  metadata: null,
  reverses: null,
});

const posted = (record: TransactionRecord, effectiveAt = T1): AccountEvent => ({
  type: 'TransactionPosted',
  effectiveAt,
  data: record,
});

const open: AccountCommand = {
  type: 'OpenAccount',
  code: 'assets:bank',
  name: 'Bank',
  accountType: 'ASSET',
  currency: 'USD',
  minimumBalance: null,
  maximumBalance: null,
  metadata: null,
  effectiveAt: T0,
  effectiveAtGiven: false,
};

describe('opening', () => {
  it('opens a new account', () => {
    given().when(open).thenExpect([opened()]);
  });
  it('is idempotent when the fields are identical', () => {
    given(opened())
      .when({ ...open, effectiveAt: T1 })
      .thenExpect([]);
  });
  it('refuses different fields for an existing code', () => {
    given(opened())
      .when({ ...open, name: 'Other' })
      .thenExpect(AccountAlreadyExists);
    given(opened())
      .when({ ...open, effectiveAt: T1, effectiveAtGiven: true })
      .thenExpect(AccountAlreadyExists);
  });
  it('writes the minimum balance at the currency scale', () => {
    const [event] = given()
      .when({ ...open, minimumBalance: '-100' })
      .events();
    expect(event).toMatchObject({ data: { minimumBalance: '-100.00' } });
    given()
      .when({ ...open, minimumBalance: '1.001' })
      .thenExpect(ValidationError);
  });
});

describe('posting', () => {
  const deposit = tx('t1', [
    ['assets:bank', 'DEBIT', '100.00'],
    ['equity:capital', 'CREDIT', '100.00'],
  ]);

  it('records the whole transaction on the account and moves its normal-side balance', () => {
    const { when } = given(opened());
    const events = when({ type: 'PostEntries', transaction: deposit, effectiveAt: T1 }).events();
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
    const withdraw = tx('t2', [
      ['assets:bank', 'CREDIT', '100.01'],
      ['equity:capital', 'DEBIT', '100.01'],
    ]);
    when({ type: 'PostEntries', transaction: withdraw, effectiveAt: T1 }).thenExpect(
      expect.objectContaining({ constructor: InsufficientFunds, available: '100.00', requested: '100.01' }),
    );
    const exact = tx('t3', [
      ['assets:bank', 'CREDIT', '100.00'],
      ['equity:capital', 'DEBIT', '100.00'],
    ]);
    expect(when({ type: 'PostEntries', transaction: exact, effectiveAt: T1 }).events()).toHaveLength(1);
  });

  it('allows an overdraft down to a negative minimum', () => {
    const { when } = given(opened({ minimumBalance: '-50.00' }));
    const spend = tx('t4', [
      ['assets:bank', 'CREDIT', '50.00'],
      ['expenses:x', 'DEBIT', '50.00'],
    ]);
    expect(when({ type: 'PostEntries', transaction: spend, effectiveAt: T1 }).events()).toHaveLength(1);
    const more = tx('t5', [
      ['assets:bank', 'CREDIT', '50.01'],
      ['expenses:x', 'DEBIT', '50.01'],
    ]);
    when({ type: 'PostEntries', transaction: more, effectiveAt: T1 }).thenExpect(InsufficientFunds);
  });

  it('refuses postings to a closed account and effective times before the opening', () => {
    given(opened(), { type: 'AccountClosed', effectiveAt: T1, data: {} })
      .when({
        type: 'PostEntries',
        transaction: deposit,
        effectiveAt: T1,
      })
      .thenExpect(AccountClosed);
    given(opened())
      .when({ type: 'PostEntries', transaction: deposit, effectiveAt: '2025-12-31T23:59:59.999Z' })
      .thenExpect(ValidationError);
  });
});

describe('closing', () => {
  it('closes at zero, refuses otherwise, and is a no-op when closed', () => {
    given(opened())
      .when({ type: 'CloseAccount', effectiveAt: T1 })
      .thenExpect([{ type: 'AccountClosed', effectiveAt: T1, data: {} }]);
    const deposit = tx('t1', [
      ['assets:bank', 'DEBIT', '1.00'],
      ['equity:capital', 'CREDIT', '1.00'],
    ]);
    given(opened(), posted(deposit)).when({ type: 'CloseAccount', effectiveAt: T1 }).thenExpect(AccountHasBalance);
    given(opened(), { type: 'AccountClosed', effectiveAt: T1, data: {} })
      .when({
        type: 'CloseAccount',
        effectiveAt: T1,
      })
      .thenExpect([]);
  });
});

describe('evolve', () => {
  it('refuses to fold an event onto an account that never opened', () => {
    expect(() => evolve(initialState(), { type: 'AccountClosed', effectiveAt: T1, data: {} })).toThrow(/invariant/);
  });
});

describe('lifecycle', () => {
  const withdrawal = tx('w1', [
    ['assets:bank', 'CREDIT', '30.00'],
    ['equity:capital', 'DEBIT', '30.00'],
  ]);
  const frozen: AccountEvent = { type: 'AccountFrozen', effectiveAt: T1, data: { reason: 'fraud review' } };
  const closed: AccountEvent = { type: 'AccountClosed', effectiveAt: T1, data: {} };

  it('freezes: postings are refused until it is unfrozen; freezing twice changes nothing', () => {
    given(opened()).when({ type: 'FreezeAccount', reason: 'fraud review', effectiveAt: T1 }).thenExpect([frozen]);
    given(opened(), frozen).when({ type: 'FreezeAccount', reason: null, effectiveAt: T1 }).thenExpect([]);
    given(opened(), frozen)
      .when({ type: 'PostEntries', transaction: withdrawal, effectiveAt: T1 })
      .thenExpect(AccountFrozen);
    expect(given(opened(), frozen).state).toMatchObject({ status: 'FROZEN', version: 2 });
    const unfrozen: AccountEvent = { type: 'AccountUnfrozen', effectiveAt: T1, data: {} };
    given(opened(), frozen).when({ type: 'UnfreezeAccount', effectiveAt: T1 }).thenExpect([unfrozen]);
    given(opened()).when({ type: 'UnfreezeAccount', effectiveAt: T1 }).thenExpect([]);
    expect(
      given(opened(), frozen, unfrozen)
        .when({ type: 'PostEntries', transaction: withdrawal, effectiveAt: T1 })
        .events(),
    ).toHaveLength(1);
  });

  it('closes a frozen account at zero, and a closed account takes no lifecycle change', () => {
    given(opened(), frozen).when({ type: 'CloseAccount', effectiveAt: T1 }).thenExpect([closed]);
    for (const command of [
      { type: 'FreezeAccount', reason: null, effectiveAt: T1 },
      { type: 'UnfreezeAccount', effectiveAt: T1 },
      { type: 'UpdateAccount', name: 'New', effectiveAt: T1 },
      { type: 'ChangeMinimumBalance', minimumBalance: '0', effectiveAt: T1 },
    ] as AccountCommand[]) {
      given(opened(), closed).when(command).thenExpect(AccountClosed);
    }
  });

  it('updates name and metadata in full; an omitted field keeps its value and an unchanged one writes nothing', () => {
    const start = given(opened({ metadata: { team: 'ops' } }));
    start
      .when({ type: 'UpdateAccount', name: 'Main bank', effectiveAt: T1 })
      .thenExpect([
        { type: 'AccountUpdated', effectiveAt: T1, data: { name: 'Main bank', metadata: { team: 'ops' } } },
      ]);
    start
      .when({ type: 'UpdateAccount', metadata: null, effectiveAt: T1 })
      .thenExpect([{ type: 'AccountUpdated', effectiveAt: T1, data: { name: 'Bank', metadata: null } }]);
    start.when({ type: 'UpdateAccount', name: 'Bank', metadata: { team: 'ops' }, effectiveAt: T1 }).thenExpect([]);
    const updated = given(opened(), {
      type: 'AccountUpdated',
      effectiveAt: T1,
      data: { name: 'Main bank', metadata: { a: 1 } },
    });
    expect(updated.state).toMatchObject({ name: 'Main bank', metadata: { a: 1 }, version: 2 });
  });

  it('changes the balance bound at the currency scale; later postings are checked against the new bound', () => {
    const funded = [
      opened(),
      posted(
        tx('d1', [
          ['assets:bank', 'DEBIT', '20.00'],
          ['equity:capital', 'CREDIT', '20.00'],
        ]),
      ),
    ];
    given(...funded)
      .when({ type: 'ChangeMinimumBalance', minimumBalance: '-10', effectiveAt: T1 })
      .thenExpect([{ type: 'MinimumBalanceChanged', effectiveAt: T1, data: { minimumBalance: '-10.00' } }]);
    given(...funded)
      .when({ type: 'ChangeMinimumBalance', minimumBalance: '0.001', effectiveAt: T1 })
      .thenExpect(ValidationError);
    given(...funded)
      .when({ type: 'ChangeMinimumBalance', minimumBalance: null, effectiveAt: T1 })
      .thenExpect([]);
    const overdraft = [
      ...funded,
      { type: 'MinimumBalanceChanged', effectiveAt: T1, data: { minimumBalance: '-10.00' } } as AccountEvent,
    ];
    expect(
      given(...overdraft)
        .when({ type: 'PostEntries', transaction: withdrawal, effectiveAt: T1 })
        .events(),
    ).toHaveLength(1);
    const tooMuch = tx('w2', [
      ['assets:bank', 'CREDIT', '30.01'],
      ['equity:capital', 'DEBIT', '30.01'],
    ]);
    given(...overdraft)
      .when({ type: 'PostEntries', transaction: tooMuch, effectiveAt: T1 })
      .thenExpect(InsufficientFunds);
    const removed = [
      ...overdraft,
      { type: 'MinimumBalanceChanged', effectiveAt: T1, data: { minimumBalance: null } } as AccountEvent,
    ];
    expect(
      given(...removed)
        .when({ type: 'PostEntries', transaction: tooMuch, effectiveAt: T1 })
        .events(),
    ).toHaveLength(1);
  });
});

describe('the balance bound and inflows effective later', () => {
  it('does not count them as available', () => {
    const funded = [
      opened({ minimumBalance: '0.00' }),
      posted(
        tx('d1', [
          ['assets:bank', 'DEBIT', '20.00'],
          ['equity:capital', 'CREDIT', '20.00'],
        ]),
      ),
    ];
    const out = (amount: string) =>
      tx('w', [
        ['assets:bank', 'CREDIT', amount],
        ['equity:capital', 'DEBIT', amount],
      ]);
    const futureInflow = new Amount('15.00');
    expect(
      given(...funded)
        .when({
          type: 'PostEntries',
          transaction: out('5.00'),
          effectiveAt: T1,
          notYetAvailable: futureInflow,
        })
        .events(),
    ).toHaveLength(1);
    const refused = given(...funded).when({
      type: 'PostEntries',
      transaction: out('5.01'),
      effectiveAt: T1,
      notYetAvailable: futureInflow,
    });
    refused.thenExpect(InsufficientFunds);
    refused.thenExpect(/has 5.00 available, 5.01 was asked/);
  });
});

describe('the books (period lock)', () => {
  const now = '2026-03-01T00:00:00.000Z';
  const closed = (through: string): BooksEvent => ({
    type: 'PeriodClosed',
    effectiveAt: now,
    data: { through, reason: null },
  });
  it('closes the past only, and closing through an instant already closed writes nothing', () => {
    givenBooks()
      .when({ type: 'ClosePeriod', through: '2026-01-31T23:59:59.999Z', reason: null, now })
      .thenExpect([closed('2026-01-31T23:59:59.999Z')]);
    givenBooks()
      .when({ type: 'ClosePeriod', through: '2026-03-01T00:00:00.001Z', reason: null, now })
      .thenExpect(ValidationError);
    givenBooks(closed('2026-01-31T23:59:59.999Z'))
      .when({ type: 'ClosePeriod', through: '2026-01-15T00:00:00.000Z', reason: null, now })
      .thenExpect([]);
    expect(givenBooks(closed('2026-01-31T23:59:59.999Z')).state).toEqual({
      lockedThrough: '2026-01-31T23:59:59.999Z',
      version: 1,
    });
  });

  it('reopens only backwards, and only what is closed', () => {
    const locked = givenBooks(closed('2026-01-31T23:59:59.999Z'));
    locked
      .when({ type: 'ReopenPeriod', through: null, reason: 'audit', now })
      .thenExpect([{ type: 'PeriodReopened', effectiveAt: now, data: { through: null, reason: 'audit' } }]);
    locked
      .when({ type: 'ReopenPeriod', through: '2026-02-01T00:00:00.000Z', reason: null, now })
      .thenExpect(/moves the lock back/);
    givenBooks().when({ type: 'ReopenPeriod', through: null, reason: null, now }).thenExpect([]);
    locked.when({ type: 'ReopenPeriod', through: '2026-01-31T23:59:59.999Z', reason: null, now }).thenExpect([]);
    givenBooks()
      .when({ type: 'ReopenPeriod', through: '2026-01-01T00:00:00.000Z', reason: null, now })
      .thenExpect(/nothing to reopen/);
  });
});

describe('holds', () => {
  const T2 = '2026-01-03T00:00:00.000Z';
  const wallet = (min: string | null = '0.00') =>
    opened({ code: 'liabilities:wallet', type: 'LIABILITY', minimumBalance: min });
  const funded = posted(
    tx('d1', [
      ['assets:bank', 'DEBIT', '100.00'],
      ['liabilities:wallet', 'CREDIT', '100.00'],
    ]),
  );
  const holdRecord = (id: string, amount: string) =>
    tx(id, [
      ['liabilities:wallet', 'DEBIT', amount],
      ['assets:bank', 'CREDIT', amount],
    ]);
  const placed = (id: string, amount: string, expiresAt: string | null = null): AccountEvent => ({
    type: 'HoldPlaced',
    effectiveAt: T1,
    data: { ...holdRecord(id, amount), expiresAt },
  });
  const legsOf = (amount: string) => holdRecord('x', amount).legs;

  it('reserves without moving the posted balance, and later postings see only what is left', () => {
    const { state, when } = given(wallet(), funded, placed('h1', '60.00'));
    expect(state).toMatchObject({ version: 3 });
    expect(balanceOf(state as never).toFixed(2)).toBe('100.00');
    const spend = (amount: string) =>
      when({
        type: 'PostEntries',
        transaction: tx('s', [
          ['liabilities:wallet', 'DEBIT', amount],
          ['assets:bank', 'CREDIT', amount],
        ]),
        effectiveAt: T1,
        now: T1,
      });
    expect(spend('40.00').events()).toHaveLength(1);
    spend('40.01').thenExpect(/has 40.00 available, 40.01 was asked/);
    given(wallet(), funded, placed('h1', '60.00'))
      .when({
        type: 'PlaceHold',
        transaction: holdRecord('h2', '40.01'),
        expiresAt: null,
        effectiveAt: T1,
        now: T1,
      })
      .thenExpect(InsufficientFunds);
  });

  it('commits in part: posts what is committed and releases the rest', () => {
    const { when } = given(wallet(), funded, placed('h1', '60.00'));
    const [committed] = when({
      type: 'CommitHold',
      transactionId: 'h1',
      legs: legsOf('45.00'),
      effectiveAt: T2,
      now: T2,
    }).events();
    expect(committed).toEqual({
      type: 'HoldCommitted',
      effectiveAt: T2,
      data: { transactionId: 'h1', legs: legsOf('45.00'), final: true, captured: legsOf('45.00') },
    });
    const after = given(wallet(), funded, placed('h1', '60.00'), committed!).state as never;
    expect(balanceOf(after).toFixed(2)).toBe('55.00');
    expect((after as { holds: object }).holds).toEqual({});
  });

  it('expires by the command time: it reserves nothing and can no longer be committed, but can be voided', () => {
    const { when } = given(wallet(), funded, placed('h1', '100.00', T1));
    when({ type: 'CommitHold', transactionId: 'h1', legs: legsOf('100.00'), effectiveAt: T2, now: T2 }).thenExpect(
      HoldExpired,
    );
    expect(
      when({
        type: 'PostEntries',
        transaction: tx('s', [
          ['liabilities:wallet', 'DEBIT', '100.00'],
          ['assets:bank', 'CREDIT', '100.00'],
        ]),
        effectiveAt: T2,
        now: T2,
      }).events(),
    ).toHaveLength(1);
    when({ type: 'VoidHold', transactionId: 'h1', effectiveAt: T2 }).thenExpect([
      { type: 'HoldVoided', effectiveAt: T2, data: { transactionId: 'h1', captured: [] } },
    ]);
  });

  it('refuses what is not an open hold, and keeps an account with open holds from closing', () => {
    const voided: AccountEvent = { type: 'HoldVoided', effectiveAt: T2, data: { transactionId: 'h1', captured: [] } };
    const { when } = given(wallet(), placed('h1', '0.01'), voided);
    when({ type: 'CommitHold', transactionId: 'h1', legs: legsOf('0.01'), effectiveAt: T2, now: T2 }).thenExpect(
      HoldNotPending,
    );
    when({ type: 'VoidHold', transactionId: 'h1', effectiveAt: T2 }).thenExpect(HoldNotPending);
    given(wallet(null), placed('h1', '0.01'))
      .when({ type: 'CloseAccount', effectiveAt: T2 })
      .thenExpect(AccountHasPendingHolds);
    expect(
      given(wallet(null), placed('h1', '0.01'), voided).when({ type: 'CloseAccount', effectiveAt: T2 }).events(),
    ).toHaveLength(1);
  });

  it('captures in parts (final: false keeps the rest reserved), and a final capture releases the rest', () => {
    const { when } = given(wallet(), funded, placed('h1', '60.00'));
    const [first] = when({
      type: 'CommitHold',
      transactionId: 'h1',
      legs: legsOf('10.00'),
      final: false,
      effectiveAt: T2,
      now: T2,
    }).events();
    expect(first!.data).toEqual({
      transactionId: 'h1',
      legs: legsOf('10.00'),
      final: false,
      captured: legsOf('10.00'),
    });
    const after = given(wallet(), funded, placed('h1', '60.00'), first!);
    expect(balanceOf(after.state as never).toFixed(2)).toBe('90.00');
    expect((after.state as { holds: Record<string, { reserved: Amount }> }).holds.h1!.reserved.toFixed(2)).toBe(
      '50.00',
    );
    // What stays held still counts against the bound: 40.00 is available, not 90.00.
    after
      .when({
        type: 'PostEntries',
        transaction: tx('s', [
          ['liabilities:wallet', 'DEBIT', '40.01'],
          ['assets:bank', 'CREDIT', '40.01'],
        ]),
        effectiveAt: T2,
        now: T2,
      })
      .thenExpect(InsufficientFunds);
    after
      .when({ type: 'CommitHold', transactionId: 'h1', legs: legsOf('50.01'), effectiveAt: T2, now: T2 })
      .thenExpect(/more than the 50.00 held/);
    const [last] = after
      .when({ type: 'CommitHold', transactionId: 'h1', legs: legsOf('20.00'), effectiveAt: T2, now: T2 })
      .events();
    expect(last!.data).toEqual({ transactionId: 'h1', legs: legsOf('20.00'), final: true, captured: legsOf('30.00') });
    const settled = given(wallet(), funded, placed('h1', '60.00'), first!, last!).state as never;
    expect(balanceOf(settled).toFixed(2)).toBe('70.00');
    expect((settled as { holds: object }).holds).toEqual({});
  });

  it('adjusts: a raise is checked against what is available besides the hold, a lowering always releases', () => {
    const { when } = given(wallet(), funded, placed('h1', '60.00'));
    const adjust = (amount: string) =>
      when({ type: 'AdjustHold', transactionId: 'h1', legs: legsOf(amount), effectiveAt: T2, now: T2 });
    expect(adjust('100.00').events()).toEqual([
      { type: 'HoldAdjusted', effectiveAt: T2, data: { transactionId: 'h1', legs: legsOf('100.00') } },
    ]);
    adjust('100.01').thenExpect(InsufficientFunds);
    expect(adjust('60.00').events()).toEqual([]);
    const [lower] = adjust('5.00').events();
    const state = given(wallet(), funded, placed('h1', '60.00'), lower!).state as never;
    expect((state as { holds: Record<string, { reserved: Amount }> }).holds.h1!.reserved.toFixed(2)).toBe('5.00');
    // A frozen account takes no raise, but may release.
    const frozen: AccountEvent = { type: 'AccountFrozen', effectiveAt: T1, data: { reason: null } };
    const ice = given(wallet(), funded, placed('h1', '60.00'), frozen);
    ice
      .when({ type: 'AdjustHold', transactionId: 'h1', legs: legsOf('61.00'), effectiveAt: T2, now: T2 })
      .thenExpect(AccountFrozen);
    expect(
      ice.when({ type: 'AdjustHold', transactionId: 'h1', legs: legsOf('1.00'), effectiveAt: T2, now: T2 }).events(),
    ).toHaveLength(1);
  });

  it('expires once: only a hold past its expiry and still open, effective at its expiresAt; then the account can close', () => {
    const expire = (now: string) => ({ type: 'ExpireHold' as const, transactionId: 'h1', effectiveAt: T1, now });
    given(wallet(null), placed('h1', '1.00', T2))
      .when(expire(T1))
      .thenExpect([]);
    const [expired] = given(wallet(null), placed('h1', '1.00', T1))
      .when(expire(T2))
      .events();
    expect(expired).toEqual({ type: 'HoldExpired', effectiveAt: T1, data: { transactionId: 'h1', captured: [] } });
    const after = given(wallet(null), placed('h1', '1.00', T1), expired!);
    after.when(expire(T2)).thenExpect([]);
    expect(after.when({ type: 'CloseAccount', effectiveAt: T2 }).events()).toHaveLength(1);
    after
      .when({ type: 'AdjustHold', transactionId: 'h1', legs: legsOf('2.00'), effectiveAt: T2, now: T2 })
      .thenExpect(HoldNotPending);
  });

  it('checks a capture that is not final with what it leaves held: that still counts against the bound', () => {
    const raised: AccountEvent = { type: 'MinimumBalanceChanged', effectiveAt: T1, data: { minimumBalance: '60.00' } };
    // 100.00 posted, 60.00 held, the bound now 60.00: besides the hold, 40.00 can go.
    const { when } = given(wallet(), funded, placed('h1', '60.00'), raised);
    const capture = (final: boolean) =>
      when({ type: 'CommitHold', transactionId: 'h1', legs: legsOf('10.00'), final, effectiveAt: T2, now: T2 });
    capture(false).thenExpect(InsufficientFunds);
    expect(capture(true).events()).toHaveLength(1);
  });
});

describe('the maximum balance', () => {
  const capped = (max = '100.00') => opened({ maximumBalance: max });
  const deposit = (id: string, amount: string) =>
    tx(id, [
      ['assets:bank', 'DEBIT', amount],
      ['equity:capital', 'CREDIT', amount],
    ]);
  const withdraw = (id: string, amount: string) =>
    tx(id, [
      ['assets:bank', 'CREDIT', amount],
      ['equity:capital', 'DEBIT', amount],
    ]);

  it('refuses an inflow past it with the limit and the balance it would leave; an outflow never', () => {
    const { when } = given(capped(), posted(deposit('d1', '60.00')));
    when({ type: 'PostEntries', transaction: deposit('d2', '40.01'), effectiveAt: T1 }).thenExpect(
      expect.objectContaining({ constructor: BalanceLimitExceeded, limit: '100.00', resulting: '100.01' }),
    );
    expect(when({ type: 'PostEntries', transaction: deposit('d3', '40.00'), effectiveAt: T1 }).events()).toHaveLength(
      1,
    );
    // Above a maximum lowered later, money may still leave.
    const above = given(capped(), posted(deposit('d1', '60.00')), {
      type: 'MaximumBalanceChanged',
      effectiveAt: T1,
      data: { maximumBalance: '10.00' },
    });
    expect(
      above.when({ type: 'PostEntries', transaction: withdraw('w1', '1.00'), effectiveAt: T1 }).events(),
    ).toHaveLength(1);
    above
      .when({ type: 'PostEntries', transaction: deposit('d4', '0.01'), effectiveAt: T1 })
      .thenExpect(BalanceLimitExceeded);
  });

  it('counts what live holds bring in and what outflows dated later have not yet taken', () => {
    const incoming: AccountEvent = {
      type: 'HoldPlaced',
      effectiveAt: T1,
      data: { ...deposit('h1', '30.00'), expiresAt: null },
    };
    const { when } = given(capped(), posted(deposit('d1', '60.00')), incoming);
    when({ type: 'PostEntries', transaction: deposit('d2', '10.01'), effectiveAt: T1, now: T1 }).thenExpect(
      /take it to 100.01/,
    );
    when({
      type: 'PostEntries',
      transaction: deposit('d2', '10.00'),
      effectiveAt: T1,
      now: T1,
      notYetGone: new Amount('0.01'),
    }).thenExpect(BalanceLimitExceeded);
    // Its commit spends its own headroom.
    expect(
      when({
        type: 'CommitHold',
        transactionId: 'h1',
        legs: deposit('h1', '30.00').legs,
        effectiveAt: T1,
        now: T1,
      }).events(),
    ).toHaveLength(1);
  });

  it('follows an incoming hold as it is adjusted and captured in part: raises and captures meet the maximum', () => {
    const T2 = '2026-01-03T00:00:00.000Z';
    const incoming: AccountEvent = {
      type: 'HoldPlaced',
      effectiveAt: T1,
      data: { ...deposit('h1', '30.00'), expiresAt: null },
    };
    const legsAt = (amount: string) => deposit('h1', amount).legs;
    // 60.00 posted, 30.00 coming in: 10.00 of room.
    const start = given(capped(), posted(deposit('d1', '60.00')), incoming);
    const adjust = (amount: string) =>
      start.when({ type: 'AdjustHold', transactionId: 'h1', legs: legsAt(amount), effectiveAt: T2, now: T2 });
    // A raise counts the hold's new inflow once, in the place of its old one.
    expect(adjust('40.00').events()).toHaveLength(1);
    adjust('40.01').thenExpect(
      expect.objectContaining({ constructor: BalanceLimitExceeded, limit: '100.00', resulting: '100.01' }),
    );
    // A lowering releases room, whatever the bound.
    const [lowered] = adjust('20.00').events();
    const after = given(capped(), posted(deposit('d1', '60.00')), incoming, lowered!);
    expect((after.state as { holds: Record<string, { incoming: Amount }> }).holds.h1!.incoming.toFixed(2)).toBe(
      '20.00',
    );
    after
      .when({ type: 'PostEntries', transaction: deposit('d2', '20.01'), effectiveAt: T2, now: T2 })
      .thenExpect(BalanceLimitExceeded);
    expect(
      after.when({ type: 'PostEntries', transaction: deposit('d2', '20.00'), effectiveAt: T2, now: T2 }).events(),
    ).toHaveLength(1);
    // A capture in part: what it posts plus what stays coming in, its own inflow counted once.
    const capture = (amount: string, final: boolean) =>
      start.when({ type: 'CommitHold', transactionId: 'h1', legs: legsAt(amount), final, effectiveAt: T2, now: T2 });
    const [part] = capture('10.00', false).events();
    const captured = given(capped(), posted(deposit('d1', '60.00')), incoming, part!).state as {
      holds: Record<string, { incoming: Amount; reserved: Amount }>;
    };
    expect(captured.holds.h1!.incoming.toFixed(2)).toBe('20.00');
    expect(captured.holds.h1!.reserved.toFixed(2)).toBe('0.00');
    // At a maximum of exactly 90.00 (60.00 posted, 30.00 coming in), a capture in part fits: its
    // own inflow is not counted twice. Lowered to 85.00, one that keeps 20.00 coming in no longer
    // fits (90.00 with it); the same capture, final, releases the rest (70.00).
    const at = (max: string): AccountEvent => ({
      type: 'MaximumBalanceChanged',
      effectiveAt: T1,
      data: { maximumBalance: max },
    });
    const captureAt = (max: string, final: boolean) =>
      given(capped(), posted(deposit('d1', '60.00')), incoming, at(max)).when({
        type: 'CommitHold',
        transactionId: 'h1',
        legs: legsAt('10.00'),
        final,
        effectiveAt: T2,
        now: T2,
      });
    expect(captureAt('90.00', false).events()).toHaveLength(1);
    captureAt('85.00', false).thenExpect(
      expect.objectContaining({ constructor: BalanceLimitExceeded, limit: '85.00', resulting: '90.00' }),
    );
    expect(captureAt('85.00', true).events()).toHaveLength(1);
  });

  it('is written at the currency scale, only when set, and never below the minimum', () => {
    const [event] = given()
      .when({ ...open, maximumBalance: '5' })
      .events();
    expect(event).toMatchObject({ data: { maximumBalance: '5.00' } });
    expect(given().when(open).events()[0]!.data).not.toHaveProperty('maximumBalance');
    given()
      .when({ ...open, minimumBalance: '1', maximumBalance: '0.99' })
      .thenExpect(ValidationError);
    given()
      .when({ ...open, maximumBalance: '0.001' })
      .thenExpect(ValidationError);
    given(opened({ minimumBalance: '1.00' }))
      .when({ type: 'ChangeMaximumBalance', maximumBalance: '0.99', effectiveAt: T1 })
      .thenExpect(ValidationError);
    given(capped('1.00'))
      .when({ type: 'ChangeMinimumBalance', minimumBalance: '1.01', effectiveAt: T1 })
      .thenExpect(ValidationError);
    given(capped('1.00')).when({ type: 'ChangeMaximumBalance', maximumBalance: '1', effectiveAt: T1 }).thenExpect([]);
    given(capped('1.00'))
      .when({ type: 'ChangeMaximumBalance', maximumBalance: null, effectiveAt: T1 })
      .thenExpect([{ type: 'MaximumBalanceChanged', effectiveAt: T1, data: { maximumBalance: null } }]);
  });
});

describe('the journal: expected versions, conditions, up to', () => {
  const states = (...streams: AccountEvent[][]) =>
    new Map(streams.map((events) => [(events[0]!.data as { code: string }).code, fold(events)]));
  const bank = [opened({ minimumBalance: '0.00', maximumBalance: '50.00' })];
  const capital = [opened({ code: 'equity:capital', type: 'EQUITY' })];
  const post = (amount: string, extra: Partial<Extract<JournalCommand, { type: 'Post' }>> = {}): JournalCommand => ({
    type: 'Post',
    posting: {
      transactionId: 't',
      idempotencyKey: 'k',
      entries: [
        { account: 'assets:bank', direction: 'DEBIT', amount },
        { account: 'equity:capital', direction: 'CREDIT', amount },
      ],
      description: null,
      metadata: null,
    },
    pending: false,
    expiresAt: null,
    effectiveAt: T1,
    now: T1,
    notYetAvailable: new Map(),
    ...extra,
  });

  it('refuses a stale version before anything else', () => {
    expect(() =>
      decideJournal(
        post('1.001', { expectedVersions: [{ account: 'assets:bank', version: 2 }] }),
        states(bank, capital),
      ),
    ).toThrow(VersionMismatch);
    expect(
      decideJournal(post('1.00', { expectedVersions: [{ account: 'assets:bank', version: 1 }] }), states(bank, capital))
        .size,
    ).toBe(2);
  });

  it('judges conditions on what the transaction leaves', () => {
    const deciding = (condition: BalanceCondition) => () =>
      decideJournal(post('10.00', { conditions: [condition] }), states(bank, capital));
    expect(deciding({ account: 'assets:bank', metric: 'POSTED', eq: '10' })).not.toThrow();
    expect(deciding({ account: 'equity:capital', metric: 'AVAILABLE', gte: '10.01' })).toThrow(
      /AVAILABLE would be 10.00, the condition asks gte 10.01/,
    );
    expect(deciding({ account: 'assets:bank', metric: 'PENDING', lte: '0.001' })).toThrow(ValidationError);
  });

  it('moves up to what the bounds let through', () => {
    const legs = (amount: string) =>
      decideJournal(post(amount, { upTo: true }), states(bank, capital)).get('assets:bank')!;
    expect((legs('80.00')[0]!.data as TransactionRecord).legs.map((l) => l.amount)).toEqual(['50.00', '50.00']);
    expect((legs('20.00')[0]!.data as TransactionRecord).legs.map((l) => l.amount)).toEqual(['20.00', '20.00']);
    const full = states(
      [
        ...bank,
        posted(
          tx('d', [
            ['assets:bank', 'DEBIT', '50.00'],
            ['equity:capital', 'CREDIT', '50.00'],
          ]),
        ),
      ],
      capital,
    );
    expect(() => decideJournal(post('1.00', { upTo: true }), full)).toThrow(BalanceLimitExceeded);
  });
});
