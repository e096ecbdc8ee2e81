/** transfer: a two-leg posting with explicit sides — debit one account, credit the other. */
import { ValidationError } from '../../domain/errors.js';
import type { NotYetAvailable } from '../../domain/journal.js';
import type { EntryInput } from '../../domain/transaction.js';
import type { Command, CommandEnv } from '../pipeline.js';
import { posting } from './post-transaction.js';

export interface TransferInput {
  idempotencyKey: string;
  debitAccount: string;
  creditAccount: string;
  amount: string;
  currency?: string | null;
  effectiveAt?: string | null;
  description?: string | null;
  metadata?: unknown;
  /** Move as much of `amount` as the balance bounds let through (at least something). */
  upTo?: boolean | null;
}

/** A transfer answers as a posting does (postTransactionErrors). */
export function transfer(input: TransferInput, env: CommandEnv): Command<NotYetAvailable> {
  if (input.debitAccount === input.creditAccount) {
    throw new ValidationError('creditAccount', 'a transfer needs two different accounts');
  }
  const leg = (account: string, direction: 'DEBIT' | 'CREDIT'): EntryInput => ({
    account,
    direction,
    amount: input.amount,
    currency: input.currency ?? null,
  });
  return posting(
    {
      idempotencyKey: input.idempotencyKey,
      entries: [leg(input.debitAccount, 'DEBIT'), leg(input.creditAccount, 'CREDIT')],
      effectiveAt: input.effectiveAt,
      description: input.description,
      metadata: input.metadata,
    },
    env,
    { name: 'transfer', fingerprintOf: input, upTo: input.upTo === true },
  );
}
