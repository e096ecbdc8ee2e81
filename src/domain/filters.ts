/**
 * Search filters as pure rules: checking what a client sent, and matching one row. The SQL that
 * narrows a search (ledger/search.ts) and the brute-force scan the tests compare it with both
 * answer to `entryMatches`.
 */
import type { AccountStatus, AccountType } from './account.js';
import { ValidationError } from './errors.js';
import { checkCode, LIMITS } from './limits.js';
import { Amount, decimalSyntaxError, parseCurrency, writtenScale } from './money.js';
import { checkMetadataPredicates, type MetadataPredicate, type MetadataPredicateInput } from './metadata.js';
import { instantField } from './time.js';

export const TRANSACTION_STATUSES = ['PENDING', 'POSTED', 'VOIDED', 'EXPIRED'] as const;
export type TransactionStatus = (typeof TRANSACTION_STATUSES)[number];

/** A filter on entries or transactions as a client sends it; every field optional, all combined with AND. */
export interface SearchFilterInput {
  account?: string | null;
  accountPrefix?: string | null;
  accountPattern?: string | null;
  effectiveFrom?: string | null;
  effectiveTo?: string | null;
  recordedFrom?: string | null;
  recordedTo?: string | null;
  status?: readonly TransactionStatus[] | null;
  currency?: string | null;
  minAmount?: string | null;
  maxAmount?: string | null;
  idempotencyKey?: string | null;
  metadata?: readonly MetadataPredicateInput[] | null;
}

/** A checked filter: times normalised, amounts exact; absent fields are undefined. */
export interface SearchFilter {
  account?: string;
  accountPrefix?: string;
  accountPattern?: string;
  /** Inclusive bounds, like as-of: from ≤ t ≤ to. */
  effectiveFrom?: string;
  effectiveTo?: string;
  /** Exclusive, for [from, to) periods (Account.entries); no client sends it. */
  effectiveBefore?: string;
  recordedFrom?: string;
  recordedTo?: string;
  status?: readonly TransactionStatus[];
  currency?: string;
  minAmount?: Amount;
  maxAmount?: Amount;
  idempotencyKey?: string;
  /** On the transaction's metadata as known at the position searched (judged by metadataMatches). */
  metadata?: MetadataPredicate[];
}

/** The row a filter is matched against: one leg of a posted transaction. */
export interface EntryFacts {
  accountCode: string;
  effectiveAt: string;
  recordedAt: string;
  currency: string;
  amount: string;
  idempotencyKey: string;
}

const PATTERN_SEGMENT = /^(\*\*|\*|[a-z0-9_-]+)$/;

export function checkSearchFilter(input: SearchFilterInput | null | undefined): SearchFilter {
  const filter: SearchFilter = {};
  if (!input) return filter;
  if (input.account != null) filter.account = checkCode(input.account, 'filter.account');
  if (input.accountPrefix != null) filter.accountPrefix = checkCode(input.accountPrefix, 'filter.accountPrefix');
  if (input.accountPattern != null) filter.accountPattern = checkPattern(input.accountPattern, 'filter.accountPattern');
  for (const field of ['effectiveFrom', 'effectiveTo', 'recordedFrom', 'recordedTo'] as const) {
    const value = input[field];
    if (value != null) filter[field] = instantField(value, `filter.${field}`);
  }
  if (input.status != null) filter.status = [...new Set(input.status)];
  const currency = input.currency == null ? undefined : parseCurrency(input.currency);
  if (currency) filter.currency = currency.code;
  for (const field of ['minAmount', 'maxAmount'] as const) {
    const value = input[field];
    if (value == null) continue;
    const syntax = decimalSyntaxError(value);
    if (syntax) throw new ValidationError(`filter.${field}`, syntax);
    if (currency && writtenScale(value) > currency.scale)
      throw new ValidationError(`filter.${field}`, `${currency.code} allows at most ${currency.scale} decimals`);
    filter[field] = new Amount(value);
  }
  if (input.idempotencyKey != null) {
    if (input.idempotencyKey.length > LIMITS.idempotencyKeyLength)
      throw new ValidationError('filter.idempotencyKey', `at most ${LIMITS.idempotencyKeyLength} characters`);
    filter.idempotencyKey = input.idempotencyKey;
  }
  const metadata = checkMetadataPredicates(input.metadata, 'filter.metadata');
  if (metadata) filter.metadata = metadata;
  return filter;
}

