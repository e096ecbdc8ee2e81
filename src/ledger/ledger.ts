/**
 * The command side: every command is queued to the group committer (group-commit.ts) and runs
 * inside a write transaction shared with its neighbours: load the touched accounts (from memory
 * when nothing else wrote since), decide, append to every stream, project the read models and
 * record the idempotency key — all durable together, acknowledged after the commit.
 */
import { createHash } from 'node:crypto';
import {
  ACCOUNT_TYPES,
  decide,
  type AccountCommand,
  type AccountEvent,
  type AccountState,
  type AccountType,
} from '../domain/account.js';
import { decideBooks, evolveBooks, type BooksCommand, type BooksState } from '../domain/books.js';
import {
  AccountNotFound,
  BatchItemNotPosted,
  HoldNotPending,
  IdempotencyConflict,
  InvalidAmount,
  LedgerError,
  PeriodClosed,
  TransactionAlreadyReversed,
  TransactionNotFound,
  TransactionPending,
  ValidationError,
} from '../domain/errors.js';
import { canonicalJson } from '../domain/json.js';
import { parseInstant } from '../domain/time.js';
import { Amount, formatAmount, parseCurrency, parsePositiveAmount } from '../domain/money.js';
import {
  checkBatchSize,
  checkCode,
  checkDescription,
  checkIdempotencyKey,
  checkMetadata,
  checkName,
} from '../domain/limits.js';
import { MAX_LEGS, MIN_LEGS, buildTransaction, type EntryInput } from '../domain/transaction.js';
import { breathe } from '../slices.js';
import { encodeEvent } from '../events/catalogue.js';
import type { EventMetadata } from '../events/envelope.js';
import { accountStream, BOOKS_STREAM } from '../events/streams.js';
import { DEFAULT_POLICY, type ProjectionPolicy } from '../projections/project.js';
import type { Database } from '../store/db.js';
import { EventStore, type AppendRequest, type Clock } from '../store/event-store.js';
import { findIdempotency, type IdempotencyRecord } from '../store/idempotency.js';
import type { CommandContext } from './context.js';
import { isUuid, uuidv7 } from './ids.js';
import { CommitSignal } from './feed.js';
import { DEFAULT_GROUP_COMMIT, GroupCommitter, type GroupCommitOptions } from './group-commit.js';
import { WriteCache, type WriteSession } from './write-session.js';
import { notYetAvailableOf, getTransaction, reversalOf } from './queries.js';

export interface LedgerOptions {
  clock?: Clock;
  /** How many commands share a transaction at most, and how long an idle ledger waits for company. */
  groupCommit?: Partial<GroupCommitOptions>;
  /** How far in the future an effectiveAt may lie (clock skew between systems). */
  maxFutureSkewMs?: number;
  /** Snapshot and balance-checkpoint intervals (events per account). */
  policy?: Partial<ProjectionPolicy>;
}

export interface OpenAccountInput {
  code: string;
  name: string;
  type: AccountType;
  currency: string;
  minimumBalance?: string | null;
  metadata?: unknown;
  /** RFC 3339 UTC with milliseconds, as the DateTime scalar normalises it; default now. */
  effectiveAt?: string | null;
}

export interface PostTransactionInput {
  idempotencyKey: string;
  entries: EntryInput[];
  effectiveAt?: string | null;
  description?: string | null;
  metadata?: unknown;
  /** A hold: reserve the funds now, post on commitPending. */
  pending?: boolean | null;
  /** A hold's expiry (only with pending): from then on it reserves nothing and cannot be committed. */
  expiresAt?: string | null;
}

export interface CommitPendingInput {
  idempotencyKey: string;
  transactionId: string;
  /** Commit part of the hold: every leg at this amount (the hold's legs must share one amount); default: in full. */
  amount?: string | null;
  /** Default: now. */
  effectiveAt?: string | null;
}

export interface TransferInput {
  idempotencyKey: string;
  debitAccount: string;
  creditAccount: string;
  amount: string;
  currency?: string | null;
  effectiveAt?: string | null;
  description?: string | null;
  metadata?: unknown;
}

export interface ReverseTransactionInput {
  idempotencyKey: string;
  transactionId: string;
  /** Default: the original's effective time. */
  effectiveAt?: string | null;
  /** Default: "Reversal of <id>: <original description>". */
  description?: string | null;
  metadata?: unknown;
}

