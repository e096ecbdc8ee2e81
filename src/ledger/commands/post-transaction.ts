/** postTransaction: a balanced journal entry, or with `pending` a hold, exactly once per idempotency key. */
import {
  checkPreconditions,
  preconditionAccounts,
  type BalanceCondition,
  type ExpectedVersion,
} from '../../domain/conditions.js';
import {
  AccountClosed,
  AccountFrozen,
  AccountNotFound,
  BalanceConditionFailed,
  BalanceLimitExceeded,
  ConcurrencyConflict,
  CurrencyMismatch,
  IdempotencyConflict,
  InsufficientFunds,
  InvalidAmount,
  PeriodClosed,
  UnbalancedTransaction,
  ValidationError,
  VersionMismatch,
} from '../../domain/errors.js';
import { decideJournal, type NotYetAvailable } from '../../domain/journal.js';
import { checkCode, checkDescription, checkIdempotencyKey, checkMetadata } from '../../domain/limits.js';
import { checkLegCount, type EntryInput } from '../../domain/transaction.js';
import { uuidv7 } from '../ids.js';
import { effectiveAtOf, fingerprintFor, type Command, type CommandEnv } from '../pipeline.js';
import { notYetAvailableOf } from '../queries.js';
import type { WriteSession } from '../write-session.js';
import { instantField } from '../../domain/time.js';

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
  /** Bounds on the balances the transaction would leave; all must hold. */
  conditions?: BalanceCondition[] | null;
  /** Optimistic locks: each account's stream must still be at this version. */
  expectedVersions?: ExpectedVersion[] | null;
}

/** What moving money between existing accounts can answer, whatever the command (the tail of each list). */
export const movingErrors = [
  AccountClosed,
  AccountFrozen,
  InsufficientFunds,
  BalanceLimitExceeded,
  PeriodClosed,
  IdempotencyConflict,
  ConcurrencyConflict,
] as const;

/** What postTransaction (and transfer) can answer instead of the transaction. */
export const postTransactionErrors = [
  ValidationError,
  AccountNotFound,
  AccountClosed,
  AccountFrozen,
  CurrencyMismatch,
  InvalidAmount,
  UnbalancedTransaction,
  InsufficientFunds,
  BalanceLimitExceeded,
  BalanceConditionFailed,
  VersionMismatch,
  PeriodClosed,
  IdempotencyConflict,
  ConcurrencyConflict,
] as const;

/** How a posting was asked for: postTransaction, transfer or reverseTransaction. */
export interface PostingOptions {
  name: string;
  /** The request as the client sent it: a retry must send the same. */
  fingerprintOf: unknown;
  reverses?: string;
  checkNamed?: (session: WriteSession) => Promise<void>;
  /** A transfer "up to" its amount (journal.ts). */
  upTo?: boolean;
}

export function postTransaction(input: PostTransactionInput, env: CommandEnv): Command<NotYetAvailable> {
  return posting(input, env, { name: 'postTransaction', fingerprintOf: input });
}

/** Step 1 of every posting: each input rule, before anything is loaded. */
export function posting(
  input: PostTransactionInput,
  env: CommandEnv,
  options: PostingOptions,
): Command<NotYetAvailable> {
  const idempotencyKey = checkIdempotencyKey(input.idempotencyKey);
  const description = checkDescription(input.description);
  const metadata = checkMetadata(input.metadata);
  const effectiveAt = effectiveAtOf(env, input.effectiveAt);
  checkLegCount(input.entries);
  for (const [i, entry] of input.entries.entries()) checkCode(entry.account, `entries[${i}].account`);
  checkPreconditions(input.conditions, input.expectedVersions);
  const pending = input.pending === true;
  if (input.expiresAt != null && !pending)
    throw new ValidationError('expiresAt', 'only a pending transaction (a hold) expires');
  const expiresAt = input.expiresAt == null ? null : instantField(input.expiresAt, 'expiresAt');
  if (expiresAt !== null && expiresAt <= env.clock().toISOString())
    throw new ValidationError('expiresAt', `${expiresAt} is not in the future`);
  const transactionId = uuidv7(env.clock().getTime());
  return {
    name: options.name,
    idempotency: { key: idempotencyKey, fingerprint: fingerprintFor(options.name, options.fingerprintOf) },
    accounts: [
      ...input.entries.map((e) => e.account),
      ...preconditionAccounts(input.conditions, input.expectedVersions),
    ],
    transactionId,
    answer: transactionId,
    causationId: options.reverses,
    checkNamed: options.checkNamed,
    read: (session, states) => notYetAvailableNow(session, states, env),
    decide: (states, notYetAvailable) =>
      decideJournal(
        {
          type: 'Post',
          posting: {
            transactionId,
            idempotencyKey,
            entries: input.entries,
            description,
            metadata,
            reverses: options.reverses ?? null,
          },
          pending,
          expiresAt,
          effectiveAt,
          now: env.clock().toISOString(),
          notYetAvailable,
          conditions: input.conditions,
          expectedVersions: input.expectedVersions,
          upTo: options.upTo,
        },
        states,
      ),
    effectiveAt,
  };
}

/** Step 5 of whatever spends: what the accounts receive later, which the balance bound leaves aside. */
export function notYetAvailableNow(
  session: WriteSession,
  states: Parameters<typeof notYetAvailableOf>[1],
  env: CommandEnv,
): Promise<NotYetAvailable> {
  return notYetAvailableOf(session.trx, states, env.clock().toISOString(), session.pendingEntries());
}
