/**
 * Expected failures of the ledger. Each class is a typed error that the GraphQL layer
 * returns as data (a member of a mutation's result union), never as an exception.
 * `code` is stable and machine-readable; `message` is for humans.
 */
export abstract class LedgerError extends Error {
  abstract readonly code: string;
}

/**
 * How an error reads in the API, declared beside it once: graphql/errors.ts derives the error's
 * GraphQL object type (named as in LEDGER_ERRORS) from this, and nothing else.
 */
export interface ErrorShape {
  description: string;
  fields: Record<string, ErrorField>;
}

export interface ErrorField {
  type: 'String' | 'Int' | 'Decimal' | 'DateTime' | '[CurrencyImbalance]' | 'BalanceCondition' | 'BalanceMetric';
  description: string;
  /** The property read, when it is not the field's name (`name` is taken by every Error). */
  from?: string;
}

/** A LedgerError class the API can return: it declares its shape. */
export type ErrorClass = (abstract new (...args: never[]) => LedgerError) & { readonly shape: ErrorShape };

const ACCOUNT: ErrorField = { type: 'String', description: 'The account code concerned.' };
const CATEGORY: ErrorField = { type: 'String', description: 'The category code concerned.' };
const KEY_NAME: ErrorField = { type: 'String', description: 'The key name concerned.', from: 'keyName' };

export class ValidationError extends LedgerError {
  readonly code = 'VALIDATION_ERROR';
  static readonly shape: ErrorShape = {
    description: 'An input broke a rule (size, shape, time window).',
    fields: {
      field: { type: 'String', description: 'The input field at fault.' },
    },
  };
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export class AccountNotFound extends LedgerError {
  readonly code = 'ACCOUNT_NOT_FOUND';
  static readonly shape: ErrorShape = {
    description: 'No account has this code.',
    fields: {
      account: ACCOUNT,
    },
  };
  constructor(readonly account: string) {
    super(`account "${account}" does not exist`);
  }
}

export class AccountAlreadyExists extends LedgerError {
  readonly code = 'ACCOUNT_ALREADY_EXISTS';
  static readonly shape: ErrorShape = {
    description: 'An account with this code exists with different fields.',
    fields: {
      account: ACCOUNT,
    },
  };
  constructor(readonly account: string) {
    super(`account "${account}" already exists with different fields`);
  }
}

export class AccountClosed extends LedgerError {
  readonly code = 'ACCOUNT_CLOSED';
  static readonly shape: ErrorShape = {
    description: 'The account is closed and takes no postings.',
    fields: {
      account: ACCOUNT,
    },
  };
  constructor(readonly account: string) {
    super(`account "${account}" is closed`);
  }
}

export class AccountFrozen extends LedgerError {
  readonly code = 'ACCOUNT_FROZEN';
  static readonly shape: ErrorShape = {
    description: 'The account is frozen and takes no postings until it is unfrozen.',
    fields: {
      account: ACCOUNT,
    },
  };
  constructor(readonly account: string) {
    super(`account "${account}" is frozen: it takes no postings until it is unfrozen`);
  }
}

export class AccountHasBalance extends LedgerError {
  readonly code = 'ACCOUNT_HAS_BALANCE';
  static readonly shape: ErrorShape = {
    description: 'Only an account at zero balance can be closed.',
    fields: {
      account: ACCOUNT,
      balance: { type: 'Decimal', description: 'Its balance now.' },
    },
  };
  constructor(
    readonly account: string,
    readonly balance: string,
  ) {
    super(`account "${account}" cannot be closed: its balance is ${balance}, not zero`);
  }
}

export class CurrencyMismatch extends LedgerError {
  readonly code = 'CURRENCY_MISMATCH';
  static readonly shape: ErrorShape = {
    description: 'A leg named a currency that is not its account’s.',
    fields: {
      account: ACCOUNT,
      expected: { type: 'String', description: 'The account’s currency.' },
      actual: { type: 'String', description: 'The currency the request named.' },
    },
  };
  constructor(
    readonly account: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`account "${account}" is in ${expected}, not ${actual}`);
  }
}

export class InvalidAmount extends LedgerError {
  readonly code = 'INVALID_AMOUNT';
  static readonly shape: ErrorShape = {
    description: 'An amount is not > 0 or has more decimals than its currency allows (never rounded).',
    fields: {
      amount: { type: 'String', description: 'The amount as sent.' },
    },
  };
  constructor(
    readonly amount: string,
    reason: string,
  ) {
    super(`invalid amount "${amount}": ${reason}`);
  }
}