interface Plan {
  command: string;
  idempotency: { key: string; fingerprint: string } | null;
  accounts: string[];
  transactionId: string | null;
  /** Pure: the events each account's stream gets. May throw a LedgerError. */
  decide(states: Map<string, AccountState>): Map<string, AccountEvent[]>;
  /**
   * A rule that depends on more than the accounts' streams (the period lock): checked in the write
   * transaction, where no other commit can interleave, when the command writes something (a no-op,
   * such as the same opening again, is answered as one).
   */
  guard?(session: WriteSession): Promise<void>;
  /**
   * A rule about the transaction the command names (reversed at most once), checked in the write
   * transaction before anything else, as the command's own pre-check does: a request racing
   * another gets the answer it would get after it, not a later rule's.
   */
  precondition?(session: WriteSession): Promise<void>;
  /** Reads what `decide` needs beyond the states, in the same transaction, right after they load. */
  prepare?(session: WriteSession, states: Map<string, AccountState>): Promise<void>;
  /**
   * The preparation reads rows this very transaction writes (it flushes first): decided inside
   * its write transaction, never pipelined (group-commit.ts). A precondition always is.
   */
  readsOwnWrites?: boolean;
}

export class Ledger {
  readonly store: EventStore;
  readonly committer: GroupCommitter;
  /** Signalled after every commit of this ledger: live feeds wait on it. */
  readonly commits = new CommitSignal();
  private readonly clock: Clock;
  private readonly maxFutureSkewMs: number;
  readonly policy: ProjectionPolicy;

  constructor(
    readonly database: Database,
    options: LedgerOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.store = new EventStore(database, this.clock);
    this.maxFutureSkewMs = options.maxFutureSkewMs ?? 5 * 60_000;
    this.policy = { ...DEFAULT_POLICY, ...options.policy };
    this.committer = new GroupCommitter(
      database,
      new WriteCache(),
      this.policy,
      this.clock,
      { ...DEFAULT_GROUP_COMMIT, ...options.groupCommit },
      () => this.commits.notify(),
    );
  }

  /** Opens an account; the same fields again return it unchanged. Resolves to its code. */
  async openAccount(input: OpenAccountInput, ctx: CommandContext): Promise<string> {
    const code = checkCode(input.code);
    const name = checkName(input.name);
    if (!ACCOUNT_TYPES.includes(input.type)) throw new ValidationError('type', `one of ${ACCOUNT_TYPES.join(', ')}`);
    const metadata = checkMetadata(input.metadata);
    const effectiveAt = this.effectiveAt(input.effectiveAt);
    await this.execute(
      {
        command: 'openAccount',
        idempotency: null,
        accounts: [code],
        transactionId: null,
        decide: (states) => {
          const command: AccountCommand = {
            type: 'OpenAccount',
            code,
            name,
            accountType: input.type,
            currency: input.currency,
            minimumBalance: input.minimumBalance ?? null,
            metadata,
            effectiveAt,
            effectiveAtGiven: input.effectiveAt != null,
          };
          return new Map([[code, decide(command, states.get(code)!)]]);
        },
        // A closed period's reports must not change: no new account line inside it either.
        guard: (session) => checkPeriodOpen(session, effectiveAt),
      },
      ctx,
    );
    return code;
  }

  /** Posts a balanced journal entry. Resolves to its transaction id (the first one, on a retry). */
  postTransaction(input: PostTransactionInput, ctx: CommandContext): Promise<string> {
    return this.post(input, ctx, { command: 'postTransaction', fingerprintOf: input });
  }

