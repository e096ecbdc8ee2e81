/**
 * The Account aggregate's vocabulary: its types, events, commands and state, and the balance
 * arithmetic every other part of it shares (account.ts gathers the whole aggregate).
 */
import type { Exchange } from './exchanges.js';
import type { JsonObject } from './json.js';
import { Amount, type Currency } from './money.js';

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
