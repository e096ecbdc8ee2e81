/**
 * commitPending: posts a hold's legs in full, or every leg at `amount` (the rest is released),
 * effective now by default. Refused once the hold expired, was committed or voided.
 */
import {
  HoldExpired,
  HoldNotPending,
  InvalidAmount,
  TransactionNotFound,
  ValidationError,
} from '../../domain/errors.js';
import { decideJournal, type NotYetAvailable } from '../../domain/journal.js';
import { checkIdempotencyKey } from '../../domain/limits.js';
import { Amount, formatAmount, parseCurrency, parsePositiveAmount } from '../../domain/money.js';
import { findIdempotency } from '../../store/idempotency.js';
import { effectiveAtOf, fingerprintFor, replay, type Command, type CommandEnv, type Settled } from '../pipeline.js';
import type { TransactionView } from '../queries.js';
import { pendingHold } from './named.js';
import { movingErrors, notYetAvailableNow } from './post-transaction.js';

export interface CommitPendingInput {
  idempotencyKey: string;
  transactionId: string;
  /** Commit part of the hold: every leg at this amount (the hold's legs must share one amount); default: in full. */
  amount?: string | null;
  /** Default: now. */
  effectiveAt?: string | null;
}

export const commitPendingErrors = [
  ValidationError,
  TransactionNotFound,
  HoldNotPending,
  HoldExpired,
  InvalidAmount,
  ...movingErrors,
] as const;

export async function commitPending(
  input: CommitPendingInput,
  env: CommandEnv,
): Promise<Command<NotYetAvailable> | Settled> {
  const idempotencyKey = checkIdempotencyKey(input.idempotencyKey);
  const fingerprint = fingerprintFor('commitPending', input);
  // A retry after the commit finds the hold posted: it gets the first result, not HoldNotPending.
  const previous = await findIdempotency(env.db, idempotencyKey);
  if (previous) return { settled: replay(previous, fingerprint) };
  const hold = await pendingHold(env.db, input.transactionId);
  const effectiveAt = effectiveAtOf(env, input.effectiveAt);
  const legs = committedLegs(hold, input.amount);
  return {
    name: 'commitPending',
    idempotency: { key: idempotencyKey, fingerprint },
    accounts: legs.map((leg) => leg.account),
    transactionId: hold.id,
    answer: hold.id,
    read: (session, states) => notYetAvailableNow(session, states, env),
    decide: (states, notYetAvailable) =>
      decideJournal(
        {
          type: 'CommitHold',
          transactionId: hold.id,
          legs,
          effectiveAt,
          now: env.clock().toISOString(),
          notYetAvailable,
        },
        states,
      ),
    effectiveAt,
  };
}

/** The hold's legs at the amount committed: in full, or every leg at `amount` (at most the one held). */
function committedLegs(hold: TransactionView, amount: string | null | undefined) {
  const legs = hold.legs.map((leg) => ({ ...leg }));
  if (amount == null) return legs;
  if (new Set(hold.legs.map((leg) => leg.amount)).size !== 1) {
    throw new ValidationError(
      'amount',
      'a partial commit needs a hold whose legs share one amount; this one has several',
    );
  }
  const held = new Amount(hold.legs[0]!.amount);
  const currency = parseCurrency(hold.legs[0]!.currency);
  const committed = parsePositiveAmount(amount, currency);
  if (committed.gt(held)) throw new InvalidAmount(amount, `more than the ${hold.legs[0]!.amount} held`);
  for (const leg of legs) leg.amount = formatAmount(committed, currency.scale);
  return legs;
}
