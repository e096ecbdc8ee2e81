/**
 * The journal as a pure decider over several accounts: one command in, the events of every
 * account it touches out. Each account still rules on its own legs (account.ts); what spans
 * accounts — the legs balance, every leg's account takes the posting, a hold moves on all of its
 * accounts at once — is decided here, once, with no I/O.
 */
import {
  canGive,
  canTake,
  decide,
  holdIsLive,
  signedOnNormalSide,
  type AccountCommand,
  type AccountEvent,
  type AccountState,
  type Later,
  type OpenedAccount,
  type TransactionRecord,
  type Leg,
  type TransactionMetadataUpdate,
} from './account.js';
import { checkConditions, checkExpectedVersions, type BalanceCondition, type ExpectedVersion } from './conditions.js';
import { AccountNotFound, BalanceLimitExceeded, HoldExpired, HoldNotPending, InsufficientFunds } from './errors.js';
import { legsAsked, type HoldAmounts } from './hold-amounts.js';
import { Amount, formatAmount } from './money.js';
import { buildTransaction, type PostingInput } from './transaction.js';

/** The events each account's stream gets; an account with none is left alone. */
export type Decisions = Map<string, AccountEvent[]>;

/** What the balance bounds read from postings dated later, per account (ledger/queries.ts). */
export type NotYetAvailable = ReadonlyMap<string, Later>;

export type JournalCommand =
  /** Opening, or a lifecycle change of one existing account. */
  | { type: 'OnAccount'; code: string; command: AccountCommand }
  /** A posting or, pending, a hold. */
  | {
      type: 'Post';
      posting: PostingInput;
      pending: boolean;
      expiresAt: string | null;
      effectiveAt: string;
      now: string;
      notYetAvailable: NotYetAvailable;
      /** Bounds on the balances the posting would leave (conditions.ts). */
      conditions?: readonly BalanceCondition[] | null;
      /** The stream versions the client read: any other refuses the posting. */
      expectedVersions?: readonly ExpectedVersion[] | null;
      /** A transfer "up to" its amount: its two legs move as much as the bounds let through. */
      upTo?: boolean;
    }
  /** A capture of what `amounts` names (null: everything held); `final` releases the rest. */
  | {
      type: 'CommitHold';
      transactionId: string;
      accounts: string[];
      amounts: HoldAmounts;
      final: boolean;
      effectiveAt: string;
      now: string;
      notYetAvailable: NotYetAvailable;
    }
  /** The hold raised or lowered to what `amounts` names (legs not named keep what they hold). */
  | {
      type: 'AdjustHold';
      transactionId: string;
      accounts: string[];
      amounts: Exclude<HoldAmounts, null>;
      effectiveAt: string;
      now: string;
      notYetAvailable: NotYetAvailable;
    }
  | { type: 'VoidHold'; transactionId: string; accounts: string[]; effectiveAt: string }
  /** The sweeper: `now` is the sweep's recorded time, `effectiveAt` the hold's expiresAt. */
  | { type: 'ExpireHold'; transactionId: string; accounts: string[]; effectiveAt: string; now: string }
  /** `accounts`: every account the transaction touches; each stream records the change. */
  | { type: 'UpdateTransactionMetadata'; update: TransactionMetadataUpdate; accounts: string[]; effectiveAt: string };