  /**
   * Reverses a posted transaction: its exact opposite legs, effective by default when the
   * original was, linked both ways (the reversal's `reverses`; the original's `reversedBy`)
   * and caused by it. A transaction is reversed at most once.
   */
  async reverseTransaction(input: ReverseTransactionInput, ctx: CommandContext): Promise<string> {
    // A retry gets the first reversal; a new request on a reversed transaction is told so before
    // any other rule (the check under the write lock still settles a race).
    const previous = await findIdempotency(this.database.db, checkIdempotencyKey(input.idempotencyKey));
    if (previous) return replay(previous, fingerprintFor('reverseTransaction', input));
    const original = await this.transactionById(input.transactionId);
    if (original.status === 'PENDING') throw new TransactionPending(original.id);
    if (original.status === 'VOIDED') throw new HoldNotPending(original.id, 'voided: it posted nothing to reverse');
    const reversedBy = await reversalOf(this.database.db, original.id);
    if (reversedBy) throw new TransactionAlreadyReversed(original.id, reversedBy);
    const entries: EntryInput[] = original.legs.map((leg) => ({
      account: leg.account,
      direction: leg.direction === 'DEBIT' ? 'CREDIT' : 'DEBIT',
      amount: leg.amount,
      currency: leg.currency,
    }));
    return this.post(
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
      { ...ctx, causationId: original.id },
      {
        command: 'reverseTransaction',
        fingerprintOf: input,
        reverses: original.id,
        precondition: async (session) => {
          // The reversals staged in this transaction so far must be in the table to be seen.
          await session.flush();
          const by = await reversalOf(session.trx, original.id);
          if (by) throw new TransactionAlreadyReversed(original.id, by);
        },
      },
    );
  }

  private async post(
    input: PostTransactionInput,
    ctx: CommandContext,
    options: { command: string; fingerprintOf: unknown; reverses?: string; precondition?: Plan['precondition'] },
  ): Promise<string> {
    const plan = this.postingPlan(input, options);
    return (await this.execute(plan, ctx)) ?? plan.transactionId!;
  }

  /**
   * Posts up to MAX_BATCH transactions in ONE durable commit, in order, each seeing the ones
   * before it. Atomic: all or nothing — the first refusal aborts the batch and nothing is
   * written. Otherwise each refused transaction fails alone and the others commit together.
   * Each keeps its own idempotency key: a retried batch returns the first results.
   */
  async postTransactions(
    inputs: PostTransactionInput[],
    ctx: CommandContext,
    options: { atomic: boolean },
  ): Promise<BatchResult[]> {
    checkBatchSize(inputs);
    const planned: Array<{ plan: Plan; error?: undefined } | { plan?: undefined; error: LedgerError }> = [];
    for (const input of inputs) {
      await breathe();
      try {
        planned.push({ plan: this.postingPlan(input, { command: 'postTransaction', fingerprintOf: input }) });
      } catch (error) {
        if (!(error instanceof LedgerError)) throw error;
        planned.push({ error });
      }
    }
    if (options.atomic) {
      const refused = planned.findIndex((p) => p.error);
      if (refused >= 0) return abortedBatch(planned.length, refused, planned[refused]!.error!);
    }
    try {
      // Alone in its transaction: an atomic batch must be able to roll back all of itself.
      return await this.committer.submit(
        async (session) => {
          const results: BatchResult[] = [];
          for (const [index, item] of planned.entries()) {
            await breathe();
            if (item.error) {
              results.push({ error: item.error });
              continue;
            }
            try {
              // Each decides against the state the ones before it left; all share one recorded time.
              results.push({
                transactionId: (await this.decideAndStage(session, item.plan, ctx)) ?? item.plan.transactionId!,
              });
            } catch (error) {
              // Rules are checked before anything of the item is staged: a refused item leaves no trace.
              if (!(error instanceof LedgerError)) throw error;
              if (options.atomic) throw new BatchAborted(index, error);
              results.push({ error });
            }
          }
          return results;
        },
        { alone: true, keys: planned.flatMap((p) => (p.plan?.idempotency ? [p.plan.idempotency.key] : [])) },
      );
    } catch (error) {
      if (error instanceof BatchAborted) return abortedBatch(planned.length, error.index, error.cause);
      throw error;
    }
  }