export interface CurrencyImbalance {
  currency: string;
  debit: string;
  credit: string;
}

export class UnbalancedTransaction extends LedgerError {
  readonly code = 'UNBALANCED_TRANSACTION';
  static readonly shape: ErrorShape = {
    description: 'Debits and credits differ in at least one currency.',
    fields: {
      imbalances: { type: '[CurrencyImbalance]', description: 'Each currency that does not balance.' },
    },
  };
  constructor(readonly imbalances: CurrencyImbalance[]) {
    super(
      'debits must equal credits in every currency: ' +
        imbalances.map((i) => `${i.currency} debits ${i.debit} ≠ credits ${i.credit}`).join('; '),
    );
  }
}

export class InsufficientFunds extends LedgerError {
  readonly code = 'INSUFFICIENT_FUNDS';
  static readonly shape: ErrorShape = {
    description: 'The posting would take the account below its minimum balance.',
    fields: {
      account: ACCOUNT,
      available: { type: 'Decimal', description: 'What the account can still give.' },
      requested: { type: 'Decimal', description: 'What the posting asked of it.' },
    },
  };
  constructor(
    readonly account: string,
    readonly available: string,
    readonly requested: string,
  ) {
    super(`account "${account}" has ${available} available, ${requested} was asked`);
  }
}

export class BalanceLimitExceeded extends LedgerError {
  readonly code = 'BALANCE_LIMIT_EXCEEDED';
  static readonly shape: ErrorShape = {
    description: 'The posting would take the account above its maximum balance (what holds bring in counted).',
    fields: {
      account: ACCOUNT,
      limit: { type: 'Decimal', description: 'The account’s maximum balance.' },
      resulting: { type: 'Decimal', description: 'The highest the balance would stand with the posting.' },
    },
  };
  constructor(
    readonly account: string,
    readonly limit: string,
    readonly resulting: string,
  ) {
    super(`account "${account}" may hold at most ${limit}; the posting would take it to ${resulting}`);
  }
}

/** A balance condition as a refusal shows it: the figure, and each bound at the account's scale. */
export interface BalanceConditionView {
  account: string;
  metric: 'POSTED' | 'PENDING' | 'AVAILABLE';
  gte: string | null;
  lte: string | null;
  eq: string | null;
}

export class BalanceConditionFailed extends LedgerError {
  readonly code = 'BALANCE_CONDITION_FAILED';
  static readonly shape: ErrorShape = {
    description: 'A balance condition of the transaction does not hold on the balances it would leave.',
    fields: {
      account: ACCOUNT,
      metric: { type: 'BalanceMetric', description: 'The figure the condition bounds.' },
      actual: { type: 'Decimal', description: 'The figure the transaction would leave.' },
      condition: {
        type: 'BalanceCondition',
        description: 'The condition that failed (the first, in the order given).',
      },
    },
  };
  constructor(
    readonly account: string,
    readonly metric: BalanceConditionView['metric'],
    readonly actual: string,
    readonly condition: BalanceConditionView,
  ) {
    const bounds = (['gte', 'lte', 'eq'] as const).flatMap((k) =>
      condition[k] === null ? [] : [`${k} ${condition[k]}`],
    );
    super(`account "${account}": ${metric} would be ${actual}, the condition asks ${bounds.join(' and ')}`);
  }
}

export class VersionMismatch extends LedgerError {
  readonly code = 'VERSION_MISMATCH';
  static readonly shape: ErrorShape = {
    description: 'An account’s stream is not at the version the request expected (it changed since it was read).',
    fields: {
      account: ACCOUNT,
      expected: { type: 'Int', description: 'The version the request expected.' },
      actual: { type: 'Int', description: 'The account’s version now.' },
    },
  };
  constructor(
    readonly account: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`account "${account}" is at version ${actual}, the request expected ${expected}`);
  }
}

export class IdempotencyConflict extends LedgerError {
  readonly code = 'IDEMPOTENCY_CONFLICT';
  static readonly shape: ErrorShape = {
    description: 'The idempotency key was used before for a different request.',
    fields: {
      idempotencyKey: { type: 'String', description: 'The key.' },
    },
  };
  constructor(readonly idempotencyKey: string) {
    super(`idempotency key "${idempotencyKey}" was already used for a different request`);
  }
}

