/**
 * The ledger: the thin place that queues commands into the group commit (group-commit.ts).
 * Each command is built and checked in its own file under commands/ (step 1 of pipeline.ts),
 * then runs inside a write transaction shared with its neighbours — load the touched accounts
 * (from memory when nothing else wrote since), decide, append to every stream, project the read
 * models and record the idempotency key — all durable together, acknowledged after the commit.
 */
import type { BooksState } from '../domain/books.js';
import { DEFAULT_CONVERSION_ACCOUNT } from '../domain/exchanges.js';
import { checkCode } from '../domain/limits.js';
import { DEFAULT_POLICY, type ProjectionPolicy } from '../projections/project.js';
import type { Database } from '../store/db.js';
import { EventStore, type Clock } from '../store/event-store.js';
import {
  changeMaximumBalance,
  changeMinimumBalance,
  closeAccount,
  freezeAccount,
  unfreezeAccount,
  updateAccount,
} from './commands/account-lifecycle.js';
import { closePeriod, reopenPeriod, runBooks, type OnBooks } from './commands/books.js';
import {
  changeMembership,
  createCategory,
  runCategory,
  type MembershipInput,
  type OnCategory,
} from './commands/categories.js';
import { adjustPending, type AdjustPendingInput } from './commands/adjust-pending.js';
import { runSetPrice, setPrice, type SetPriceInput, type SetPriceResult } from './commands/set-price.js';
import { commitPending, type CommitPendingInput } from './commands/commit-pending.js';
import { expireHold } from './commands/expire-hold.js';
import { openAccount, type OpenAccountInput } from './commands/open-account.js';
import { postTransaction, type PostTransactionInput } from './commands/post-transaction.js';
import { answerAborted, postTransactions, runBatch, type BatchResult } from './commands/post-transactions.js';
import { reverseTransaction, type ReverseTransactionInput } from './commands/reverse-transaction.js';
import { transfer, type TransferInput } from './commands/transfer.js';
import {
  updateTransactionMetadata,
  type UpdateTransactionMetadataInput,
} from './commands/update-transaction-metadata.js';
import { voidPending } from './commands/void-pending.js';
import type { CommandContext } from './context.js';
import { CommitSignal } from './feed.js';
import { rehearse, rehearsedBatch, type BatchRehearsal, type Rehearsal } from './dry-run.js';
import { checkOperations, runOperations, type BatchOperationInput } from './commands/execute-batch.js';
import { DEFAULT_GROUP_COMMIT, GroupCommitter, type GroupCommitOptions } from './group-commit.js';
import { runCommand, submitOptions, type Command, type CommandEnv, type Settled } from './pipeline.js';
import { WriteCache } from './write-session.js';

export type {
  AdjustPendingInput,
  BatchOperationInput,
  BatchRehearsal,
  BatchResult,
  Rehearsal,
  MembershipInput,
  SetPriceInput,
  CommitPendingInput,
  OpenAccountInput,
  PostTransactionInput,
  ReverseTransactionInput,
  TransferInput,
};

export interface LedgerOptions {
  clock?: Clock;
  /** How many commands share a transaction at most, and how long an idle ledger waits for company. */
  groupCommit?: Partial<GroupCommitOptions>;
  /** How far in the future an effectiveAt may lie (clock skew between systems). */
  maxFutureSkewMs?: number;
  /** Snapshot and balance-checkpoint intervals (events per account). */
  policy?: Partial<ProjectionPolicy>;
  /** The root of the accounts exchanges post to (INKWELL_CONVERSION_ACCOUNT; default equity:conversion). */
  conversionAccount?: string;
}

export const DEFAULT_MAX_FUTURE_SKEW_MS = 5 * 60_000;

export class Ledger {
  readonly store: EventStore;
  readonly committer: GroupCommitter;
  /** Signalled after every commit of this ledger: live feeds wait on it. */
  readonly commits = new CommitSignal();
  readonly policy: ProjectionPolicy;
  private readonly env: CommandEnv;

