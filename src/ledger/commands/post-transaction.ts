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
import { decide, evolve, type AccountEvent, type AccountState } from '../../domain/account.js';
import {
  checkExchangeCurrencies,
  checkExchanges,
  conversionLegs,
  DEFAULT_CONVERSION_ACCOUNT,
  type Exchange,
  type ExchangeInput,
} from '../../domain/exchanges.js';
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
  /** Conversions between the legs' currencies: Inkwell adds their legs on the conversion accounts. */
  exchanges?: ExchangeInput[] | null;
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
  const exchanges = checkExchanges(input.exchanges);
  if (exchanges.length > 0 && pending)
    throw new ValidationError('exchanges', 'a hold (pending) cannot carry exchanges');
  const conversion = conversionLegs(env.conversionAccount ?? DEFAULT_CONVERSION_ACCOUNT, exchanges);
  const entries = [...input.entries, ...conversion];
  if (conversion.length > 0) checkLegCount(entries);
  const transactionId = uuidv7(env.clock().getTime());
  return {
    name: options.name,
    idempotency: { key: idempotencyKey, fingerprint: fingerprintFor(options.name, options.fingerprintOf) },
    accounts: [...entries.map((e) => e.account), ...preconditionAccounts(input.conditions, input.expectedVersions)],
    transactionId,
    answer: transactionId,
    causationId: options.reverses,
    checkNamed: options.checkNamed,
    read: (session, states) => notYetAvailableNow(session, states, env),
    decide: (loaded, notYetAvailable) => {
      const { states, opened } = withConversionAccounts(loaded, conversion, input.entries, exchanges, effectiveAt);
      const decisions = decideJournal(
        {
          type: 'Post',
          posting: {
            transactionId,
            idempotencyKey,
            entries,
            description,
            metadata,
            reverses: options.reverses ?? null,
            exchanges,
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
      );
      for (const [code, events] of opened) decisions.set(code, [...events, ...(decisions.get(code) ?? [])]);
      return decisions;
    },
    effectiveAt,
  };
}

/**
 * Step 6, with exchanges: the client's legs' currencies must include every exchange's, and a
 * conversion account not opened yet is opened here, in the same commit — an EQUITY account in its
 * currency, effective with the posting, its AccountOpened event first on its stream. `states` is
 * what the journal decides against (those accounts opened); `opened` their opening events.
 */
function withConversionAccounts(
  loaded: ReadonlyMap<string, AccountState>,
  conversion: readonly EntryInput[],
  clientEntries: readonly EntryInput[],
  exchanges: readonly Exchange[],
  effectiveAt: string,
): { states: ReadonlyMap<string, AccountState>; opened: Map<string, AccountEvent[]> } {
  const opened = new Map<string, AccountEvent[]>();
  if (exchanges.length === 0) return { states: loaded, opened };
  const currencies = new Set<string>();
  for (const entry of clientEntries) {
    const state = loaded.get(entry.account);
    if (state?.exists) currencies.add(state.currency.code);
  }
  checkExchangeCurrencies(exchanges, currencies);
  const states = new Map(loaded);
  for (const leg of conversion) {
    const state = states.get(leg.account)!;
    if (state.exists || opened.has(leg.account)) continue;
    const events = decide(
      {
        type: 'OpenAccount',
        code: leg.account,
        name: `Conversion ${leg.currency}`,
        accountType: 'EQUITY',
        currency: leg.currency!,
        minimumBalance: null,
        maximumBalance: null,
        metadata: null,
        effectiveAt,
        effectiveAtGiven: true,
      },
      state,
    );
    opened.set(leg.account, events);
    states.set(leg.account, events.reduce(evolve, state));
  }
  return { states, opened };
}

/** Step 5 of whatever spends: what the accounts receive later, which the balance bound leaves aside. */
export function notYetAvailableNow(
  session: WriteSession,
  states: Parameters<typeof notYetAvailableOf>[1],
  env: CommandEnv,
): Promise<NotYetAvailable> {
  return notYetAvailableOf(session.trx, states, env.clock().toISOString(), session.pendingEntries());
}