export class ConcurrencyConflict extends LedgerError {
  readonly code = 'CONCURRENCY_CONFLICT';
  static readonly shape: ErrorShape = {
    description: 'Concurrent writes kept changing an account; retry.',
    fields: {
      stream: { type: 'String', description: 'The stream that moved.' },
      expectedVersion: { type: 'Int', description: 'The version the command decided against.' },
      actualVersion: { type: 'Int', description: 'The version found.' },
    },
  };
  constructor(
    readonly stream: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(`stream "${stream}" is at version ${actualVersion}, expected ${expectedVersion}`);
  }
}

export class ApiKeyAlreadyExists extends LedgerError {
  readonly code = 'API_KEY_ALREADY_EXISTS';
  static readonly shape: ErrorShape = {
    description: 'An API key has this name already (names are never reused, revoked keys included).',
    fields: {
      name: KEY_NAME,
    },
  };
  constructor(readonly keyName: string) {
    super(`an API key named "${keyName}" exists (names are never reused, revoked keys included)`);
  }
}

export class LedgerAlreadyExists extends LedgerError {
  readonly code = 'LEDGER_ALREADY_EXISTS';
  static readonly shape: ErrorShape = {
    description: 'A ledger has this name already (`default` always exists).',
    fields: {
      name: { type: 'String', description: 'The ledger name concerned.', from: 'ledgerName' },
    },
  };
  constructor(readonly ledgerName: string) {
    super(`a ledger named "${ledgerName}" exists`);
  }
}

export class ApiKeyNotFound extends LedgerError {
  readonly code = 'API_KEY_NOT_FOUND';
  static readonly shape: ErrorShape = {
    description: 'No API key has this name.',
    fields: {
      name: KEY_NAME,
    },
  };
  constructor(readonly keyName: string) {
    super(`no API key is named "${keyName}"`);
  }
}

export class TransactionNotFound extends LedgerError {
  readonly code = 'TRANSACTION_NOT_FOUND';
  static readonly shape: ErrorShape = {
    description: 'No transaction has this id.',
    fields: {
      transactionId: { type: 'String', description: 'The id asked for.' },
    },
  };
  constructor(readonly transactionId: string) {
    super(`no transaction has id "${transactionId}"`);
  }
}

export class TransactionAlreadyReversed extends LedgerError {
  readonly code = 'TRANSACTION_ALREADY_REVERSED';
  static readonly shape: ErrorShape = {
    description: 'The transaction was reversed before; a transaction is reversed at most once.',
    fields: {
      transactionId: { type: 'String', description: 'The transaction.' },
      reversedBy: { type: 'String', description: 'The reversal that reversed it.' },
    },
  };
  constructor(
    readonly transactionId: string,
    readonly reversedBy: string,
  ) {
    super(`transaction "${transactionId}" was already reversed by "${reversedBy}"`);
  }
}

export class PeriodClosed extends LedgerError {
  readonly code = 'PERIOD_CLOSED';
  static readonly shape: ErrorShape = {
    description: 'The books are closed through an instant at or after the effective time asked for.',
    fields: {
      lockedThrough: { type: 'DateTime', description: 'The books are closed through this instant.' },
      effectiveAt: { type: 'DateTime', description: 'The effective time that was refused.' },
    },
  };
  constructor(
    readonly lockedThrough: string,
    readonly effectiveAt: string,
  ) {
    super(
      `the books are closed through ${lockedThrough}: nothing effective at ${effectiveAt} can be posted until they are reopened`,
    );
  }
}

export class HoldNotPending extends LedgerError {
  readonly code = 'HOLD_NOT_PENDING';
  static readonly shape: ErrorShape = {
    description: 'The transaction is not a pending hold (posted, committed or voided).',
    fields: {
      transactionId: { type: 'String', description: 'The transaction.' },
      status: { type: 'String', description: 'Where it stands instead.' },
    },
  };
  constructor(
    readonly transactionId: string,
    readonly status: string,
  ) {
    super(`transaction "${transactionId}" is not a pending hold (${status})`);
  }
}

export class HoldExpired extends LedgerError {
  readonly code = 'HOLD_EXPIRED';
  static readonly shape: ErrorShape = {
    description: 'The hold passed its expiry: it reserves nothing and can no longer be committed.',
    fields: {
      transactionId: { type: 'String', description: 'The hold.' },
      expiresAt: { type: 'DateTime', description: 'When it expired.' },
    },
  };
  constructor(
    readonly transactionId: string,
    readonly expiresAt: string,
  ) {
    super(`hold "${transactionId}" expired at ${expiresAt}: it reserves nothing and can no longer be committed`);
  }
}

