/**
 * reverseTransaction: a posted transaction's exact opposite legs, effective by default when the
 * original was, linked both ways (the reversal's `reverses`; the original's `reversedBy`) and
 * caused by it. A transaction is reversed at most once.
 */
import {
  HoldNotPending,
  TransactionAlreadyReversed,
  TransactionNotFound,
  TransactionPending,
  ValidationError,
} from '../../domain/errors.js';
import type { NotYetAvailable } from '../../domain/journal.js';
import { checkIdempotencyKey } from '../../domain/limits.js';
import type { EntryInput } from '../../domain/transaction.js';
import { findIdempotency } from '../../store/idempotency.js';
import { fingerprintFor, replay, type Command, type CommandEnv, type Settled } from '../pipeline.js';
import { reversalOf } from '../queries.js';
import { transactionById } from './named.js';
import { movingErrors, posting } from './post-transaction.js';

export interface ReverseTransactionInput {
  idempotencyKey: string;
  transactionId: string;
  /** Default: the original's effective time. */
  effectiveAt?: string | null;
  /** Default: "Reversal of <id>: <original description>". */
  description?: string | null;
  metadata?: unknown;
}

export const reverseTransactionErrors = [
  ValidationError,
  TransactionNotFound,
  TransactionAlreadyReversed,
  TransactionPending,
  HoldNotPending,
  ...movingErrors,
] as const;

export async function reverseTransaction(
  input: ReverseTransactionInput,
  env: CommandEnv,
): Promise<Command<NotYetAvailable> | Settled> {
  // A retry gets the first reversal; a new request on a reversed transaction is told so before
  // any other rule (checkNamed, under the write lock, still settles a race).
  const previous = await findIdempotency(env.db, checkIdempotencyKey(input.idempotencyKey));
  if (previous) return { settled: replay(previous, fingerprintFor('reverseTransaction', input)) };
  const original = await transactionById(env.db, input.transactionId);
  if (original.status === 'PENDING') throw new TransactionPending(original.id);
  if (original.status === 'VOIDED') throw new HoldNotPending(original.id, 'voided: it posted nothing to reverse');
  if (original.status === 'EXPIRED') throw new HoldNotPending(original.id, 'expired: it is not a posted transaction');
  const reversedBy = await reversalOf(env.db, original.id);
  if (reversedBy) throw new TransactionAlreadyReversed(original.id, reversedBy);
  const entries: EntryInput[] = original.legs.map((leg) => ({
    account: leg.account,
    direction: leg.direction === 'DEBIT' ? 'CREDIT' : 'DEBIT',
    amount: leg.amount,
    currency: leg.currency,
  }));
  return posting(
    {
      idempotencyKey: input.idempotencyKey,
      entries,
      effectiveAt: input.effectiveAt ?? original.effectiveAt,
      // Cut by code points, not UTF-16 units: half a surrogate pair is not text.
      description:
        input.description ??
        Array.from(`Reversal of ${original.id}${original.description ? `: ${original.description}` : ''}`)
          .slice(0, 1000)
          .join(''),
      metadata: input.metadata,
    },
    env,
    {
      name: 'reverseTransaction',
      fingerprintOf: input,
      reverses: original.id,
      checkNamed: async (session) => {
        // The reversals staged in this transaction so far must be in the table to be seen.
        await session.flush();
        const by = await reversalOf(session.trx, original.id);
        if (by) throw new TransactionAlreadyReversed(original.id, by);
      },
    },
  );
}
