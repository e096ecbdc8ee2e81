/**
 * The Account aggregate as a pure decider: initialState, decide, evolve.
 * No I/O; the same evolve serves command handling, replay, rebuild and as-of queries.
 */
import type { Exchange } from './exchanges.js';
import {
  AccountAlreadyExists,
  AccountClosed,
  AccountFrozen,
  AccountHasBalance,
  AccountHasPendingHolds,
  AccountNotFound,
  HoldExpired,
  BalanceLimitExceeded,
  HoldNotPending,
  InsufficientFunds,
  ValidationError,
} from './errors.js';
import { alignToHold, allZero, checkCapture, legsMinus, legsPlus, nonZero } from './hold-legs.js';
import { canonicalJson, type JsonObject } from './json.js';
import { Amount, ZERO, formatAmount, parseCurrency, parseSignedAmount, type Currency } from './money.js';

export const ACCOUNT_TYPES = ['ASSET', 'LIABILITY', 'EQUITY', 'REVENUE', 'EXPENSE'] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];
export type Direction = 'DEBIT' | 'CREDIT';
export type AccountStatus = 'OPEN' | 'FROZEN' | 'CLOSED';

/** Assets and expenses grow with debits; liabilities, equity and revenue with credits. */
export function normalSide(type: AccountType): Direction {
  return type === 'ASSET' || type === 'EXPENSE' ? 'DEBIT' : 'CREDIT';
}

/** One leg of a journal entry, in canonical form (amount written at the currency's scale). */
export interface Leg {
  account: string;
  direction: Direction;
  amount: string;
  currency: string;
}

/** A journal entry as every touched account's event records it: all legs, so each stream is self-describing. */
export interface TransactionRecord {
  transactionId: string;
  idempotencyKey: string;
  legs: Leg[];
  description: string | null;
  metadata: JsonObject | null;
  /** The transaction this one reverses (its legs exactly opposite), or null. */
  reverses: string | null;
  /**
   * The conversions it made (exchanges.ts); [] for a transaction in one currency. Always set on
   * what is written (buildTransaction; TransactionPosted v4 requires it) and on what is read (the
   * upcaster gives older versions []); optional only for records that never reach the log.
   */
  exchanges?: Exchange[];
}

export interface AccountOpenedData {
  code: string;
  name: string;
  type: AccountType;
  currency: string;
  minimumBalance: string | null;
  /**
   * The highest normal-side balance allowed, at the currency scale. Written only when set (absent:
   * unbounded), so an opening without one stores what it always did (AccountOpened v3).
   */
  maximumBalance?: string;
  metadata: JsonObject | null;
}

export type AccountEvent =
  | { type: 'AccountOpened'; effectiveAt: string; data: AccountOpenedData }
  | { type: 'TransactionPosted'; effectiveAt: string; data: TransactionRecord }
  | { type: 'AccountClosed'; effectiveAt: string; data: Record<string, never> }
  | { type: 'AccountFrozen'; effectiveAt: string; data: { reason: string | null } }
  | { type: 'AccountUnfrozen'; effectiveAt: string; data: Record<string, never> }
  | { type: 'AccountUpdated'; effectiveAt: string; data: { name: string; metadata: JsonObject | null } }
  | { type: 'MinimumBalanceChanged'; effectiveAt: string; data: { minimumBalance: string | null } }
  | { type: 'MaximumBalanceChanged'; effectiveAt: string; data: { maximumBalance: string | null } }
  | { type: 'HoldPlaced'; effectiveAt: string; data: TransactionRecord & { expiresAt: string | null } }
  | { type: 'HoldCommitted'; effectiveAt: string; data: HoldCommittedData }
  | { type: 'HoldAdjusted'; effectiveAt: string; data: { transactionId: string; legs: Leg[] } }
  /** `captured`: what the hold's captures posted before it was released ([]: nothing). */
  | { type: 'HoldVoided'; effectiveAt: string; data: HoldReleasedData }
  | { type: 'HoldExpired'; effectiveAt: string; data: HoldReleasedData }
  | { type: 'TransactionMetadataUpdated'; effectiveAt: string; data: TransactionMetadataUpdate };