  constructor(
    readonly database: Database,
    options: LedgerOptions = {},
  ) {
    const clock = options.clock ?? (() => new Date());
    this.env = {
      clock,
      maxFutureSkewMs: options.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS,
      db: database.db,
      conversionAccount: checkCode(options.conversionAccount ?? DEFAULT_CONVERSION_ACCOUNT, 'conversionAccount'),
    };
    this.store = new EventStore(database, clock);
    this.policy = { ...DEFAULT_POLICY, ...options.policy };
    this.committer = new GroupCommitter(
      database,
      new WriteCache(),
      this.policy,
      clock,
      { ...DEFAULT_GROUP_COMMIT, ...options.groupCommit },
      () => this.commits.notify(),
    );
  }

  /** Resolves to the account's code. */
  async openAccount(input: OpenAccountInput, ctx: CommandContext): Promise<string> {
    return this.run(openAccount(input, this.env), ctx);
  }

  /** Resolves to the transaction id (the first one, on a retry). */
  async postTransaction(input: PostTransactionInput, ctx: CommandContext): Promise<string> {
    return this.run(postTransaction(input, this.env), ctx);
  }

  async transfer(input: TransferInput, ctx: CommandContext): Promise<string> {
    return this.run(transfer(input, this.env), ctx);
  }

  /** What postTransaction would do, written nowhere (dry-run.ts). */
  async dryRunTransaction(input: PostTransactionInput, ctx: CommandContext): Promise<Rehearsal> {
    return this.dryRun(postTransaction(input, this.env), ctx);
  }

  /** What transfer would do, written nowhere (dry-run.ts). */
  async dryRunTransfer(input: TransferInput, ctx: CommandContext): Promise<Rehearsal> {
    return this.dryRun(transfer(input, this.env), ctx);
  }

  async reverseTransaction(input: ReverseTransactionInput, ctx: CommandContext): Promise<string> {
    return this.run(await reverseTransaction(input, this.env), ctx);
  }

  async commitPending(input: CommitPendingInput, ctx: CommandContext): Promise<string> {
    return this.run(await commitPending(input, this.env), ctx);
  }

  async adjustPending(input: AdjustPendingInput, ctx: CommandContext): Promise<string> {
    return this.run(await adjustPending(input, this.env), ctx);
  }

  /** Records the expiry of a hold past its expiresAt (the sweeper's command); a no-op otherwise. */
  async expireHold(transactionId: string, ctx: CommandContext): Promise<string> {
    return this.run(await expireHold(transactionId, this.env), ctx);
  }

  async voidPending(input: { transactionId: string }, ctx: CommandContext): Promise<string> {
    return this.run(await voidPending(input, this.env), ctx);
  }

  async updateTransactionMetadata(input: UpdateTransactionMetadataInput, ctx: CommandContext): Promise<string> {
    return this.run(await updateTransactionMetadata(input, this.env), ctx);
  }

  async closeAccount(input: { code: string }, ctx: CommandContext): Promise<string> {
    return this.run(closeAccount(input, this.env), ctx);
  }

  async freezeAccount(input: { code: string; reason?: string | null }, ctx: CommandContext): Promise<string> {
    return this.run(freezeAccount(input, this.env), ctx);
  }

  async unfreezeAccount(input: { code: string }, ctx: CommandContext): Promise<string> {
    return this.run(unfreezeAccount(input, this.env), ctx);
  }

  async updateAccount(
    input: { code: string; name?: string | null; metadata?: unknown },
    ctx: CommandContext,
  ): Promise<string> {
    return this.run(updateAccount(input, this.env), ctx);
  }

  async changeMinimumBalance(
    input: { code: string; minimumBalance: string | null },
    ctx: CommandContext,
  ): Promise<string> {
    return this.run(changeMinimumBalance(input, this.env), ctx);
  }

  async changeMaximumBalance(
    input: { code: string; maximumBalance: string | null },
    ctx: CommandContext,
  ): Promise<string> {
    return this.run(changeMaximumBalance(input, this.env), ctx);
  }