export class AccountHasPendingHolds extends LedgerError {
  readonly code = 'ACCOUNT_HAS_PENDING_HOLDS';
  static readonly shape: ErrorShape = {
    description: 'Only an account without open holds can be closed.',
    fields: {
      account: ACCOUNT,
      holds: { type: 'Int', description: 'How many holds are still open (commit or void them).' },
    },
  };
  constructor(
    readonly account: string,
    readonly holds: number,
  ) {
    super(`account "${account}" cannot be closed: ${holds} hold(s) are still open (commit or void them)`);
  }
}

export class TransactionPending extends LedgerError {
  readonly code = 'TRANSACTION_PENDING';
  static readonly shape: ErrorShape = {
    description: 'A pending hold is voided, not reversed.',
    fields: {
      transactionId: { type: 'String', description: 'The hold.' },
    },
  };
  constructor(readonly transactionId: string) {
    super(`transaction "${transactionId}" is a pending hold: void it instead of reversing it`);
  }
}

export class BatchItemNotPosted extends LedgerError {
  readonly code = 'BATCH_ITEM_NOT_POSTED';
  static readonly shape: ErrorShape = {
    description: 'Not posted: another item of an atomic batch was refused.',
    fields: {
      failedIndex: { type: 'Int', description: 'The position (from 0) of the item that was refused.' },
    },
  };
  constructor(readonly failedIndex: number) {
    super(`not posted: the batch is atomic and item ${failedIndex} was refused`);
  }
}

export class MonitorNotFound extends LedgerError {
  readonly code = 'MONITOR_NOT_FOUND';
  static readonly shape: ErrorShape = {
    description: 'No balance monitor has this id.',
    fields: {
      monitorId: { type: 'String', description: 'The id asked for.' },
    },
  };
  constructor(readonly monitorId: string) {
    super(`no balance monitor has id "${monitorId}"`);
  }
}

export class CategoryNotFound extends LedgerError {
  readonly code = 'CATEGORY_NOT_FOUND';
  static readonly shape: ErrorShape = {
    description: 'No category has this code.',
    fields: {
      category: CATEGORY,
    },
  };
  constructor(readonly category: string) {
    super(`category "${category}" does not exist`);
  }
}

export class CategoryAlreadyExists extends LedgerError {
  readonly code = 'CATEGORY_ALREADY_EXISTS';
  static readonly shape: ErrorShape = {
    description: 'A category with this code exists with another name.',
    fields: {
      category: CATEGORY,
    },
  };
  constructor(readonly category: string) {
    super(`category "${category}" already exists with another name`);
  }
}

export class CategoryCycle extends LedgerError {
  readonly code = 'CATEGORY_CYCLE';
  static readonly shape: ErrorShape = {
    description:
      'The child category is the category itself or contains it (at some effective time): categories never nest in a cycle.',
    fields: {
      category: CATEGORY,
      childCategory: { type: 'String', description: 'The child that would close the cycle.' },
    },
  };
  constructor(
    readonly category: string,
    readonly childCategory: string,
  ) {
    super(`category "${childCategory}" cannot go into "${category}": it is that category or contains it, a cycle`);
  }
}

export class NotACategoryMember extends LedgerError {
  readonly code = 'NOT_A_CATEGORY_MEMBER';
  static readonly shape: ErrorShape = {
    description: 'The account or child category is not a member of the category at the effective time given.',
    fields: {
      category: CATEGORY,
      member: { type: 'String', description: 'The member asked for: "account:<code>" or "category:<code>".' },
      effectiveAt: { type: 'DateTime', description: 'The effective time asked for.' },
    },
  };
  constructor(
    readonly category: string,
    readonly member: string,
    readonly effectiveAt: string,
  ) {
    super(`${member} is not a member of category "${category}" at ${effectiveAt}`);
  }
}

export class MetadataNotIndexed extends LedgerError {
  readonly code = 'METADATA_NOT_INDEXED';
  static readonly shape: ErrorShape = {
    description:
      'A filter named a metadata path with no index ready for it: declare one with createMetadataIndex (never a table scan).',
    fields: {
      target: { type: 'String', description: 'TRANSACTION or ACCOUNT.' },
      path: { type: 'String', description: 'The metadata path.' },
    },
  };
  constructor(
    readonly target: string,
    readonly path: string,
    why: string,
  ) {
    super(`${target.toLowerCase()} metadata "${path}" cannot be filtered: ${why}`);
  }
}

const CONSUMER: ErrorField = { type: 'String', description: 'The consumer name concerned.', from: 'consumer' };