/**
 * A capture of a hold: `legs` what it posts now (the legs at zero left out); `final` whether it
 * settles the hold (the rest is released) or leaves the rest held for further captures;
 * `captured` what every capture of the hold has posted so far, this one included (its whole
 * posting, as a reader of the transaction sees it).
 */
export interface HoldCommittedData {
  transactionId: string;
  legs: Leg[];
  final: boolean;
  captured: Leg[];
}

/**
 * A hold released (voided, or expired): nothing more is posted. `captured` is what its captures
 * posted before (the zero legs left out; [] when none): a hold captured in part settles as posted.
 */
export interface HoldReleasedData {
  transactionId: string;
  captured: Leg[];
}

/** A transaction's metadata changed: what was asked, and the whole metadata after it. */
export interface TransactionMetadataUpdate {
  transactionId: string;
  set: JsonObject;
  unset: string[];
  metadata: JsonObject | null;
}

export interface OpenedAccount {
  exists: true;
  code: string;
  name: string;
  type: AccountType;
  currency: Currency;
  status: AccountStatus;
  /** Lower bound of the balance on the normal side; null means unbounded. */
  minimumBalance: Amount | null;
  /** Upper bound of the balance on the normal side; null means unbounded. */
  maximumBalance: Amount | null;
  metadata: JsonObject | null;
  openedAt: string;
  debits: Amount;
  credits: Amount;
  /** Number of events folded so far: the stream version. */
  version: number;
  /** Open holds on this account by transaction id: what each reserves (an outflow on the normal side) and until when. */
  holds: Record<string, OpenHold>;
}

export interface OpenHold {
  /** The amount the hold takes off the normal side (zero when it brings money in). */
  reserved: Amount;
  /** The amount the hold brings onto the normal side (zero when it takes): the upper bound counts it. */
  incoming: Amount;
  /** From this instant on it reserves nothing and can no longer be committed; null: never. */
  expiresAt: string | null;
  /** What it still holds: every leg of the hold, in the order placed (a leg captured in full is at zero). */
  legs: Leg[];
  /** What its captures have posted so far, leg by leg in the same order. */
  captured: Leg[];
}

/** A hold reserves until it expires (decided against the command's time, never by a timer). */
export function holdIsLive(hold: OpenHold, now: string): boolean {
  return hold.expiresAt === null || hold.expiresAt > now;
}

/** What live holds reserve on the account at `now` (without a `now`: what every hold reserves), but `except`. */
export function reservedAt(state: OpenedAccount, now: string | undefined, except?: string): Amount {
  let total = ZERO;
  for (const [id, hold] of Object.entries(state.holds))
    if (id !== except && (now === undefined || holdIsLive(hold, now))) total = total.plus(hold.reserved);
  return total;
}

/** What live holds bring onto the account at `now` (every hold without a `now`), but `except`. */
export function incomingAt(state: OpenedAccount, now: string | undefined, except?: string): Amount {
  let total = ZERO;
  for (const [id, hold] of Object.entries(state.holds))
    if (id !== except && (now === undefined || holdIsLive(hold, now))) total = total.plus(hold.incoming);
  return total;
}

/**
 * What the balance bounds leave aside, read from postings dated later than now (ledger/queries.ts):
 * `notYetAvailable`, what the balance includes that arrives later (the minimum ignores it);
 * `notYetGone`, how far the balance stands above its final figure until later outflows leave
 * (the maximum counts it).
 */
export interface Later {
  notYetAvailable?: Amount;
  notYetGone?: Amount;
}

export type AccountState = { exists: false; version: 0 } | OpenedAccount;