  /** The plan of one posting (or hold): every input rule is checked here, before anything is loaded. */
  private postingPlan(
    input: PostTransactionInput,
    options: { command: string; fingerprintOf: unknown; reverses?: string; precondition?: Plan['precondition'] },
  ): Plan {
    const { command, fingerprintOf } = options;
    const idempotencyKey = checkIdempotencyKey(input.idempotencyKey);
    const description = checkDescription(input.description);
    const metadata = checkMetadata(input.metadata);
    const effectiveAt = this.effectiveAt(input.effectiveAt);
    // Before anything is loaded: a body can name thousands of accounts.
    if (input.entries.length < MIN_LEGS || input.entries.length > MAX_LEGS) {
      throw new ValidationError(
        'entries',
        `a transaction has ${MIN_LEGS} to ${MAX_LEGS} legs, not ${input.entries.length}`,
      );
    }
    for (const [i, entry] of input.entries.entries()) checkCode(entry.account, `entries[${i}].account`);
    const fingerprint = fingerprintFor(command, fingerprintOf);
    const transactionId = uuidv7(this.clock().getTime());
    const pending = input.pending === true;
    if (input.expiresAt != null && !pending)
      throw new ValidationError('expiresAt', 'only a pending transaction (a hold) expires');
    const expiresAt = input.expiresAt == null ? null : instant(input.expiresAt, 'expiresAt');
    if (expiresAt !== null && expiresAt <= this.clock().toISOString())
      throw new ValidationError('expiresAt', `${expiresAt} is not in the future`);
    let notYetAvailable = new Map<string, Amount>();
    return {
      command,
      idempotency: { key: idempotencyKey, fingerprint },
      prepare: async (session, states) => {
        notYetAvailable = await notYetAvailableOf(
          session.trx,
          states,
          this.clock().toISOString(),
          session.pendingEntries(),
        );
      },
      accounts: input.entries.map((e) => e.account),
      transactionId,
      precondition: options.precondition,
      guard: (session) => checkPeriodOpen(session, effectiveAt),
      decide: (states) => {
        const transaction = buildTransaction(
          {
            transactionId,
            idempotencyKey,
            entries: input.entries,
            description,
            metadata,
            reverses: options.reverses ?? null,
          },
          states,
        );
        const now = this.clock().toISOString();
        const decisions = new Map<string, AccountEvent[]>();
        for (const code of new Set(transaction.legs.map((leg) => leg.account))) {
          const later = notYetAvailable.get(code);
          const command: AccountCommand = pending
            ? { type: 'PlaceHold', transaction, expiresAt, effectiveAt, now, notYetAvailable: later }
            : { type: 'PostEntries', transaction, effectiveAt, now, notYetAvailable: later };
          decisions.set(code, decide(command, states.get(code)!));
        }
        return decisions;
      },
    };
  }

  /** A two-leg shortcut with explicit sides: debit one account, credit the other. */
  transfer(input: TransferInput, ctx: CommandContext): Promise<string> {
    if (input.debitAccount === input.creditAccount) {
      return Promise.reject(new ValidationError('creditAccount', 'a transfer needs two different accounts'));
    }
    const leg = (account: string, direction: 'DEBIT' | 'CREDIT'): EntryInput => ({
      account,
      direction,
      amount: input.amount,
      currency: input.currency ?? null,
    });
    return this.post(
      {
        idempotencyKey: input.idempotencyKey,
        entries: [leg(input.debitAccount, 'DEBIT'), leg(input.creditAccount, 'CREDIT')],
        effectiveAt: input.effectiveAt,
        description: input.description,
        metadata: input.metadata,
      },
      ctx,
      { command: 'transfer', fingerprintOf: input },
    );
  }

  /** Closes an account at zero balance; closing a closed account changes nothing. */
  closeAccount(input: { code: string }, ctx: CommandContext): Promise<string> {
    return this.lifecycle('closeAccount', input.code, ctx, (effectiveAt) => ({ type: 'CloseAccount', effectiveAt }));
  }

  /** Freezes an account: it takes no postings until unfrozen. Freezing a frozen account changes nothing. */
  freezeAccount(input: { code: string; reason?: string | null }, ctx: CommandContext): Promise<string> {
    const reason = input.reason == null ? null : checkDescription(input.reason);
    return this.lifecycle('freezeAccount', input.code, ctx, (effectiveAt) => ({
      type: 'FreezeAccount',
      reason,
      effectiveAt,
    }));
  }

  unfreezeAccount(input: { code: string }, ctx: CommandContext): Promise<string> {
    return this.lifecycle('unfreezeAccount', input.code, ctx, (effectiveAt) => ({
      type: 'UnfreezeAccount',
      effectiveAt,
    }));
  }

  /** Renames an account and/or replaces its metadata (an omitted field keeps its value; metadata null clears it). */
  updateAccount(
    input: { code: string; name?: string | null; metadata?: unknown },
    ctx: CommandContext,
  ): Promise<string> {
    const name = input.name == null ? undefined : checkName(input.name);
    const metadata = input.metadata === undefined ? undefined : checkMetadata(input.metadata);
    return this.lifecycle('updateAccount', input.code, ctx, (effectiveAt) => ({
      type: 'UpdateAccount',
      name,
      metadata,
      effectiveAt,
    }));
  }