export class ConsumerNotFound extends LedgerError {
  readonly code = 'CONSUMER_NOT_FOUND';
  static readonly shape: ErrorShape = {
    description: 'No durable consumer has this name.',
    fields: { consumer: CONSUMER },
  };
  constructor(readonly consumer: string) {
    super(`no consumer is named "${consumer}"`);
  }
}

export class ConsumerAlreadyExists extends LedgerError {
  readonly code = 'CONSUMER_ALREADY_EXISTS';
  static readonly shape: ErrorShape = {
    description: 'A durable consumer with this name exists (delete it first to start over).',
    fields: { consumer: CONSUMER },
  };
  constructor(readonly consumer: string) {
    super(`a consumer named "${consumer}" already exists`);
  }
}

export class AckBeyondHandedOut extends LedgerError {
  readonly code = 'ACK_BEYOND_HANDED_OUT';
  static readonly shape: ErrorShape = {
    description: 'An ack named a position the consumer has not handed out yet: nothing was acknowledged.',
    fields: {
      consumer: CONSUMER,
      position: { type: 'Int', description: 'The position acknowledged.' },
      handedOutThrough: { type: 'Int', description: 'The last position handed out (or skipped) so far.' },
    },
  };
  constructor(
    readonly consumer: string,
    readonly position: number,
    readonly handedOutThrough: number,
  ) {
    super(`consumer "${consumer}" has handed out the log through ${handedOutThrough}, not ${position}`);
  }
}

export class WebhookNotFound extends LedgerError {
  readonly code = 'WEBHOOK_NOT_FOUND';
  static readonly shape: ErrorShape = {
    description: 'No webhook has this id.',
    fields: {
      webhookId: { type: 'String', description: 'The id asked for.' },
    },
  };
  constructor(readonly webhookId: string) {
    super(`no webhook has id "${webhookId}"`);
  }
}

export class WebhookUrlRefused extends LedgerError {
  readonly code = 'WEBHOOK_URL_REFUSED';
  static readonly shape: ErrorShape = {
    description:
      'The URL is not one webhooks may call: not http(s), or it resolves to a loopback, private, link-local or metadata address (docs/security.md).',
    fields: {
      url: { type: 'String', description: 'The URL as sent.' },
      reason: { type: 'String', description: 'Why it was refused.' },
    },
  };
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`webhook URL refused: ${reason}`);
  }
}

/** One API key already owns as many monitors (or webhooks) as it may: each one costs work on every write. */
export class PerKeyLimitReached extends LedgerError {
  readonly code = 'PER_KEY_LIMIT_REACHED';
  static readonly shape: ErrorShape = {
    description:
      'The API key already created as many of these as one key may (INKWELL_PER_KEY_LIMIT): delete one first.',
    fields: {
      kind: { type: 'String', description: 'What is limited: "balance monitors" or "webhooks".' },
      limit: { type: 'Int', description: 'How many one key may create.' },
    },
  };
  constructor(
    readonly kind: string,
    readonly limit: number,
  ) {
    super(`an API key may create at most ${limit} ${kind}: delete one first`);
  }
}

/** Every error the API can return, by its GraphQL type name. */
export const LEDGER_ERRORS = {
  ValidationError,
  AccountNotFound,
  AccountAlreadyExists,
  AccountClosed,
  AccountFrozen,
  AccountHasBalance,
  CurrencyMismatch,
  InvalidAmount,
  UnbalancedTransaction,
  InsufficientFunds,
  BalanceLimitExceeded,
  BalanceConditionFailed,
  VersionMismatch,
  IdempotencyConflict,
  ConcurrencyConflict,
  ApiKeyAlreadyExists,
  ApiKeyNotFound,
  TransactionNotFound,
  TransactionAlreadyReversed,
  PeriodClosed,
  HoldNotPending,
  HoldExpired,
  AccountHasPendingHolds,
  TransactionPending,
  BatchItemNotPosted,
  MonitorNotFound,
  // In no result union (searches raise METADATA_NOT_INDEXED), but schema.graphql has its type: never removed.
  MetadataNotIndexed,
  CategoryNotFound,
  CategoryAlreadyExists,
  CategoryCycle,
  NotACategoryMember,
  ConsumerNotFound,
  ConsumerAlreadyExists,
  AckBeyondHandedOut,
  WebhookNotFound,
  WebhookUrlRefused,
  PerKeyLimitReached,
  LedgerAlreadyExists,
} as const satisfies Record<string, ErrorClass>;
