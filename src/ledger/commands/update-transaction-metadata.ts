/**
 * updateTransactionMetadata: sets and unsets paths of a transaction's metadata (issue 19, point 3).
 * The change is an event on every account the transaction touches, so the metadata as known at
 * any position can be read back. A change that leaves the metadata as it is writes nothing.
 */
import { canonicalJson } from '../../domain/json.js';
import { ConcurrencyConflict, TransactionNotFound, ValidationError } from '../../domain/errors.js';
import { decideJournal } from '../../domain/journal.js';
import type { JsonObject } from '../../domain/json.js';
import { applyMetadataChange, checkMetadataChange } from '../../domain/metadata.js';
import { effectiveAtOf, type Command, type CommandEnv } from '../pipeline.js';
import { getTransaction } from '../queries.js';
import { transactionById } from './named.js';

export interface UpdateTransactionMetadataInput {
  transactionId: string;
  /** Path → value ("customer.id": "c-1"). */
  set?: unknown;
  unset?: readonly string[] | null;
}

export const updateTransactionMetadataErrors = [ValidationError, TransactionNotFound, ConcurrencyConflict] as const;

/** Resolves to the transaction's id. */
export async function updateTransactionMetadata(
  input: UpdateTransactionMetadataInput,
  env: CommandEnv,
): Promise<Command<JsonObject | null>> {
  const change = checkMetadataChange(input.set, input.unset);
  const transaction = await transactionById(env.db, input.transactionId);
  const accounts = [...new Set(transaction.legs.map((leg) => leg.account))];
  const effectiveAt = effectiveAtOf(env, null);
  return {
    name: 'updateTransactionMetadata',
    idempotency: null,
    accounts,
    transactionId: transaction.id,
    answer: transaction.id,
    // The change applies to the metadata as it is in the write transaction (staged changes of the
    // same group included), never to the copy read before queueing: two updates never lose one.
    readsOwnWrites: true,
    read: async (session) => {
      await session.flush();
      return (await getTransaction(session.trx, transaction.id))!.metadata;
    },
    decide: (states, current) => {
      const metadata = applyMetadataChange(current, change);
      if (canonicalJson(metadata) === canonicalJson(current)) return new Map();
      const update = { transactionId: transaction.id, set: change.set as JsonObject, unset: change.unset, metadata };
      return decideJournal({ type: 'UpdateTransactionMetadata', update, accounts, effectiveAt }, states);
    },
  };
}