/** `*` is one code segment, `**` any number of them (none included): liabilities:users:*:wallet. */
export function checkPattern(pattern: string, field: string): string {
  const segments = pattern.split(':');
  if (pattern.length > LIMITS.codeLength || !segments.every((s) => PATTERN_SEGMENT.test(s))) {
    throw new ValidationError(
      field,
      `"${pattern.slice(0, 50)}" is not an account pattern: code segments, "*" (one segment) or "**" (any number) joined by ":"`,
    );
  }
  return pattern;
}

export function matchesPattern(pattern: string, code: string): boolean {
  return matchSegments(pattern.split(':'), 0, code.split(':'), 0);
}

function matchSegments(pattern: string[], p: number, code: string[], c: number): boolean {
  if (p === pattern.length) return c === code.length;
  const segment = pattern[p]!;
  if (segment === '**') {
    for (let skip = c; skip <= code.length; skip++) if (matchSegments(pattern, p + 1, code, skip)) return true;
    return false;
  }
  if (c === code.length) return false;
  return (segment === '*' || segment === code[c]) && matchSegments(pattern, p + 1, code, c + 1);
}

/** The segments before a pattern's first wildcard: every match lies at or below them. */
export function literalPrefix(pattern: string): string | null {
  const literal: string[] = [];
  for (const segment of pattern.split(':')) {
    if (segment === '*' || segment === '**') break;
    literal.push(segment);
  }
  return literal.length === 0 ? null : literal.join(':');
}

export function isAtOrBelow(code: string, prefix: string): boolean {
  return code === prefix || code.startsWith(`${prefix}:`);
}

/** A transaction as a filter reads it, as of the position searched (a hold's commit may come later). */
export interface TransactionFacts {
  status: TransactionStatus;
  effectiveAt: string;
  recordedAt: string;
  idempotencyKey: string;
  legs: ReadonlyArray<{ account: string; amount: string; currency: string }>;
}

/** Whether one entry (a leg of a POSTED transaction) passes the filter. */
export function entryMatches(filter: SearchFilter, entry: EntryFacts): boolean {
  if (!legMatches(filter, { account: entry.accountCode, amount: entry.amount, currency: entry.currency })) return false;
  if (!timesMatch(filter, entry)) return false;
  // An entry is a leg of a posted transaction, and a posted transaction stays posted.
  if (filter.status !== undefined && !filter.status.includes('POSTED')) return false;
  if (filter.idempotencyKey !== undefined && entry.idempotencyKey !== filter.idempotencyKey) return false;
  return true;
}

/**
 * Whether a transaction passes: its own fields, and ONE of its legs meets every leg field
 * (account, prefix, pattern, currency, amount bounds) — "a leg of at least 100 on a wallet".
 */
export function transactionMatches(filter: SearchFilter, transaction: TransactionFacts): boolean {
  if (!transaction.legs.some((leg) => legMatches(filter, leg))) return false;
  if (!timesMatch(filter, transaction)) return false;
  if (filter.status !== undefined && !filter.status.includes(transaction.status)) return false;
  if (filter.idempotencyKey !== undefined && transaction.idempotencyKey !== filter.idempotencyKey) return false;
  return true;
}

function timesMatch(filter: SearchFilter, { effectiveAt, recordedAt }: { effectiveAt: string; recordedAt: string }) {
  if (filter.effectiveFrom !== undefined && effectiveAt < filter.effectiveFrom) return false;
  if (filter.effectiveTo !== undefined && effectiveAt > filter.effectiveTo) return false;
  if (filter.effectiveBefore !== undefined && effectiveAt >= filter.effectiveBefore) return false;
  if (filter.recordedFrom !== undefined && recordedAt < filter.recordedFrom) return false;
  if (filter.recordedTo !== undefined && recordedAt > filter.recordedTo) return false;
  return true;
}