export type AccountCommand =
  | {
      type: 'OpenAccount';
      code: string;
      name: string;
      accountType: AccountType;
      currency: string;
      minimumBalance: string | null;
      maximumBalance: string | null;
      metadata: JsonObject | null;
      effectiveAt: string;
      /** Whether the caller chose effectiveAt (it then takes part in the idempotent comparison). */
      effectiveAtGiven: boolean;
    }
  | {
      type: 'PostEntries';
      transaction: TransactionRecord;
      effectiveAt: string;
      /**
       * What the account's balance includes that cannot be spent now: money that arrives later
       * (postings effective after now, less what leaves before it arrives). The balance bound ignores it.
       */
      notYetAvailable?: Amount;
      /** How far the balance stands above its figure until outflows dated later leave (the maximum counts it). */
      notYetGone?: Amount;
      /** The command's time: holds that expired by then reserve nothing. Omitted: every hold reserves. */
      now?: string;
    }
  | {
      type: 'PlaceHold';
      transaction: TransactionRecord;
      expiresAt: string | null;
      effectiveAt: string;
      now: string;
      notYetAvailable?: Amount;
      notYetGone?: Amount;
    }
  /**
   * `legs`: what is posted now, the hold's legs in its order at the captured amounts (at most the
   * held ones). `final` (default true): the rest is released; false: the rest stays held.
   */
  | {
      type: 'CommitHold';
      transactionId: string;
      legs: Leg[];
      final?: boolean;
      effectiveAt: string;
      now: string;
      notYetAvailable?: Amount;
      notYetGone?: Amount;
    }
  /** `legs`: every leg of the hold, in its order, at what it holds from now on. */
  | {
      type: 'AdjustHold';
      transactionId: string;
      legs: Leg[];
      effectiveAt: string;
      now: string;
      notYetAvailable?: Amount;
      notYetGone?: Amount;
    }
  | { type: 'VoidHold'; transactionId: string; effectiveAt: string }
  /** `now`: the recorded time of the sweep; a hold still live then, or no longer open, is left alone. */
  | { type: 'ExpireHold'; transactionId: string; effectiveAt: string; now: string }
  /** Annotates a transaction the account took part in: allowed whatever the account's status. */
  | { type: 'UpdateTransactionMetadata'; update: TransactionMetadataUpdate; effectiveAt: string }
  | { type: 'CloseAccount'; effectiveAt: string }
  | { type: 'FreezeAccount'; reason: string | null; effectiveAt: string }
  | { type: 'UnfreezeAccount'; effectiveAt: string }
  /** Fields left undefined keep their value; metadata null clears it. */
  | { type: 'UpdateAccount'; name?: string; metadata?: JsonObject | null; effectiveAt: string }
  | { type: 'ChangeMinimumBalance'; minimumBalance: string | null; effectiveAt: string }
  | { type: 'ChangeMaximumBalance'; maximumBalance: string | null; effectiveAt: string };

export function initialState(): AccountState {
  return { exists: false, version: 0 };
}

/** The balance on the account's normal side: positive when it holds what its type says it holds. */
export function balanceOf(state: OpenedAccount): Amount {
  return normalSide(state.type) === 'DEBIT' ? state.debits.minus(state.credits) : state.credits.minus(state.debits);
}

/** The signed change a leg makes to the normal-side balance of an account of this type. */
export function signedOnNormalSide(type: AccountType, leg: Pick<Leg, 'direction' | 'amount'>): Amount {
  const amount = new Amount(leg.amount);
  return leg.direction === normalSide(type) ? amount : amount.negated();
}

