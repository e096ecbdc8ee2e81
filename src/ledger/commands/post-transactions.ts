/**
 * postTransactions: up to MAX_BATCH transactions in ONE durable commit, in order, each seeing
 * the ones before it. Atomic: all or nothing — the first refusal aborts the batch and nothing is
 * written. Otherwise each refused transaction fails alone and the others commit together. Each
 * keeps its own idempotency key: a retried batch returns the first results.
 */
import { BatchItemNotPosted, ConcurrencyConflict, LedgerError } from '../../domain/errors.js';
import type { NotYetAvailable } from '../../domain/journal.js';
import { checkBatchSize } from '../../domain/limits.js';
import { breathe } from '../../slices.js';
import type { CommandContext } from '../context.js';
import { runCommand, type Command, type CommandEnv } from '../pipeline.js';
import type { WriteSession } from '../write-session.js';
import { posting, postTransactionErrors, type PostTransactionInput } from './post-transaction.js';

/** One transaction of a batch: its id (the first one, on a retry) or why it was not posted. */
export type BatchResult =
  | { transactionId: string; error?: undefined }
  | { transactionId?: undefined; error: LedgerError };

/** What an item of a batch can answer instead of its transaction (it runs alone: no concurrency conflict). */
export const batchItemErrors = [
  ...postTransactionErrors.filter((e) => e !== ConcurrencyConflict),
  BatchItemNotPosted,
] as const;

type Item = { command: Command<NotYetAvailable>; error?: undefined } | { command?: undefined; error: LedgerError };

/** A batch whose every item passed step 1, or a non-atomic one with its refused items marked. */
export interface Batch {
  items: Item[];
  atomic: boolean;
  /** The idempotency keys the group commit reads ahead. */
  keys: string[];
}

/** Step 1 for every item (yielding between them: a batch can be long), or an atomic batch's early answer. */
export async function postTransactions(
  inputs: PostTransactionInput[],
  env: CommandEnv,
  options: { atomic: boolean },
): Promise<Batch | { settled: BatchResult[] }> {
  checkBatchSize(inputs);
  const items: Item[] = [];
  for (const input of inputs) {
    await breathe();
    try {
      items.push({ command: posting(input, env, { name: 'postTransaction', fingerprintOf: input }) });
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      items.push({ error });
    }
  }
  const refused = items.findIndex((item) => item.error);
  if (options.atomic && refused >= 0) return { settled: abortedBatch(items.length, refused, items[refused]!.error!) };
  const keys = items.flatMap((item) => (item.command?.idempotency ? [item.command.idempotency.key] : []));
  return { items, atomic: options.atomic, keys };
}

/**
 * Inside the batch's own transaction (alone: an atomic batch must be able to roll back all of
 * itself): each item decides against the state the ones before it left; all share one recorded time.
 */
export async function runBatch(session: WriteSession, batch: Batch, ctx: CommandContext): Promise<BatchResult[]> {
  const results: BatchResult[] = [];
  for (const [index, item] of batch.items.entries()) {
    await breathe();
    if (item.error) {
      results.push({ error: item.error });
      continue;
    }
    try {
      results.push({ transactionId: (await runCommand(session, item.command, ctx)) ?? item.command.answer });
    } catch (error) {
      // Every refusal comes before the item stages anything: a refused item leaves no trace.
      if (!(error instanceof LedgerError)) throw error;
      if (batch.atomic) throw new BatchAborted(index, error);
      results.push({ error });
    }
  }
  return results;
}

/** An atomic batch of `length` items rolled back (BatchAborted): each item's answer. Anything else is thrown on. */
export function answerAborted(error: unknown, length: number): BatchResult[] {
  if (error instanceof BatchAborted) return abortedBatch(length, error.index, error.cause);
  throw error;
}

/** Thrown inside an atomic batch's transaction to roll it back, naming the item at fault. */
export class BatchAborted extends Error {
  constructor(
    readonly index: number,
    override readonly cause: LedgerError,
  ) {
    super(`batch item ${index}: ${cause.message}`);
  }
}

/** An atomic batch that failed: the item's own error, and "not posted" for every other. */
function abortedBatch(length: number, index: number, cause: LedgerError): BatchResult[] {
  return Array.from({ length }, (_, i) => ({ error: i === index ? cause : new BatchItemNotPosted(index) }));
}