  /** A batch runs alone in its transaction: an atomic one must be able to roll back all of itself. */
  async postTransactions(
    inputs: PostTransactionInput[],
    ctx: CommandContext,
    options: { atomic: boolean },
  ): Promise<BatchResult[]> {
    const batch = await postTransactions(inputs, this.env, options);
    if ('settled' in batch) return batch.settled;
    return this.committer
      .submit((session) => runBatch(session, batch, ctx), { alone: true, keys: batch.keys })
      .catch((error: unknown) => answerAborted(error, batch.items.length));
  }

  /** Mixed operations, in order, in one transaction (execute-batch.ts); alone, as postTransactions. */
  async executeBatch(
    operations: BatchOperationInput[],
    ctx: CommandContext,
    options: { atomic: boolean },
  ): Promise<BatchResult[]> {
    checkOperations(operations);
    return this.committer
      .submit((session) => runOperations(session, operations, this.env, ctx, options.atomic), { alone: true })
      .catch((error: unknown) => answerAborted(error, operations.length));
  }

  /** What executeBatch would do, written nowhere: each result, read inside the rolled-back transaction. */
  async dryRunBatch(
    operations: BatchOperationInput[],
    ctx: CommandContext,
    options: { atomic: boolean },
  ): Promise<BatchRehearsal> {
    checkOperations(operations);
    return this.committer
      .submit(
        async (session) =>
          rehearsedBatch(session, await runOperations(session, operations, this.env, ctx, options.atomic)),
        { dryRun: true },
      )
      .catch((error: unknown) => ({
        results: answerAborted(error, operations.length),
        transactions: new Map(),
        accounts: new Map(),
      }));
  }

  async closePeriod(input: { through: string; reason?: string | null }, ctx: CommandContext): Promise<BooksState> {
    return this.onBooks(closePeriod(input, this.env), ctx);
  }

  async reopenPeriod(
    input: { through: string | null; reason?: string | null },
    ctx: CommandContext,
  ): Promise<BooksState> {
    return this.onBooks(reopenPeriod(input, this.env), ctx);
  }

  /** Resolves to the category's code (creating it again with the same name changes nothing). */
  async createCategory(input: { code: string; name: string }, ctx: CommandContext): Promise<string> {
    return this.onCategory(createCategory(input, this.env), ctx);
  }

  async addToCategory(input: MembershipInput, ctx: CommandContext): Promise<string> {
    return this.onCategory(changeMembership(input, true, this.env), ctx);
  }

  async removeFromCategory(input: MembershipInput, ctx: CommandContext): Promise<string> {
    return this.onCategory(changeMembership(input, false, this.env), ctx);
  }

  /** Records a price (issue 22); the same rate again at the same instant changes nothing. */
  async setPrice(input: SetPriceInput, ctx: CommandContext): Promise<SetPriceResult> {
    const command = setPrice(input, this.env);
    return this.committer.submit((session) => runSetPrice(session, command, ctx), { alone: true });
  }

  /** Alone in its transaction: the cycle check reads every category's membership. */
  private onCategory(command: OnCategory, ctx: CommandContext): Promise<string> {
    return this.committer.submit((session) => runCategory(session, command, ctx), { alone: true });
  }

  private onBooks(books: OnBooks, ctx: CommandContext): Promise<BooksState> {
    return this.committer.submit((session) => runBooks(session, books, ctx), { alone: true });
  }

  /** Decides a command alone under the write lock, then rolls it back. */
  private async dryRun<Read>(command: Command<Read>, ctx: CommandContext): Promise<Rehearsal> {
    return this.committer.submit((session) => rehearse(session, command, ctx), {
      ...submitOptions(command),
      dryRun: true,
    });
  }

  /** Queues a command into the next group commit; resolves once its events are durable. */
  private async run<Read>(command: Command<Read> | Settled, ctx: CommandContext): Promise<string> {
    if ('settled' in command) return command.settled;
    const stored = await this.committer.submit((session) => runCommand(session, command, ctx), submitOptions(command));
    return stored ?? command.answer;
  }
}