/** `states` holds every account the command names (loaded, or the initial state of one never opened). */
export function decideJournal(command: JournalCommand, states: ReadonlyMap<string, AccountState>): Decisions {
  switch (command.type) {
    case 'OnAccount': {
      const state = states.get(command.code)!;
      if (!state.exists && command.command.type !== 'OpenAccount') throw new AccountNotFound(command.code);
      return new Map([[command.code, decide(command.command, state)]]);
    }
    case 'Post': {
      checkExpectedVersions(command.expectedVersions, states);
      const asked = buildTransaction(command.posting, states);
      const transaction = command.upTo ? upTo(command, asked, states) : asked;
      const { effectiveAt, now, expiresAt } = command;
      const decisions = eachAccount(
        transaction.legs.map((leg) => leg.account),
        states,
        (code): AccountCommand => {
          const later = command.notYetAvailable.get(code);
          return command.pending
            ? { type: 'PlaceHold', transaction, expiresAt, effectiveAt, now, ...later }
            : { type: 'PostEntries', transaction, effectiveAt, now, ...later };
        },
      );
      checkConditions(command.conditions, states, decisions, now);
      return decisions;
    }
    case 'CommitHold':
    case 'AdjustHold': {
      // A capture names what it posts (a leg not named: nothing); an adjustment what stays held.
      const capture = command.type === 'CommitHold';
      const legs = legsAsked(heldLegs(command, states), command.amounts, capture ? 'zero' : 'keep');
      const { transactionId, effectiveAt, now } = command;
      return eachAccount(command.accounts, states, (code): AccountCommand => {
        const common = { transactionId, legs, effectiveAt, now, ...command.notYetAvailable.get(code) };
        return capture ? { type: 'CommitHold', ...common, final: command.final } : { type: 'AdjustHold', ...common };
      });
    }
    case 'ExpireHold': {
      const { transactionId, effectiveAt, now } = command;
      return eachAccount(command.accounts, states, () => ({ type: 'ExpireHold', transactionId, effectiveAt, now }));
    }
    case 'VoidHold': {
      const { transactionId, effectiveAt } = command;
      return eachAccount(command.accounts, states, () => ({ type: 'VoidHold', transactionId, effectiveAt }));
    }
    case 'UpdateTransactionMetadata': {
      const { update, effectiveAt } = command;
      return eachAccount(command.accounts, states, () => ({ type: 'UpdateTransactionMetadata', update, effectiveAt }));
    }
  }
}

/**
 * What the hold holds now, leg by leg, as its accounts' states record it (each stream has every
 * leg). Read under the write lock, so two captures racing see each other's result.
 */
function heldLegs(
  command: { transactionId: string; accounts: string[]; now: string },
  states: ReadonlyMap<string, AccountState>,
): Leg[] {
  const state = states.get(command.accounts[0]!);
  const hold = state?.exists ? state.holds[command.transactionId] : undefined;
  if (!hold) throw new HoldNotPending(command.transactionId, 'not an open hold');
  if (!holdIsLive(hold, command.now)) throw new HoldExpired(command.transactionId, hold.expiresAt!);
  return hold.legs;
}

/** Each distinct account, in the order first named, decides its own part. */
function eachAccount(
  codes: readonly string[],
  states: ReadonlyMap<string, AccountState>,
  commandFor: (code: string) => AccountCommand,
): Decisions {
  const decisions: Decisions = new Map();
  for (const code of new Set(codes)) decisions.set(code, decide(commandFor(code), states.get(code)!));
  return decisions;
}

/**
 * A transfer "up to" its amount: the smaller of the amount and what every leg's account lets
 * through — what the account giving can give before its minimum, what the account taking can
 * take before its maximum, holds counted (account.ts). Nothing at all → the refusal of the bound
 * that lets nothing through (InsufficientFunds for the minimum, BalanceLimitExceeded for the maximum).
 */
function upTo(
  command: Extract<JournalCommand, { type: 'Post' }>,
  asked: TransactionRecord,
  states: ReadonlyMap<string, AccountState>,
): TransactionRecord {
  const amount = new Amount(asked.legs[0]!.amount);
  let moved = amount;
  for (const leg of asked.legs) {
    const state = states.get(leg.account) as OpenedAccount;
    const later = command.notYetAvailable.get(leg.account) ?? {};
    const giving = signedOnNormalSide(state.type, leg).isNegative();
    const room = giving ? canGive(state, command.now, later) : canTake(state, command.now, later);
    if (room === null) continue;
    const scale = state.currency.scale;
    if (room.lte(0)) {
      if (giving) throw new InsufficientFunds(leg.account, formatAmount(Amount.max(room, 0), scale), leg.amount);
      throw new BalanceLimitExceeded(
        leg.account,
        formatAmount(state.maximumBalance!, scale),
        formatAmount(state.maximumBalance!.minus(room).plus(amount), scale),
      );
    }
    moved = Amount.min(moved, room);
  }
  if (moved.eq(amount)) return asked;
  const { scale } = (states.get(asked.legs[0]!.account) as OpenedAccount).currency;
  const entries = command.posting.entries.map((entry) => ({ ...entry, amount: formatAmount(moved, scale) }));
  return buildTransaction({ ...command.posting, entries }, states);
}
