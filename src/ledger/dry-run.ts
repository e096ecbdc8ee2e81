/**
 * Dry runs (issue 20, point 6): a command decided exactly as it would be — alone, under the write
 * lock, against the state every acknowledged command left — in a write transaction that is then
 * rolled back (group-commit.ts): no event, no idempotency record, nothing in the cache. The
 * answer is what the command would have written, and the accounts as it would have left them.
 */
import type { AccountState } from '../domain/account.js';
import { accountCodeOf, isAccountStream } from '../events/streams.js';
import type { BatchResult } from './commands/post-transactions.js';
import type { CommandContext } from './context.js';
import { runCommand, type Command } from './pipeline.js';
import { getTransaction, type TransactionView } from './queries.js';
import type { WriteSession } from './write-session.js';

export interface Rehearsal {
  /** Its idempotency key was used before: a real call would answer the first result, write nothing. */
  replayed: boolean;
  /** The transaction it answers with, as it would stand (read before the rollback); on a retry, the first one. */
  transaction: TransactionView | null;
  /** Each account it names, as it would stand afterwards (the same as now when replayed). */
  accounts: Map<string, AccountState>;
}

/**
 * Runs `command` in a dry run's session (its caller rolls the transaction back) and reads what it
 * answers with inside that transaction, once what it staged is flushed: the read models say it.
 */
export async function rehearse<Read>(
  session: WriteSession,
  command: Command<Read>,
  ctx: CommandContext,
): Promise<Rehearsal> {
  const replayed = await runCommand(session, command, ctx);
  await session.flush();
  return {
    replayed: replayed !== null,
    transaction: (await getTransaction(session.trx, replayed ?? command.answer)) ?? null,
    accounts: await session.accounts(command.accounts),
  };
}

/** What a batch would do: each result, and what it names as it would stand (read before the rollback). */
export interface BatchRehearsal {
  results: BatchResult[];
  /** Each transaction a result names, as the batch would leave it. */
  transactions: Map<string, TransactionView>;
  /** Each account the batch would append to, as it would stand afterwards. */
  accounts: Map<string, AccountState>;
}

/** Reads a dry-run batch's results inside its transaction, once what it staged is flushed. */
export async function rehearsedBatch(session: WriteSession, results: BatchResult[]): Promise<BatchRehearsal> {
  await session.flush();
  const transactions = new Map<string, TransactionView>();
  for (const { transactionId } of results) {
    if (transactionId === undefined || transactions.has(transactionId)) continue;
    const view = await getTransaction(session.trx, transactionId);
    if (view) transactions.set(transactionId, view);
  }
  const codes = new Set(
    session.appended.filter((e) => isAccountStream(e.streamId)).map((e) => accountCodeOf(e.streamId)),
  );
  return { results, transactions, accounts: await session.accounts(codes) };
}