export function decide(command: AccountCommand, state: AccountState): AccountEvent[] {
  switch (command.type) {
    case 'OpenAccount':
      return decideOpen(command, state);
    case 'PostEntries':
      return decidePost(command, requireOpen(state));
    case 'PlaceHold':
      return decidePlaceHold(command, requireOpen(state));
    case 'CommitHold':
      return decideCommitHold(command, requireOpen(state));
    case 'AdjustHold':
      return decideAdjustHold(command, state);
    case 'ExpireHold': {
      if (!state.exists) throw new Error('invariant: the ledger must load an existing account first');
      const hold = state.holds[command.transactionId];
      // Exactly once: a hold already settled (expired, committed, voided) or still live is left alone.
      if (!hold || holdIsLive(hold, command.now)) return [];
      const data = { transactionId: command.transactionId, captured: nonZero(hold.captured) };
      return [{ type: 'HoldExpired', effectiveAt: command.effectiveAt, data }];
    }
    case 'VoidHold': {
      if (!state.exists) throw new Error('invariant: the ledger must load an existing account first');
      const hold = state.holds[command.transactionId];
      if (!hold) throw new HoldNotPending(command.transactionId, 'not an open hold of this account');
      const data = { transactionId: command.transactionId, captured: nonZero(hold.captured) };
      return [{ type: 'HoldVoided', effectiveAt: command.effectiveAt, data }];
    }
    case 'UpdateTransactionMetadata':
      if (!state.exists) throw new Error('invariant: the ledger must load an existing account first');
      return [{ type: 'TransactionMetadataUpdated', effectiveAt: command.effectiveAt, data: command.update }];
    case 'CloseAccount':
      return decideClose(command, state);
    case 'FreezeAccount': {
      const account = requireNotClosed(state);
      return account.status === 'FROZEN'
        ? []
        : [{ type: 'AccountFrozen', effectiveAt: command.effectiveAt, data: { reason: command.reason } }];
    }
    case 'UnfreezeAccount': {
      const account = requireNotClosed(state);
      return account.status === 'OPEN' ? [] : [{ type: 'AccountUnfrozen', effectiveAt: command.effectiveAt, data: {} }];
    }
    case 'UpdateAccount': {
      const account = requireNotClosed(state);
      const data = {
        name: command.name ?? account.name,
        metadata: command.metadata === undefined ? account.metadata : command.metadata,
      };
      const unchanged = data.name === account.name && canonicalJson(data.metadata) === canonicalJson(account.metadata);
      return unchanged ? [] : [{ type: 'AccountUpdated', effectiveAt: command.effectiveAt, data }];
    }
    case 'ChangeMinimumBalance': {
      const account = requireNotClosed(state);
      const minimumBalance = boundOf(command.minimumBalance, account.currency, 'minimumBalance');
      checkBoundsOrder(minimumBalance, shown(account.maximumBalance, account.currency));
      return minimumBalance === shown(account.minimumBalance, account.currency)
        ? []
        : [{ type: 'MinimumBalanceChanged', effectiveAt: command.effectiveAt, data: { minimumBalance } }];
    }
    case 'ChangeMaximumBalance': {
      const account = requireNotClosed(state);
      const maximumBalance = boundOf(command.maximumBalance, account.currency, 'maximumBalance');
      checkBoundsOrder(shown(account.minimumBalance, account.currency), maximumBalance, 'maximumBalance');
      return maximumBalance === shown(account.maximumBalance, account.currency)
        ? []
        : [{ type: 'MaximumBalanceChanged', effectiveAt: command.effectiveAt, data: { maximumBalance } }];
    }
  }
}

/** A balance bound as sent → its canonical text at the currency scale (null: none). */
function boundOf(text: string | null, currency: Currency, field: string): string | null {
  return text === null ? null : formatAmount(parseSignedAmount(text, currency, field), currency.scale);
}

function shown(bound: Amount | null, currency: Currency): string | null {
  return bound === null ? null : formatAmount(bound, currency.scale);
}

/** The maximum may not lie below the minimum (equal pins the balance): no posting could ever satisfy both. */
function checkBoundsOrder(minimum: string | null, maximum: string | null, field = 'minimumBalance'): void {
  if (minimum !== null && maximum !== null && new Amount(maximum).lt(minimum))
    throw new ValidationError(field, `the maximum balance ${maximum} lies below the minimum balance ${minimum}`);
}

