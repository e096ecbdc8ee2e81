/** executeBatch: mixed operations in one transaction (ledger/commands/execute-batch.ts), and its dry run. */
import { BatchItemNotPosted, ConcurrencyConflict } from '../domain/errors.js';
import { MAX_BATCH, MAX_BATCH_LEGS } from '../domain/limits.js';
import { adjustPendingErrors } from '../ledger/commands/adjust-pending.js';
import { commitPendingErrors } from '../ledger/commands/commit-pending.js';
import { postTransactionErrors } from '../ledger/commands/post-transaction.js';
import type { BatchResult } from '../ledger/commands/post-transactions.js';
import { reverseTransactionErrors } from '../ledger/commands/reverse-transaction.js';
import { voidPendingErrors } from '../ledger/commands/void-pending.js';
import { rethrowAsInput } from './bad-input.js';
import { builder } from './builder.js';
import { balanceOfState, DryRunBalanceRef } from './dry-run.js';
import { errorData, resultUnion } from './errors.js';
import {
  AdjustPendingInput,
  CommitPendingInput,
  PostTransactionInput,
  ReverseTransactionInput,
  TransferInput,
  VoidPendingInput,
} from './mutations.js';
import { rehearsedTransactions, TransactionRef } from './types/entry.js';

const BatchOperationInput = builder.inputType('BatchOperationInput', {
  description:
    'Exactly one operation (post, transfer, commitPending, adjustPending, voidPending or reverseTransaction), and optionally a ref that later operations of the batch give as a transactionId to name its transaction.',
  fields: (t) => ({
    ref: t.string({
      description:
        'Names this operation’s transaction for later operations of the batch (their transactionId): a letter, then letters, digits or _ . : -; never a transaction id.',
    }),
    post: t.field({ type: PostTransactionInput, description: 'As postTransaction (pending: a hold).' }),
    transfer: t.field({ type: TransferInput, description: 'As transfer.' }),
    commitPending: t.field({ type: CommitPendingInput, description: 'As commitPending.' }),
    adjustPending: t.field({ type: AdjustPendingInput, description: 'As adjustPending.' }),
    voidPending: t.field({ type: VoidPendingInput, description: 'As voidPending.' }),
    reverseTransaction: t.field({ type: ReverseTransactionInput, description: 'As reverseTransaction.' }),
  }),
});

const ExecuteBatchInput = builder.inputType('ExecuteBatchInput', {
  description: `Up to ${MAX_BATCH} operations of any kind, in order, in one durable commit.`,
  fields: (t) => ({
    operations: t.field({
      type: [BatchOperationInput],
      required: true,
      description: `1 to ${MAX_BATCH} operations (${MAX_BATCH_LEGS} posted legs in all at most); each sees the ones before it.`,
    }),
    atomic: t.boolean({
      description: 'All or nothing (default false: a refused operation fails alone and the others are written).',
    }),
  }),
});

/** What an operation can answer: any operation's refusal (it runs alone: no concurrency conflict). */
const operationErrors = [
  ...new Set([
    ...postTransactionErrors,
    ...commitPendingErrors,
    ...adjustPendingErrors,
    ...voidPendingErrors,
    ...reverseTransactionErrors,
  ]),
].filter((error) => error !== ConcurrencyConflict);

const BatchOperationResult = resultUnion(
  'BatchOperationResult',
  TransactionRef,
  [...operationErrors, BatchItemNotPosted],
  'One operation of the batch: the transaction it posted, placed, committed, adjusted, voided or reversed — or why not.',
);

interface ExecuteBatchValue {
  outcomes: BatchResult[];
  balances: ReturnType<typeof balanceOfState> | null;
}

const ExecuteBatchPayload = builder.objectRef<ExecuteBatchValue>('ExecuteBatchPayload').implement({
  description: 'A result per operation, in the order given.',
  fields: (t) => ({
    results: t.field({
      type: [BatchOperationResult],
      description: 'Per operation: the Transaction it acted on (as the batch leaves it), or the typed error.',
      resolve: (p, _args, ctx) =>
        Promise.all(
          p.outcomes.map(async (o) => (o.error ? errorData(o.error) : (await ctx.transactions.load(o.transactionId))!)),
        ),
    }),
    succeeded: t.int({
      description: 'How many operations went through (or were found done, on a retry).',
      resolve: (p) => p.outcomes.filter((o) => !o.error).length,
    }),
    balances: t.field({
      type: [DryRunBalanceRef],
      nullable: true,
      description:
        'With dryRun: each account the batch would write to, as it would stand afterwards. Null for a real batch (read the accounts).',
      resolve: (p) => p.balances,
    }),
  }),
});

builder.mutationField('executeBatch', (t) =>
  t.field({
    authScopes: { post: true },
    type: ExecuteBatchPayload,
    description: `Runs 1 to ${MAX_BATCH} operations of any kind in order in one durable commit; atomic means all or nothing. Later operations may name earlier ones' transactions by ref.`,
    args: {
      input: t.arg({ type: ExecuteBatchInput, required: true, description: 'The batch.' }),
      dryRun: t.arg.boolean({
        defaultValue: false,
        description:
          'True: answer what the batch would do (the transactions as it would leave them, the accounts afterwards) and write nothing — no event, no idempotency record.',
      }),
    },
    resolve: async (_root, { input, dryRun }, ctx) => {
      const atomic = input.atomic ?? false;
      // Each operation's refusal is data; only the batch's own bounds are thrown, as the request's error.
      if (dryRun) {
        const rehearsal = await ctx.ledger.dryRunBatch(input.operations, ctx.command, { atomic }).catch(rethrowAsInput);
        for (const [id, view] of rehearsal.transactions) {
          rehearsedTransactions.add(view);
          ctx.transactions.prime(id, view);
        }
        const balances = [...rehearsal.accounts.values()].flatMap((state) => balanceOfState(state, ctx.now));
        return { outcomes: rehearsal.results, balances };
      }
      const outcomes = await ctx.ledger.executeBatch(input.operations, ctx.command, { atomic }).catch(rethrowAsInput);
      ctx.now = new Date().toISOString();
      ctx.transactions.clearAll();
      ctx.accounts.clearAll();
      return { outcomes, balances: null };
    },
  }),
);