  /** Sets the lower bound of the normal-side balance ("0": no overdraft; "-100.00": an overdraft limit; null: none). */
  changeMinimumBalance(input: { code: string; minimumBalance: string | null }, ctx: CommandContext): Promise<string> {
    return this.lifecycle('changeMinimumBalance', input.code, ctx, (effectiveAt) => ({
      type: 'ChangeMinimumBalance',
      minimumBalance: input.minimumBalance,
      effectiveAt,
    }));
  }

  /**
   * Commits a hold: posts its legs in full, or every leg at `amount` (the rest is released),
   * effective now by default. Refused once the hold expired, was committed or voided.
   */
  async commitPending(input: CommitPendingInput, ctx: CommandContext): Promise<string> {
    const idempotencyKey = checkIdempotencyKey(input.idempotencyKey);
    const fingerprint = fingerprintFor('commitPending', input);
    // A retry after the commit finds the hold posted: it gets the first result, not HoldNotPending.
    const previous = await findIdempotency(this.database.db, idempotencyKey);
    if (previous) return replay(previous, fingerprint);
    const hold = await this.pendingHold(input.transactionId);
    const effectiveAt = this.effectiveAt(input.effectiveAt);
    const legs = hold.legs.map((leg) => ({ ...leg }));
    if (input.amount != null) {
      if (new Set(hold.legs.map((leg) => leg.amount)).size !== 1) {
        throw new ValidationError(
          'amount',
          'a partial commit needs a hold whose legs share one amount; this one has several',
        );
      }
      const held = new Amount(hold.legs[0]!.amount);
      const currency = parseCurrency(hold.legs[0]!.currency);
      const amount = parsePositiveAmount(input.amount, currency);
      if (amount.gt(held)) throw new InvalidAmount(input.amount, `more than the ${hold.legs[0]!.amount} held`);
      for (const leg of legs) leg.amount = formatAmount(amount, currency.scale);
    }
    let notYetAvailable = new Map<string, Amount>();
    const result = await this.execute(
      {
        command: 'commitPending',
        idempotency: { key: idempotencyKey, fingerprint },
        accounts: legs.map((leg) => leg.account),
        transactionId: hold.id,
        prepare: async (session, states) => {
          notYetAvailable = await notYetAvailableOf(
            session.trx,
            states,
            this.clock().toISOString(),
            session.pendingEntries(),
          );
        },
        guard: (session) => checkPeriodOpen(session, effectiveAt),
        decide: (states) => {
          const now = this.clock().toISOString();
          const decisions = new Map<string, AccountEvent[]>();
          for (const code of new Set(legs.map((leg) => leg.account))) {
            decisions.set(
              code,
              decide(
                {
                  type: 'CommitHold',
                  transactionId: hold.id,
                  legs,
                  effectiveAt,
                  now,
                  notYetAvailable: notYetAvailable.get(code),
                },
                states.get(code)!,
              ),
            );
          }
          return decisions;
        },
      },
      ctx,
    );
    return result ?? hold.id;
  }

  /** Releases a hold without posting. Voiding a voided hold changes nothing. */
  async voidPending(input: { transactionId: string }, ctx: CommandContext): Promise<string> {
    const original = await this.transactionById(input.transactionId);
    if (original.status === 'VOIDED') return original.id;
    if (original.status !== 'PENDING') throw new HoldNotPending(original.id, original.status.toLowerCase());
    const effectiveAt = this.effectiveAt(null);
    let voidedMeanwhile = false;
    await this.execute(
      {
        command: 'voidPending',
        idempotency: null,
        accounts: original.legs.map((leg) => leg.account),
        transactionId: original.id,
        readsOwnWrites: true,
        // A concurrent void may have come first (same group, or just before): then this one changes
        // nothing, as one by one it would. Only a hold no longer open needs its status read (staged
        // rows included); the usual void reads nothing more.
        prepare: async (session, states) => {
          const state = states.get(original.legs[0]!.account)!;
          if (state.exists && state.holds[original.id]) return;
          await session.flush();
          voidedMeanwhile = (await getTransaction(session.trx, original.id))?.status === 'VOIDED';
        },
        decide: (states) =>
          voidedMeanwhile
            ? new Map()
            : new Map(
                [...new Set(original.legs.map((leg) => leg.account))].map((code) => [
                  code,
                  decide({ type: 'VoidHold', transactionId: original.id, effectiveAt }, states.get(code)!),
                ]),
              ),
      },
      ctx,
    );
    return original.id;
  }