/** Lifecycle commands apply to an account that exists and is not closed (a closed account is final). */
function requireNotClosed(state: AccountState): OpenedAccount {
  if (!state.exists) throw new Error('invariant: the ledger must load an existing account first');
  if (state.status === 'CLOSED') throw new AccountClosed(state.code);
  return state;
}

function decideOpen(command: Extract<AccountCommand, { type: 'OpenAccount' }>, state: AccountState): AccountEvent[] {
  const currency = parseCurrency(command.currency);
  const minimumBalance = boundOf(command.minimumBalance, currency, 'minimumBalance');
  const maximumBalance = boundOf(command.maximumBalance, currency, 'maximumBalance');
  checkBoundsOrder(minimumBalance, maximumBalance, 'maximumBalance');
  const data: AccountOpenedData = {
    code: command.code,
    name: command.name,
    type: command.accountType,
    currency: currency.code,
    minimumBalance,
    ...(maximumBalance === null ? {} : { maximumBalance }),
    metadata: command.metadata,
  };
  if (state.exists) {
    // Opening is idempotent: the same fields again return the account unchanged.
    const same =
      canonicalJson(data) === canonicalJson(openedData(state)) &&
      (!command.effectiveAtGiven || command.effectiveAt === state.openedAt);
    if (same) return [];
    throw new AccountAlreadyExists(command.code);
  }
  return [{ type: 'AccountOpened', effectiveAt: command.effectiveAt, data }];
}

function openedData(state: OpenedAccount): AccountOpenedData {
  const maximumBalance = shown(state.maximumBalance, state.currency);
  return {
    code: state.code,
    name: state.name,
    type: state.type,
    currency: state.currency.code,
    minimumBalance: shown(state.minimumBalance, state.currency),
    ...(maximumBalance === null ? {} : { maximumBalance }),
    metadata: state.metadata,
  };
}

/**
 * An account that takes postings: it exists, is neither closed nor frozen. The one place this
 * rule is written: a transaction checks it leg by leg (transaction.ts), a hold's commit here.
 */
export function requirePostable(state: AccountState | undefined, code: string): OpenedAccount {
  if (!state?.exists) throw new AccountNotFound(code);
  if (state.status === 'CLOSED') throw new AccountClosed(code);
  if (state.status === 'FROZEN') throw new AccountFrozen(code);
  return state;
}

function requireOpen(state: AccountState): OpenedAccount {
  if (!state.exists) throw new Error('invariant: the ledger must load an existing account before posting to it');
  return requirePostable(state, state.code);
}

function decidePost(command: Extract<AccountCommand, { type: 'PostEntries' }>, state: OpenedAccount): AccountEvent[] {
  const legs = command.transaction.legs.filter((leg) => leg.account === state.code);
  if (legs.length === 0) throw new Error(`invariant: transaction has no leg for ${state.code}`);
  if (command.effectiveAt < state.openedAt) {
    throw new ValidationError(
      'effectiveAt',
      `${command.effectiveAt} is before account "${state.code}" was opened (${state.openedAt})`,
    );
  }
  checkBound(state, changeOf(state, command.transaction.legs), command.now, command);
  return [{ type: 'TransactionPosted', effectiveAt: command.effectiveAt, data: command.transaction }];
}

function decidePlaceHold(
  command: Extract<AccountCommand, { type: 'PlaceHold' }>,
  account: OpenedAccount,
): AccountEvent[] {
  checkBound(account, changeOf(account, command.transaction.legs), command.now, command);
  // A hold carries no exchanges (post-transaction.ts refuses them): HoldPlaced has no such field.
  const { exchanges: _none, ...record } = command.transaction;
  const data = { ...record, expiresAt: command.expiresAt };
  return [{ type: 'HoldPlaced', effectiveAt: command.effectiveAt, data }];
}