function legMatches(filter: SearchFilter, leg: { account: string; amount: string; currency: string }): boolean {
  const code = leg.account;
  if (filter.account !== undefined && code !== filter.account) return false;
  if (filter.accountPrefix !== undefined && !isAtOrBelow(code, filter.accountPrefix)) return false;
  if (filter.accountPattern !== undefined && !matchesPattern(filter.accountPattern, code)) return false;
  if (filter.currency !== undefined && leg.currency !== filter.currency) return false;
  if (filter.minAmount?.gt(leg.amount)) return false;
  if (filter.maxAmount?.lt(leg.amount)) return false;
  return true;
}

/** A bound on a balance: POSTED, or AVAILABLE (posted less what live holds reserve). */
export interface BalancePredicate {
  metric: 'POSTED' | 'AVAILABLE';
  gte?: Amount;
  lte?: Amount;
}

/** An account filter as a client sends it. */
export interface AccountFilterInput {
  prefix?: string | null;
  type?: AccountType | null;
  pattern?: string | null;
  status?: readonly AccountStatus[] | null;
  currency?: string | null;
  balance?: { metric: 'POSTED' | 'AVAILABLE'; gte?: string | null; lte?: string | null } | null;
  metadata?: readonly MetadataPredicateInput[] | null;
}

export interface AccountFilter {
  prefix?: string;
  type?: AccountType;
  pattern?: string;
  status?: readonly AccountStatus[];
  currency?: string;
  balance?: BalancePredicate;
  /** On the account's metadata as known at the position read (judged by metadataMatches). */
  metadata?: MetadataPredicate[];
}

export function checkAccountFilter(input: AccountFilterInput | null | undefined): AccountFilter {
  const filter: AccountFilter = {};
  if (!input) return filter;
  if (input.prefix != null) filter.prefix = checkCode(input.prefix, 'filter.prefix');
  if (input.type != null) filter.type = input.type;
  if (input.pattern != null) filter.pattern = checkPattern(input.pattern, 'filter.pattern');
  if (input.status != null) filter.status = [...new Set(input.status)];
  if (input.currency != null) filter.currency = parseCurrency(input.currency).code;
  if (input.balance != null) {
    const bound = (value: string | null | undefined, field: string) => {
      if (value == null) return undefined;
      const syntax = decimalSyntaxError(value);
      if (syntax) throw new ValidationError(`filter.balance.${field}`, syntax);
      return new Amount(value);
    };
    filter.balance = {
      metric: input.balance.metric,
      gte: bound(input.balance.gte, 'gte'),
      lte: bound(input.balance.lte, 'lte'),
    };
  }
  const metadata = checkMetadataPredicates(input.metadata, 'filter.metadata');
  if (metadata) filter.metadata = metadata;
  return filter;
}

/** What an account filter reads of an account, its balance taken at the times asked for. */
export interface AccountFacts {
  code: string;
  type: AccountType;
  status: AccountStatus;
  currency: string;
  posted: string;
  available: string;
}

export function accountMatches(filter: AccountFilter, account: AccountFacts): boolean {
  if (filter.prefix !== undefined && !isAtOrBelow(account.code, filter.prefix)) return false;
  if (filter.type !== undefined && account.type !== filter.type) return false;
  if (filter.pattern !== undefined && !matchesPattern(filter.pattern, account.code)) return false;
  if (filter.status !== undefined && !filter.status.includes(account.status)) return false;
  if (filter.currency !== undefined && account.currency !== filter.currency) return false;
  const bound = filter.balance;
  if (bound !== undefined) {
    const figure = bound.metric === 'POSTED' ? account.posted : account.available;
    if (bound.gte?.gt(figure)) return false;
    if (bound.lte?.lt(figure)) return false;
  }
  return true;
}
