/**
 * Expected failures as data: the `Error` interface, one object type per domain error,
 * and the result unions of the mutations.
 */
import type { ObjectRef } from '@pothos/core';
import {
  AccountAlreadyExists,
  AccountClosed,
  AccountFrozen,
  AccountHasBalance,
  AccountNotFound,
  ApiKeyAlreadyExists,
  ApiKeyNotFound,
  TransactionAlreadyReversed,
  TransactionNotFound,
  PeriodClosed,
  HoldNotPending,
  HoldExpired,
  TransactionPending,
  AccountHasPendingHolds,
  BatchItemNotPosted,
  ConcurrencyConflict,
  CurrencyMismatch,
  IdempotencyConflict,
  InsufficientFunds,
  InvalidAmount,
  LedgerError,
  MonitorNotFound,
  UnbalancedTransaction,
  ValidationError,
  type CurrencyImbalance,
} from '../domain/errors.js';
import { builder } from './builder.js';

/**
 * A LedgerError as data. graphql-js treats an Error *returned* by a resolver as thrown,
 * so the union members are plain copies that carry their own type name.
 */
export type ErrorData = { __typename: string; message: string; code: string } & Record<string, unknown>;

function toData(error: LedgerError): ErrorData {
  return { ...error, __typename: error.constructor.name, message: error.message, code: error.code };
}

export const ErrorRef = builder.interfaceRef<ErrorData>('Error').implement({
  description: 'An expected failure: nothing was written. `code` is stable; `message` is for people.',
  fields: (t) => ({
    message: t.string({ description: 'What went wrong, in a sentence.', resolve: (e) => e.message }),
    code: t.string({ description: 'A stable machine-readable code, e.g. INSUFFICIENT_FUNDS.', resolve: (e) => e.code }),
  }),
});

type ErrorClass<E extends LedgerError> = abstract new (...args: any[]) => E;

function errorType<E extends LedgerError>(
  cls: ErrorClass<E>,
  description: string,
  fields: (t: any) => Record<string, any> = () => ({}),
): ObjectRef<any, ErrorData> {
  return builder.objectRef<ErrorData>(cls.name).implement({
    description,
    interfaces: [ErrorRef],
    isTypeOf: (value) => (value as ErrorData).__typename === cls.name,
    fields,
  });
}

const keyName = (t: any) => t.string({ description: 'The key name concerned.', resolve: (e: ErrorData) => e.keyName });
const account = (t: any) => t.exposeString('account', { description: 'The account code concerned.' });

const CurrencyImbalanceRef = builder.objectRef<CurrencyImbalance>('CurrencyImbalance').implement({
  description: 'The debit and credit totals of one currency that do not match.',
  fields: (t) => ({
    currency: t.exposeString('currency', { description: 'The currency whose legs do not balance.' }),
    debit: t.expose('debit', { type: 'Decimal', description: 'Total of the debit legs.' }),
    credit: t.expose('credit', { type: 'Decimal', description: 'Total of the credit legs.' }),
  }),
});