function decideCommitHold(
  command: Extract<AccountCommand, { type: 'CommitHold' }>,
  account: OpenedAccount,
): AccountEvent[] {
  const hold = liveHold(account, command.transactionId, command.now);
  checkCapture(hold.legs, command.legs);
  const legs = nonZero(command.legs);
  // Leg by leg as evolve will align them, so that what is decided here is what the state becomes.
  const aligned = alignToHold(hold.legs, legs);
  const left = legsMinus(hold.legs, aligned);
  // A capture that leaves nothing held settles the hold, whatever `final` says.
  const final = command.final !== false || allZero(left);
  // The hold's own reservation and inflow are what the commit spends: the bounds leave the hold
  // out (`spending`) and count, in its place, what is posted plus what stays held — a reservation
  // against the minimum, an inflow against the maximum — so its incoming never counts twice.
  const change = changeOf(account, legs).plus(final ? ZERO : changeOf(account, left));
  checkBound(account, change, command.now, command, command.transactionId);
  const data = {
    transactionId: command.transactionId,
    legs,
    final,
    captured: nonZero(legsPlus(hold.captured, aligned)),
  };
  return [{ type: 'HoldCommitted', effectiveAt: command.effectiveAt, data }];
}

/**
 * An adjustment: a lower hold releases the difference (always allowed, as a void is); a higher
 * one is checked as placing it would be, against what is available besides the hold itself.
 */
function decideAdjustHold(
  command: Extract<AccountCommand, { type: 'AdjustHold' }>,
  state: AccountState,
): AccountEvent[] {
  if (!state.exists) throw new Error('invariant: the ledger must load an existing account first');
  const hold = liveHold(state, command.transactionId, command.now);
  if (canonicalJson(hold.legs) === canonicalJson(command.legs)) return [];
  const raised = command.legs.some((leg, i) => new Amount(leg.amount).gt(hold.legs[i]!.amount));
  if (raised) {
    const account = requirePostable(state, state.code);
    // Leaving the hold out, its new legs as a whole: a larger reservation against the minimum,
    // a larger inflow against the maximum.
    checkBound(account, changeOf(account, command.legs), command.now, command, command.transactionId);
  }
  return [
    {
      type: 'HoldAdjusted',
      effectiveAt: command.effectiveAt,
      data: { transactionId: command.transactionId, legs: command.legs },
    },
  ];
}

/** The open hold a capture or an adjustment acts on: not settled, not expired at `now`. */
function liveHold(account: OpenedAccount, transactionId: string, now: string): OpenHold {
  const hold = account.holds[transactionId];
  if (!hold) throw new HoldNotPending(transactionId, 'not an open hold of this account');
  if (!holdIsLive(hold, now)) throw new HoldExpired(transactionId, hold.expiresAt!);
  return hold;
}

/**
 * What a hold holding these legs reserves (takes off the account's normal side) and brings in
 * (onto it): one of them is zero. Derived from the legs still held, so that adjustments and
 * captures in part move both with the legs.
 */
export function heldBy(
  account: Pick<OpenedAccount, 'code' | 'type'>,
  legs: readonly Leg[],
): Pick<OpenHold, 'reserved' | 'incoming'> {
  const change = changeOf(account, legs);
  return change.isNegative() ? { reserved: change.negated(), incoming: ZERO } : { reserved: ZERO, incoming: change };
}

/** The change the legs naming this account make to its normal-side balance. */
function changeOf(state: Pick<OpenedAccount, 'code' | 'type'>, legs: readonly Leg[]): Amount {
  return legs
    .filter((leg) => leg.account === state.code)
    .reduce((sum, leg) => sum.plus(signedOnNormalSide(state.type, leg)), ZERO);
}

/**
 * What the account can still give before its minimum, now: its balance, less inflows it records
 * for later, less what live holds reserve (but `spending`, the hold being committed). Null: no
 * minimum. Without a `now`, every hold reserves.
 */