  private async transactionById(id: string) {
    if (!isUuid(id)) throw new ValidationError('transactionId', 'not a transaction id (a UUID)');
    const transaction = await getTransaction(this.database.db, id);
    if (!transaction) throw new TransactionNotFound(id);
    return transaction;
  }

  private async pendingHold(id: string) {
    const hold = await this.transactionById(id);
    if (hold.status !== 'PENDING') throw new HoldNotPending(id, hold.status.toLowerCase());
    return hold;
  }

  /**
   * Closes the books through an instant: from now on nothing effective at or before it can be
   * posted or reversed. Closing through an instant already closed changes nothing.
   */
  closePeriod(input: { through: string; reason?: string | null }, ctx: CommandContext): Promise<BooksState> {
    const reason = checkDescription(input.reason);
    const through = instant(input.through, 'through');
    return this.onBooks('closePeriod', ctx, (now) => ({ type: 'ClosePeriod', through, reason, now }));
  }

  /** Moves the lock back to an earlier instant (null: nothing locked) — explicitly, as its own event. */
  reopenPeriod(input: { through: string | null; reason?: string | null }, ctx: CommandContext): Promise<BooksState> {
    const reason = checkDescription(input.reason);
    const through = input.through === null ? null : instant(input.through, 'through');
    return this.onBooks('reopenPeriod', ctx, (now) => ({ type: 'ReopenPeriod', through, reason, now }));
  }

  /** Decides against the books inside a write transaction of its own (they change rarely). */
  private onBooks(command: string, ctx: CommandContext, make: (now: string) => BooksCommand): Promise<BooksState> {
    const now = this.effectiveAt(null);
    return this.committer.submit(
      async (session) => {
        const state = await session.books();
        const events = decideBooks(make(now), state);
        if (events.length === 0) return state;
        const metadata = metadataFor(ctx, command, null);
        const after = events.reduce(evolveBooks, state);
        session.appendBooksEvents(
          {
            streamId: BOOKS_STREAM,
            expectedVersion: state.version,
            events: events.map((e) => ({
              ...encodeEvent(e),
              metadata,
              effectiveAt: e.effectiveAt,
              transactionId: null,
            })),
          },
          after,
        );
        return after;
      },
      { alone: true },
    );
  }

  /** A command on one existing account, effective now; resolves to its code. */
  private async lifecycle(
    command: string,
    rawCode: string,
    ctx: CommandContext,
    make: (effectiveAt: string) => AccountCommand,
  ): Promise<string> {
    const code = checkCode(rawCode);
    const effectiveAt = this.effectiveAt(null);
    await this.execute(
      {
        command,
        idempotency: null,
        accounts: [code],
        transactionId: null,
        decide: (states) => {
          const state = states.get(code)!;
          if (!state.exists) throw new AccountNotFound(code);
          return new Map([[code, decide(make(effectiveAt), state)]]);
        },
      },
      ctx,
    );
    return code;
  }

  /**
   * Runs a plan in the next group commit. Resolves to the stored result when the idempotency
   * key was used before with the same request, otherwise to null once the events are durable.
   */
  private execute(plan: Plan, ctx: CommandContext): Promise<string | null> {
    return this.committer.submit((session) => this.decideAndStage(session, plan, ctx), {
      keys: plan.idempotency ? [plan.idempotency.key] : [],
      accounts: plan.accounts,
      classic: plan.precondition !== undefined || plan.readsOwnWrites === true,
    });
  }

