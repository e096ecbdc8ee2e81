/**
 * executeBatch (issue 20, point 5): several kinds of operation — post, transfer, commitPending,
 * adjustPending, voidPending, reverseTransaction — in order, in ONE write transaction, each seeing the ones
 * before it. An operation may name the transaction of an earlier one by that one's `ref`
 * (a hold placed, then committed, in the same batch). Atomic: all or nothing, the first refusal
 * names its index (as postTransactions). Otherwise each refused operation fails alone.
 *
 * Operations that name a transaction are built inside the transaction (their builders read the
 * hold or the original), after what the batch staged so far is flushed, so they see it.
 */
import { LedgerError, ValidationError } from '../../domain/errors.js';
import { LIMITS, MAX_BATCH, MAX_BATCH_LEGS } from '../../domain/limits.js';
import { breathe } from '../../slices.js';
import type { CommandContext } from '../context.js';
import { runCommand, type Command, type CommandEnv, type Settled } from '../pipeline.js';
import type { WriteSession } from '../write-session.js';
import { adjustPending, type AdjustPendingInput } from './adjust-pending.js';
import { commitPending, type CommitPendingInput } from './commit-pending.js';
import { postTransaction, type PostTransactionInput } from './post-transaction.js';
import { BatchAborted, type BatchResult } from './post-transactions.js';
import { reverseTransaction, type ReverseTransactionInput } from './reverse-transaction.js';
import { transfer, type TransferInput } from './transfer.js';
import { voidPending } from './void-pending.js';

/** One operation as the client sends it: exactly one kind, and an optional name for later ones. */
export interface BatchOperationInput {
  ref?: string | null;
  post?: PostTransactionInput | null;
  transfer?: TransferInput | null;
  commitPending?: CommitPendingInput | null;
  adjustPending?: AdjustPendingInput | null;
  voidPending?: { transactionId: string } | null;
  reverseTransaction?: ReverseTransactionInput | null;
}

const KINDS = ['post', 'transfer', 'commitPending', 'adjustPending', 'voidPending', 'reverseTransaction'] as const;
type Kind = (typeof KINDS)[number];

/** A ref names an operation; it can never be taken for a transaction id (those are UUIDs). */
const REF = /^[A-Za-z][A-Za-z0-9_.:-]*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The batch's own bounds (the request's error, not an operation's): size and legs, as postTransactions. */
export function checkOperations(operations: readonly BatchOperationInput[]): void {
  if (operations.length < 1 || operations.length > MAX_BATCH)
    throw new ValidationError('operations', `a batch holds 1 to ${MAX_BATCH} operations, not ${operations.length}`);
  const legs = operations.reduce((sum, op) => sum + (op.post?.entries.length ?? 0) + (op.transfer ? 2 : 0), 0);
  if (legs > MAX_BATCH_LEGS)
    throw new ValidationError('operations', `a batch posts at most ${MAX_BATCH_LEGS} legs in all, not ${legs}`);
}

/** The kind of an operation and its ref, or why it is malformed (an operation's own refusal). */
function shapeOf(
  op: BatchOperationInput,
  index: number,
  seen: ReadonlySet<string>,
): { kind: Kind; ref: string | null } {
  const kinds = KINDS.filter((kind) => op[kind] != null);
  if (kinds.length !== 1)
    throw new ValidationError(
      `operations[${index}]`,
      `an operation is exactly one of ${KINDS.join(', ')}; this one is ${kinds.length === 0 ? 'none' : kinds.join(' and ')}`,
    );
  const ref = op.ref ?? null;
  if (ref !== null) {
    if (ref.length > LIMITS.codeLength || !REF.test(ref) || UUID.test(ref))
      throw new ValidationError(
        `operations[${index}].ref`,
        `a ref starts with a letter, has at most ${LIMITS.codeLength} letters, digits or _ . : - and is not a transaction id`,
      );
    if (seen.has(ref)) throw new ValidationError(`operations[${index}].ref`, `"${ref}" names an earlier operation`);
  }
  return { kind: kinds[0]!, ref };
}

/**
 * Inside the batch's own transaction (alone: an atomic batch must be able to roll back all of
 * itself): each operation is built and decided against the state the ones before it left.
 */
export async function runOperations(
  session: WriteSession,
  operations: readonly BatchOperationInput[],
  env: CommandEnv,
  ctx: CommandContext,
  atomic: boolean,
): Promise<BatchResult[]> {
  const results: BatchResult[] = [];
  const refs = new Map<string, string | null>();
  for (const [index, op] of operations.entries()) {
    await breathe();
    let ref: string | null = null;
    try {
      const shape = shapeOf(op, index, new Set(refs.keys()));
      ref = shape.ref;
      const transactionId = await runOperation(session, shape.kind, op, env, ctx, (id) => resolveRef(refs, id, index));
      if (ref !== null) refs.set(ref, transactionId);
      results.push({ transactionId });
    } catch (error) {
      // Every refusal comes before the operation stages anything: a refused one leaves no trace.
      if (!(error instanceof LedgerError)) throw error;
      if (atomic) throw new BatchAborted(index, error);
      if (ref !== null) refs.set(ref, null);
      results.push({ error });
    }
  }
  return results;
}

/** A transaction id, or the transaction an earlier operation's ref names. */
function resolveRef(refs: ReadonlyMap<string, string | null>, id: string, index: number): string {
  if (!refs.has(id)) return id;
  const resolved = refs.get(id);
  if (resolved == null)
    throw new ValidationError(`operations[${index}]`, `"${id}" names an earlier operation that was refused`);
  return resolved;
}

async function runOperation(
  session: WriteSession,
  kind: Kind,
  op: BatchOperationInput,
  env: CommandEnv,
  ctx: CommandContext,
  resolve: (id: string) => string,
): Promise<string> {
  // Builders that read a named transaction read it through this transaction, flushed: they see the batch so far.
  const inside = async () => {
    await session.flush();
    return { ...env, db: session.trx };
  };
  let command: Command<unknown> | Settled;
  switch (kind) {
    case 'post':
      command = postTransaction(op.post!, env) as Command<unknown>;
      break;
    case 'transfer':
      command = transfer(op.transfer!, env) as Command<unknown>;
      break;
    case 'commitPending': {
      const input = { ...op.commitPending!, transactionId: resolve(op.commitPending!.transactionId) };
      command = (await commitPending(input, await inside())) as Command<unknown> | Settled;
      break;
    }
    case 'adjustPending': {
      const input = { ...op.adjustPending!, transactionId: resolve(op.adjustPending!.transactionId) };
      command = (await adjustPending(input, await inside())) as Command<unknown>;
      break;
    }
    case 'voidPending':
      command = (await voidPending({ transactionId: resolve(op.voidPending!.transactionId) }, await inside())) as
        | Command<unknown>
        | Settled;
      break;
    case 'reverseTransaction': {
      const input = { ...op.reverseTransaction!, transactionId: resolve(op.reverseTransaction!.transactionId) };
      command = (await reverseTransaction(input, await inside())) as Command<unknown> | Settled;
      break;
    }
  }
  if ('settled' in command) return command.settled;
  return (await runCommand(session, command, ctx)) ?? command.answer;
}