export function canGive(state: OpenedAccount, now: string | undefined, later: Later, spending?: string): Amount | null {
  if (state.minimumBalance === null) return null;
  return balanceOf(state)
    .minus(later.notYetAvailable ?? ZERO)
    .minus(reservedAt(state, now, spending))
    .minus(state.minimumBalance);
}

/**
 * The highest the balance will stand, holds counted: its balance, plus what it holds above that
 * until outflows dated later leave, plus what live holds bring in (but `spending`'s).
 */
export function highestBalance(state: OpenedAccount, now: string | undefined, later: Later, spending?: string): Amount {
  return balanceOf(state)
    .plus(later.notYetGone ?? ZERO)
    .plus(incomingAt(state, now, spending));
}

/** What the account can still take before its maximum, now; null: no maximum. */
export function canTake(state: OpenedAccount, now: string | undefined, later: Later, spending?: string): Amount | null {
  if (state.maximumBalance === null) return null;
  return state.maximumBalance.minus(highestBalance(state, now, later, spending));
}

/**
 * The balance bounds: an outflow against the minimum (what the account can give now), an inflow
 * against the maximum (what the balance will be, holds counted). A change the other way is never
 * refused, even on an account already past a bound set later.
 */
function checkBound(
  state: OpenedAccount,
  change: Amount,
  now: string | undefined,
  later: Later,
  spending?: string,
): void {
  if (change.isNegative()) {
    const available = canGive(state, now, later, spending);
    if (available === null || !available.plus(change).isNegative()) return;
    throw new InsufficientFunds(
      state.code,
      formatAmount(Amount.max(available, 0), state.currency.scale),
      formatAmount(change.negated(), state.currency.scale),
    );
  }
  if (state.maximumBalance === null || change.isZero()) return;
  const resulting = highestBalance(state, now, later, spending).plus(change);
  if (resulting.gt(state.maximumBalance))
    throw new BalanceLimitExceeded(
      state.code,
      formatAmount(state.maximumBalance, state.currency.scale),
      formatAmount(resulting, state.currency.scale),
    );
}

function decideClose(command: Extract<AccountCommand, { type: 'CloseAccount' }>, state: AccountState): AccountEvent[] {
  if (!state.exists) throw new Error('invariant: the ledger must load an existing account before closing it');
  if (state.status === 'CLOSED') return []; // closing twice is a no-op, not an error
  const balance = balanceOf(state);
  if (!balance.isZero()) throw new AccountHasBalance(state.code, formatAmount(balance, state.currency.scale));
  const open = Object.keys(state.holds);
  if (open.length > 0) throw new AccountHasPendingHolds(state.code, open.length);
  return [{ type: 'AccountClosed', effectiveAt: command.effectiveAt, data: {} }];
}