  /**
   * Inside the write transaction: idempotency, the named transaction's rule, load, decide, rules
   * beyond the accounts (for a command that changes something), then the events and the
   * idempotency record staged for the commit. Every refusal comes before staging.
   */
  private async decideAndStage(session: WriteSession, plan: Plan, ctx: CommandContext): Promise<string | null> {
    if (plan.idempotency) {
      // First: a retry gets the first result, never an error the state has since come to give.
      const previous = await session.idempotency(plan.idempotency.key);
      if (previous) return replay(previous, plan.idempotency.fingerprint);
    }
    await plan.precondition?.(session);
    const states = await session.accounts(plan.accounts);
    await plan.prepare?.(session, states);
    const decisions = plan.decide(states);
    const requests = this.appendRequests(plan, ctx, states, decisions);
    if (requests.length === 0) return null;
    await plan.guard?.(session);
    const stored = await session.appendAccountEvents(requests, decisions, states);
    if (plan.idempotency) {
      const { key, fingerprint } = plan.idempotency;
      session.saveIdempotency(
        { key, command: plan.command, fingerprint, result: plan.transactionId ?? '', position: stored[0]!.position },
        stored[0]!.recordedAt,
      );
    }
    return null;
  }

  private appendRequests(
    plan: Plan,
    ctx: CommandContext,
    states: Map<string, AccountState>,
    decisions: Map<string, AccountEvent[]>,
  ): AppendRequest[] {
    const encodedMetadata = metadataFor(ctx, plan.command, plan.idempotency?.key ?? null);
    const requests: AppendRequest[] = [];
    for (const [code, events] of decisions) {
      if (events.length === 0) continue;
      requests.push({
        streamId: accountStream(code),
        expectedVersion: states.get(code)!.version,
        events: events.map((event) => ({
          ...encodeEvent(event),
          metadata: encodedMetadata,
          effectiveAt: event.effectiveAt,
          transactionId: plan.transactionId,
        })),
      });
    }
    return requests;
  }

  /** The effective time of a command: now by default, never beyond the allowed future skew. */
  private effectiveAt(given: string | null | undefined): string {
    const now = this.clock();
    if (given == null) return now.toISOString();
    const at = instant(given, 'effectiveAt');
    if (Date.parse(at) > now.getTime() + this.maxFutureSkewMs) {
      throw new ValidationError('effectiveAt', `${given} is more than ${this.maxFutureSkewMs / 1000}s in the future`);
    }
    return at;
  }
}

/** One transaction of a batch: its id (the first one, on a retry) or why it was not posted. */
export type BatchResult =
  | { transactionId: string; error?: undefined }
  | { transactionId?: undefined; error: LedgerError };

/** Thrown inside an atomic batch's transaction to roll it back, naming the item at fault. */
class BatchAborted extends Error {
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

/** Under the write lock: nothing effective at or before the period lock is posted. */
async function checkPeriodOpen(session: WriteSession, effectiveAt: string): Promise<void> {
  const { lockedThrough } = await session.books();
  if (lockedThrough !== null && effectiveAt <= lockedThrough) throw new PeriodClosed(lockedThrough, effectiveAt);
}

/** Stored times compare as text: only the one UTC form may reach the store ("…00Z" sorts after "…00.000Z"). */
function instant(given: string, field: string): string {
  try {
    return parseInstant(given);
  } catch (error) {
    throw new ValidationError(field, (error as Error).message);
  }
}

/** Who did what, as every event of one command records it (canonical JSON). */
function metadataFor(ctx: CommandContext, command: string, idempotencyKey: string | null): string {
  const metadata: EventMetadata = {
    actor: ctx.actor,
    requestId: ctx.requestId,
    correlationId: ctx.correlationId ?? ctx.requestId,
    causationId: ctx.causationId ?? null,
    idempotencyKey,
    command,
    clientAddress: ctx.clientAddress ?? null,
  };
  return canonicalJson(metadata);
}

function replay(record: IdempotencyRecord, fingerprint: string): string {
  if (record.fingerprint !== fingerprint) throw new IdempotencyConflict(record.key);
  return record.result;
}

/** The whole canonical input, description and metadata included; the command name too. */
function fingerprintFor(command: string, input: unknown): string {
  return createHash('sha256')
    .update(canonicalJson({ command, input: withoutNulls(input) }))
    .digest('hex');
}

/** An omitted field and an explicit null mean the same request (top level and legs only; metadata is kept as sent). */
function withoutNulls(input: unknown): unknown {
  if (typeof input !== 'object' || input === null) return input;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (value == null) continue;
    out[key] = key === 'entries' && Array.isArray(value) ? value.map(withoutNulls) : value;
  }
  return out;
}
