/**
 * Expected failures of the ledger. Each class is a typed error that the GraphQL layer
 * returns as data (a member of a mutation's result union), never as an exception.
 * `code` is stable and machine-readable; `message` is for humans.
 */
export abstract class LedgerError extends Error {
  abstract readonly code: string;
}

export class ValidationError extends LedgerError {
  readonly code = 'VALIDATION_ERROR';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export class AccountNotFound extends LedgerError {
  readonly code = 'ACCOUNT_NOT_FOUND';
  constructor(readonly account: string) {
    super(`account "${account}" does not exist`);
  }
}

export class AccountAlreadyExists extends LedgerError {
  readonly code = 'ACCOUNT_ALREADY_EXISTS';
  constructor(readonly account: string) {
    super(`account "${account}" already exists with different fields`);
  }
}

export class AccountClosed extends LedgerError {
  readonly code = 'ACCOUNT_CLOSED';
  constructor(readonly account: string) {
    super(`account "${account}" is closed`);
  }
}

export class AccountFrozen extends LedgerError {
  readonly code = 'ACCOUNT_FROZEN';
  constructor(readonly account: string) {
    super(`account "${account}" is frozen: it takes no postings until it is unfrozen`);
  }
}

export class AccountHasBalance extends LedgerError {
  readonly code = 'ACCOUNT_HAS_BALANCE';
  constructor(
    readonly account: string,
    readonly balance: string,
  ) {
    super(`account "${account}" cannot be closed: its balance is ${balance}, not zero`);
  }
}

export class CurrencyMismatch extends LedgerError {
  readonly code = 'CURRENCY_MISMATCH';
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
  constructor(readonly imbalances: CurrencyImbalance[]) {
    super(
      'debits must equal credits in every currency: ' +
        imbalances.map((i) => `${i.currency} debits ${i.debit} ≠ credits ${i.credit}`).join('; '),
    );
  }
}

export class InsufficientFunds extends LedgerError {
  readonly code = 'INSUFFICIENT_FUNDS';
  constructor(
    readonly account: string,
    readonly available: string,
    readonly requested: string,
  ) {
    super(`account "${account}" has ${available} available, ${requested} was asked`);
  }
}

export class IdempotencyConflict extends LedgerError {
  readonly code = 'IDEMPOTENCY_CONFLICT';
  constructor(readonly idempotencyKey: string) {
    super(`idempotency key "${idempotencyKey}" was already used for a different request`);
  }
}

export class ConcurrencyConflict extends LedgerError {
  readonly code = 'CONCURRENCY_CONFLICT';
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
  constructor(readonly keyName: string) {
    super(`an API key named "${keyName}" exists (names are never reused, revoked keys included)`);
  }
}

export class ApiKeyNotFound extends LedgerError {
  readonly code = 'API_KEY_NOT_FOUND';
  constructor(readonly keyName: string) {
    super(`no API key is named "${keyName}"`);
  }
}

export class TransactionNotFound extends LedgerError {
  readonly code = 'TRANSACTION_NOT_FOUND';
  constructor(readonly transactionId: string) {
    super(`no transaction has id "${transactionId}"`);
  }
}

export class TransactionAlreadyReversed extends LedgerError {
  readonly code = 'TRANSACTION_ALREADY_REVERSED';
  constructor(
    readonly transactionId: string,
    readonly reversedBy: string,
  ) {
    super(`transaction "${transactionId}" was already reversed by "${reversedBy}"`);
  }
}

export class PeriodClosed extends LedgerError {
  readonly code = 'PERIOD_CLOSED';
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
  constructor(
    readonly transactionId: string,
    readonly status: string,
  ) {
    super(`transaction "${transactionId}" is not a pending hold (${status})`);
  }
}

export class HoldExpired extends LedgerError {
  readonly code = 'HOLD_EXPIRED';
  constructor(
    readonly transactionId: string,
    readonly expiresAt: string,
  ) {
    super(`hold "${transactionId}" expired at ${expiresAt}: it reserves nothing and can no longer be committed`);
  }
}

export class AccountHasPendingHolds extends LedgerError {
  readonly code = 'ACCOUNT_HAS_PENDING_HOLDS';
  constructor(
    readonly account: string,
    readonly holds: number,
  ) {
    super(`account "${account}" cannot be closed: ${holds} hold(s) are still open (commit or void them)`);
  }
}

export class TransactionPending extends LedgerError {
  readonly code = 'TRANSACTION_PENDING';
  constructor(readonly transactionId: string) {
    super(`transaction "${transactionId}" is a pending hold: void it instead of reversing it`);
  }
}

export class BatchItemNotPosted extends LedgerError {
  readonly code = 'BATCH_ITEM_NOT_POSTED';
  constructor(readonly failedIndex: number) {
    super(`not posted: the batch is atomic and item ${failedIndex} was refused`);
  }
}

export class MonitorNotFound extends LedgerError {
  readonly code = 'MONITOR_NOT_FOUND';
  constructor(readonly monitorId: string) {
    super(`no balance monitor has id "${monitorId}"`);
  }
}