export function evolve(state: AccountState, event: AccountEvent): AccountState {
  switch (event.type) {
    case 'AccountOpened': {
      const currency = parseCurrency(event.data.currency);
      return {
        exists: true,
        code: event.data.code,
        name: event.data.name,
        type: event.data.type,
        currency,
        status: 'OPEN',
        minimumBalance: event.data.minimumBalance === null ? null : new Amount(event.data.minimumBalance),
        maximumBalance: event.data.maximumBalance === undefined ? null : new Amount(event.data.maximumBalance),
        metadata: event.data.metadata,
        openedAt: event.effectiveAt,
        debits: ZERO,
        credits: ZERO,
        version: state.version + 1,
        holds: {},
      };
    }
    case 'TransactionPosted':
      return { ...posting(mustExist(state, event.type), event.data.legs), version: state.version + 1 };
    case 'HoldPlaced': {
      const opened = mustExist(state, event.type);
      const { legs } = event.data;
      const hold: OpenHold = {
        ...heldBy(opened, legs),
        expiresAt: event.data.expiresAt,
        legs,
        captured: legsMinus(legs, legs),
      };
      return { ...opened, holds: { ...opened.holds, [event.data.transactionId]: hold }, version: state.version + 1 };
    }
    case 'HoldAdjusted': {
      const opened = mustExist(state, event.type);
      const hold = opened.holds[event.data.transactionId]!;
      const adjusted = { ...hold, legs: event.data.legs, ...heldBy(opened, event.data.legs) };
      return withHold(opened, event.data.transactionId, adjusted, state.version + 1);
    }
    case 'HoldCommitted': {
      const opened = posting(mustExist(state, event.type), event.data.legs);
      const { transactionId, legs, final } = event.data;
      if (final) return withHold(opened, transactionId, null, state.version + 1);
      const hold = opened.holds[transactionId]!;
      const aligned = alignToHold(hold.legs, legs);
      const left = legsMinus(hold.legs, aligned);
      const next = {
        ...hold,
        legs: left,
        captured: legsPlus(hold.captured, aligned),
        ...heldBy(opened, left),
      };
      return withHold(opened, transactionId, next, state.version + 1);
    }
    case 'HoldExpired':
      return withHold(mustExist(state, event.type), event.data.transactionId, null, state.version + 1);
    case 'HoldVoided': {
      const { [event.data.transactionId]: _voided, ...holds } = mustExist(state, event.type).holds;
      return { ...mustExist(state, event.type), holds, version: state.version + 1 };
    }
    case 'TransactionMetadataUpdated':
      return { ...mustExist(state, event.type), version: state.version + 1 };
    case 'AccountClosed':
      return { ...mustExist(state, event.type), status: 'CLOSED', version: state.version + 1 };
    case 'AccountFrozen':
      return { ...mustExist(state, event.type), status: 'FROZEN', version: state.version + 1 };
    case 'AccountUnfrozen':
      return { ...mustExist(state, event.type), status: 'OPEN', version: state.version + 1 };
    case 'AccountUpdated':
      return {
        ...mustExist(state, event.type),
        name: event.data.name,
        metadata: event.data.metadata,
        version: state.version + 1,
      };
    case 'MinimumBalanceChanged': {
      const minimumBalance = event.data.minimumBalance === null ? null : new Amount(event.data.minimumBalance);
      return { ...mustExist(state, event.type), minimumBalance, version: state.version + 1 };
    }
    case 'MaximumBalanceChanged': {
      const maximumBalance = event.data.maximumBalance === null ? null : new Amount(event.data.maximumBalance);
      return { ...mustExist(state, event.type), maximumBalance, version: state.version + 1 };
    }
  }
}

/** The account with this hold replaced (null: removed, as a settled hold is), at `version`. */
function withHold(opened: OpenedAccount, id: string, hold: OpenHold | null, version: number): OpenedAccount {
  const { [id]: _old, ...holds } = opened.holds;
  return { ...opened, holds: hold === null ? holds : { ...holds, [id]: hold }, version };
}

/** The account's debits and credits once the legs naming it are posted. */
function posting(opened: OpenedAccount, legs: readonly Leg[]): OpenedAccount {
  let { debits, credits } = opened;
  for (const leg of legs) {
    if (leg.account !== opened.code) continue;
    if (leg.direction === 'DEBIT') debits = debits.plus(leg.amount);
    else credits = credits.plus(leg.amount);
  }
  return { ...opened, debits, credits };
}

/** The legs a posting event moves (TransactionPosted, HoldCommitted); null for every other event. */
export function postedLegs(event: AccountEvent): Leg[] | null {
  return event.type === 'TransactionPosted' || event.type === 'HoldCommitted' ? event.data.legs : null;
}

function mustExist(state: AccountState, type: string): OpenedAccount {
  if (!state.exists) throw new Error(`invariant: ${type} on an account that was never opened`);
  return state;
}

export function fold(events: Iterable<AccountEvent>, state: AccountState = initialState()): AccountState {
  let current = state;
  for (const event of events) current = evolve(current, event);
  return current;
}