export const Errors = {
  ValidationError: errorType(ValidationError, 'An input broke a rule (size, shape, time window).', (t) => ({
    field: t.exposeString('field', { description: 'The input field at fault.' }),
  })),
  AccountNotFound: errorType(AccountNotFound, 'No account has this code.', (t) => ({ account: account(t) })),
  AccountAlreadyExists: errorType(
    AccountAlreadyExists,
    'An account with this code exists with different fields.',
    (t) => ({
      account: account(t),
    }),
  ),
  AccountClosed: errorType(AccountClosed, 'The account is closed and takes no postings.', (t) => ({
    account: account(t),
  })),
  AccountFrozen: errorType(AccountFrozen, 'The account is frozen and takes no postings until it is unfrozen.', (t) => ({
    account: account(t),
  })),
  AccountHasBalance: errorType(AccountHasBalance, 'Only an account at zero balance can be closed.', (t) => ({
    account: account(t),
    balance: t.expose('balance', { type: 'Decimal', description: 'Its balance now.' }),
  })),
  CurrencyMismatch: errorType(CurrencyMismatch, 'A leg named a currency that is not its account’s.', (t) => ({
    account: account(t),
    expected: t.exposeString('expected', { description: 'The account’s currency.' }),
    actual: t.exposeString('actual', { description: 'The currency the request named.' }),
  })),
  InvalidAmount: errorType(
    InvalidAmount,
    'An amount is not > 0 or has more decimals than its currency allows (never rounded).',
    (t) => ({
      amount: t.exposeString('amount', { description: 'The amount as sent.' }),
    }),
  ),
  UnbalancedTransaction: errorType(
    UnbalancedTransaction,
    'Debits and credits differ in at least one currency.',
    (t) => ({
      imbalances: t.field({
        type: [CurrencyImbalanceRef],
        description: 'Each currency that does not balance.',
        resolve: (e: ErrorData) => e.imbalances as UnbalancedTransaction['imbalances'],
      }),
    }),
  ),
  InsufficientFunds: errorType(
    InsufficientFunds,
    'The posting would take the account below its minimum balance.',
    (t) => ({
      account: account(t),
      available: t.expose('available', { type: 'Decimal', description: 'What the account can still give.' }),
      requested: t.expose('requested', { type: 'Decimal', description: 'What the posting asked of it.' }),
    }),
  ),
  IdempotencyConflict: errorType(
    IdempotencyConflict,
    'The idempotency key was used before for a different request.',
    (t) => ({
      idempotencyKey: t.exposeString('idempotencyKey', { description: 'The key.' }),
    }),
  ),
  ConcurrencyConflict: errorType(ConcurrencyConflict, 'Concurrent writes kept changing an account; retry.', (t) => ({
    stream: t.exposeString('stream', { description: 'The stream that moved.' }),
    expectedVersion: t.exposeInt('expectedVersion', { description: 'The version the command decided against.' }),
    actualVersion: t.exposeInt('actualVersion', { description: 'The version found.' }),
  })),
  ApiKeyAlreadyExists: errorType(
    ApiKeyAlreadyExists,
    'An API key has this name already (names are never reused, revoked keys included).',
    (t) => ({
      name: keyName(t),
    }),
  ),
  TransactionNotFound: errorType(TransactionNotFound, 'No transaction has this id.', (t) => ({
    transactionId: t.exposeString('transactionId', { description: 'The id asked for.' }),
  })),
  TransactionAlreadyReversed: errorType(
    TransactionAlreadyReversed,
    'The transaction was reversed before; a transaction is reversed at most once.',
    (t) => ({
      transactionId: t.exposeString('transactionId', { description: 'The transaction.' }),
      reversedBy: t.exposeString('reversedBy', { description: 'The reversal that reversed it.' }),
    }),
  ),
  PeriodClosed: errorType(
    PeriodClosed,
    'The books are closed through an instant at or after the effective time asked for.',
    (t) => ({
      lockedThrough: t.expose('lockedThrough', {
        type: 'DateTime',
        description: 'The books are closed through this instant.',
      }),
      effectiveAt: t.expose('effectiveAt', { type: 'DateTime', description: 'The effective time that was refused.' }),
    }),
  ),
  HoldNotPending: errorType(
    HoldNotPending,
    'The transaction is not a pending hold (posted, committed or voided).',
    (t) => ({
      transactionId: t.exposeString('transactionId', { description: 'The transaction.' }),
      status: t.exposeString('status', { description: 'Where it stands instead.' }),
    }),
  ),
  HoldExpired: errorType(
    HoldExpired,
    'The hold passed its expiry: it reserves nothing and can no longer be committed.',
    (t) => ({
      transactionId: t.exposeString('transactionId', { description: 'The hold.' }),
      expiresAt: t.expose('expiresAt', { type: 'DateTime', description: 'When it expired.' }),
    }),
  ),
  TransactionPending: errorType(TransactionPending, 'A pending hold is voided, not reversed.', (t) => ({
    transactionId: t.exposeString('transactionId', { description: 'The hold.' }),
  })),
  AccountHasPendingHolds: errorType(
    AccountHasPendingHolds,
    'Only an account without open holds can be closed.',
    (t) => ({
      account: account(t),
      holds: t.exposeInt('holds', { description: 'How many holds are still open (commit or void them).' }),
    }),
  ),
  BatchItemNotPosted: errorType(
    BatchItemNotPosted,
    'Not posted: another item of an atomic batch was refused.',
    (t) => ({
      failedIndex: t.exposeInt('failedIndex', { description: 'The position (from 0) of the item that was refused.' }),
    }),
  ),
  ApiKeyNotFound: errorType(ApiKeyNotFound, 'No API key has this name.', (t) => ({ name: keyName(t) })),
  MonitorNotFound: errorType(MonitorNotFound, 'No balance monitor has this id.', (t) => ({
    monitorId: t.exposeString('monitorId', { description: 'The id asked for.' }),
  })),
};

type ErrorName = keyof typeof Errors;

/**
 * A mutation's result union: its success type plus the errors it can return. The
 * resolver returns either the success value or a LedgerError instance.
 */
export function resultUnion<T extends object>(
  name: string,
  success: ObjectRef<any, T>,
  errors: ErrorName[],
  description: string,
) {
  return builder.unionType(name, {
    description,
    types: [success, ...errors.map((e) => Errors[e])],
    resolveType: (value) => ('__typename' in value ? (value as ErrorData).__typename : success.name),
  });
}

/** A LedgerError as the union member it stands for. */
export function errorData(error: LedgerError): ErrorData {
  return toData(error);
}

/** Runs a command; an expected failure becomes the matching union member, anything else is thrown (and masked). */
export async function asResult<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    // Typed as never: Pothos sees the union's members, not this error-as-data shape.
    if (error instanceof LedgerError) return toData(error) as never;
    throw error;
  }
}
