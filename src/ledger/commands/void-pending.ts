/**
 * voidPending: releases a hold without posting. Voiding a voided hold changes nothing, nor does
 * voiding one whose expiry the sweeper already recorded (it released everything then).
 */
import { ConcurrencyConflict, HoldNotPending, TransactionNotFound, ValidationError } from '../../domain/errors.js';
import { decideJournal } from '../../domain/journal.js';
import { effectiveAtOf, type Command, type CommandEnv, type Settled } from '../pipeline.js';
import { getTransaction } from '../queries.js';
import { holdAccounts, transactionById } from './named.js';

export const voidPendingErrors = [ValidationError, TransactionNotFound, HoldNotPending, ConcurrencyConflict] as const;

/** Resolves to the hold's id; `voidedMeanwhile` (step 5) is whether a concurrent void came first. */
export async function voidPending(
  input: { transactionId: string },
  env: CommandEnv,
): Promise<Command<boolean> | Settled> {
  const original = await transactionById(env.db, input.transactionId);
  if (original.status === 'VOIDED' || original.status === 'EXPIRED') return { settled: original.id };
  if (original.status !== 'PENDING') throw new HoldNotPending(original.id, original.status.toLowerCase());
  const effectiveAt = effectiveAtOf(env, null);
  const accounts = holdAccounts(original);
  return {
    name: 'voidPending',
    idempotency: null,
    accounts,
    transactionId: original.id,
    answer: original.id,
    readsOwnWrites: true,
    // A concurrent void may have come first (same group, or just before): then this one changes
    // nothing, as one by one it would. Only a hold no longer open needs its status read (staged
    // rows included); the usual void reads nothing more.
    read: async (session, states) => {
      const state = states.get(accounts[0]!)!;
      if (state.exists && state.holds[original.id]) return false;
      await session.flush();
      const status = (await getTransaction(session.trx, original.id))?.status;
      return status === 'VOIDED' || status === 'EXPIRED';
    },
    decide: (states, voidedMeanwhile) =>
      voidedMeanwhile
        ? new Map()
        : decideJournal({ type: 'VoidHold', transactionId: original.id, accounts, effectiveAt }, states),
  };
}
