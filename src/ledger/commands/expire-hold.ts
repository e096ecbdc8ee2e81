/**
 * expireHold: the sweeper's command (hold-sweeper.ts). Appends HoldExpired to every account of a
 * hold whose expiresAt has passed, through the ledger's write path like any command: decided under
 * the write lock against the accounts' states, so a hold already expired, committed or voided —
 * by another sweeper, in this process or another — is left alone (exactly once). Effective at the
 * hold's expiresAt; recorded at the commit, which is at or after the session's time, which the
 * decision checks is at or after expiresAt. No period check: it moves no posted balance.
 */
import { decideJournal } from '../../domain/journal.js';
import type { Command, CommandEnv, Settled } from '../pipeline.js';
import { holdAccounts, transactionById } from './named.js';

/** Resolves to the hold's id; `now` (step 5) is the recorded time of the write transaction. */
export async function expireHold(transactionId: string, env: CommandEnv): Promise<Command<string> | Settled> {
  const hold = await transactionById(env.db, transactionId);
  if (hold.status !== 'PENDING' || hold.expiresAt === null) return { settled: hold.id };
  const accounts = holdAccounts(hold);
  const effectiveAt = hold.expiresAt;
  return {
    name: 'expireHold',
    idempotency: null,
    accounts,
    transactionId: hold.id,
    answer: hold.id,
    read: async (session) => session.recordedAt.toISOString(),
    decide: (states, now) =>
      decideJournal({ type: 'ExpireHold', transactionId: hold.id, accounts, effectiveAt, now }, states),
  };
}
