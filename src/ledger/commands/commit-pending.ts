/**
 * commitPending: captures a hold — in full, every leg at `amount`, or leg by leg (`legs`) —
 * effective now by default. A final capture (the default) releases the rest; `final: false`
 * leaves it held for further captures. Refused once the hold expired, was committed or voided.
 * What is captured is decided under the write lock against the hold as its accounts hold it,
 * so captures racing each other never take more than is held.
 */
import {
  HoldExpired,
  HoldNotPending,
  InvalidAmount,
  TransactionNotFound,
  UnbalancedTransaction,
  ValidationError,
} from '../../domain/errors.js';
import { holdAmountsOf, type HoldAmounts } from '../../domain/hold-amounts.js';
import { decideJournal, type JournalCommand, type NotYetAvailable } from '../../domain/journal.js';
import { checkIdempotencyKey } from '../../domain/limits.js';
import { findIdempotency } from '../../store/idempotency.js';
import { effectiveAtOf, fingerprintFor, replay, type Command, type CommandEnv, type Settled } from '../pipeline.js';
import { holdAccounts, pendingHold } from './named.js';
import { movingErrors, notYetAvailableNow } from './post-transaction.js';

/** One leg of a hold and an amount on it (a capture's or an adjustment's). */
export interface HoldLegInput {
  account: string;
  amount: string;
}

export interface CommitPendingInput {
  idempotencyKey: string;
  transactionId: string;
  /** Capture every leg at this amount (the hold's legs must share one amount); default: everything held. */
  amount?: string | null;
  /** Capture leg by leg (instead of amount): legs not named capture nothing. */
  legs?: HoldLegInput[] | null;
  /** Default true: the rest is released. false: the rest stays held for further captures. */
  final?: boolean | null;
  /** Default: now. */
  effectiveAt?: string | null;
}

/** What a command on an open hold's amounts (a capture, an adjustment) refuses before its accounts decide. */
export const holdAmountErrors = [
  ValidationError,
  TransactionNotFound,
  HoldNotPending,
  HoldExpired,
  InvalidAmount,
  UnbalancedTransaction,
] as const;

export const commitPendingErrors = [...holdAmountErrors, ...movingErrors] as const;

export async function commitPending(
  input: CommitPendingInput,
  env: CommandEnv,
): Promise<Command<NotYetAvailable> | Settled> {
  const idempotencyKey = checkIdempotencyKey(input.idempotencyKey);
  const fingerprint = fingerprintFor('commitPending', input);
  const amounts: HoldAmounts = holdAmountsOf(input);
  // A retry after the commit finds the hold posted: it gets the first result, not HoldNotPending.
  const previous = await findIdempotency(env.db, idempotencyKey);
  if (previous) return { settled: replay(previous, fingerprint) };
  const effectiveAt = effectiveAtOf(env, input.effectiveAt);
  const final = input.final !== false;
  const command = await onOpenHold(env, input.transactionId, (common) => ({
    type: 'CommitHold',
    ...common,
    amounts,
    final,
    effectiveAt,
  }));
  // A capture moves money: the period lock applies to its effective time.
  return { ...command, name: 'commitPending', idempotency: { key: idempotencyKey, fingerprint }, effectiveAt };
}

/** What every command on an open hold shares: its accounts, and when it is decided. */
type HoldCommon = Pick<
  Extract<JournalCommand, { type: 'CommitHold' }>,
  'transactionId' | 'accounts' | 'now' | 'notYetAvailable'
>;

/**
 * A command on a hold still open (a capture, an adjustment): it loads every account of the hold
 * and, under the write lock, what they receive later (the balance bound leaves it aside).
 */
export async function onOpenHold(
  env: CommandEnv,
  transactionId: string,
  journal: (common: HoldCommon) => JournalCommand,
): Promise<Command<NotYetAvailable>> {
  const hold = await pendingHold(env.db, transactionId);
  const accounts = holdAccounts(hold);
  return {
    name: 'onOpenHold',
    idempotency: null,
    accounts,
    transactionId: hold.id,
    answer: hold.id,
    read: (session, states) => notYetAvailableNow(session, states, env),
    decide: (states, notYetAvailable) =>
      decideJournal(
        journal({ transactionId: hold.id, accounts, now: env.clock().toISOString(), notYetAvailable }),
        states,
      ),
  };
}
