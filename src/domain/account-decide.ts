/**
 * The Account aggregate's decide: a command and the state → the events it records, or a typed
 * refusal. Pure; the bounds it checks are in account-bounds.ts.
 */
import {
  AccountAlreadyExists,
  AccountClosed,
  AccountFrozen,
  AccountHasBalance,
  AccountHasPendingHolds,
  AccountNotFound,
  HoldExpired,
  HoldNotPending,
  ValidationError,
} from './errors.js';
import { alignToHold, allZero, checkCapture, legsMinus, legsPlus, nonZero } from './hold-legs.js';
import { canonicalJson } from './json.js';
import { Amount, ZERO, formatAmount, parseCurrency, parseSignedAmount, type Currency } from './money.js';
import {
  type AccountState,
  type AccountCommand,
  type AccountEvent,
  type AccountOpenedData,
  type OpenedAccount,
  type OpenHold,
  balanceOf,
} from './account-model.js';
import { changeOf, checkBound, holdIsLive } from './account-bounds.js';

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

function decideClose(command: Extract<AccountCommand, { type: 'CloseAccount' }>, state: AccountState): AccountEvent[] {
  if (!state.exists) throw new Error('invariant: the ledger must load an existing account before closing it');
  if (state.status === 'CLOSED') return []; // closing twice is a no-op, not an error
  const balance = balanceOf(state);
  if (!balance.isZero()) throw new AccountHasBalance(state.code, formatAmount(balance, state.currency.scale));
  const open = Object.keys(state.holds);
  if (open.length > 0) throw new AccountHasPendingHolds(state.code, open.length);
  return [{ type: 'AccountClosed', effectiveAt: command.effectiveAt, data: {} }];
}
