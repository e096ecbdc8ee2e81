/**
 * The event catalogue: every event type Inkwell has ever stored, its current schema
 * version, a validator for every version, and the upcasters between them. Every read
 * path decodes through `decodeEvent`; every write encodes through `encodeEvent`.
 * Add a version by appending a validator and an upcaster; never edit an old one.
 */
import type { AccountEvent } from '../domain/account.js';
import type { BooksEvent } from '../domain/books.js';
import type { CategoryEvent } from '../domain/categories.js';
import type { PriceEvent } from '../domain/prices.js';
import { canonicalJson } from '../domain/json.js';
import { validate } from './schema-check.js';
import { ACCOUNT_CLOSED } from './types/account-closed.js';
import {
  ACCOUNT_FROZEN,
  ACCOUNT_UNFROZEN,
  ACCOUNT_UPDATED,
  MAXIMUM_BALANCE_CHANGED,
  MINIMUM_BALANCE_CHANGED,
} from './types/account-lifecycle.js';
import { ACCOUNT_OPENED } from './types/account-opened.js';
import { PERIOD_CLOSED, PERIOD_REOPENED } from './types/books.js';
import { CATEGORY_CREATED, CATEGORY_MEMBER_ADDED, CATEGORY_MEMBER_REMOVED } from './types/categories.js';
import { PRICE_SET } from './types/prices.js';
import { HOLD_ADJUSTED, HOLD_COMMITTED, HOLD_EXPIRED, HOLD_PLACED, HOLD_VOIDED } from './types/holds.js';
import type { EventVersion } from './types/shared.js';
import { TRANSACTION_METADATA_UPDATED } from './types/transaction-metadata.js';
import { TRANSACTION_POSTED } from './types/transaction-posted.js';

/** Any stored event: an account's, the books' (the period lock), a category's or a price's. */
export type LedgerEvent = AccountEvent | BooksEvent | CategoryEvent | PriceEvent;

/** Every event type ever stored → its versions, oldest first. The last one is current. */
export const CATALOGUE: Record<LedgerEvent['type'], readonly EventVersion[]> = {
  AccountOpened: ACCOUNT_OPENED,
  TransactionPosted: TRANSACTION_POSTED,
  AccountClosed: ACCOUNT_CLOSED,
  AccountFrozen: ACCOUNT_FROZEN,
  AccountUnfrozen: ACCOUNT_UNFROZEN,
  AccountUpdated: ACCOUNT_UPDATED,
  MinimumBalanceChanged: MINIMUM_BALANCE_CHANGED,
  MaximumBalanceChanged: MAXIMUM_BALANCE_CHANGED,
  HoldPlaced: HOLD_PLACED,
  HoldCommitted: HOLD_COMMITTED,
  HoldVoided: HOLD_VOIDED,
  HoldAdjusted: HOLD_ADJUSTED,
  HoldExpired: HOLD_EXPIRED,
  TransactionMetadataUpdated: TRANSACTION_METADATA_UPDATED,
  PeriodClosed: PERIOD_CLOSED,
  PeriodReopened: PERIOD_REOPENED,
  CategoryCreated: CATEGORY_CREATED,
  CategoryMemberAdded: CATEGORY_MEMBER_ADDED,
  CategoryMemberRemoved: CATEGORY_MEMBER_REMOVED,
  PriceSet: PRICE_SET,
};

const BOOKS_TYPES = new Set<string>(['PeriodClosed', 'PeriodReopened']);

export function isBooksEvent(event: LedgerEvent): event is BooksEvent {
  return BOOKS_TYPES.has(event.type);
}

const CATEGORY_TYPES = new Set<string>(['CategoryCreated', 'CategoryMemberAdded', 'CategoryMemberRemoved']);

export function isCategoryEvent(event: LedgerEvent): event is CategoryEvent {
  return CATEGORY_TYPES.has(event.type);
}

export function isPriceEvent(event: LedgerEvent): event is PriceEvent {
  return event.type === 'PriceSet';
}

export function currentVersion(type: LedgerEvent['type']): number {
  return CATALOGUE[type].length;
}

export class EventDecodingError extends Error {
  constructor(
    readonly position: number,
    reason: string,
  ) {
    super(`event at position ${position}: ${reason}`);
  }
}

export interface StoredPayload {
  position: number;
  type: string;
  schemaVersion: number;
  data: string;
  effectiveAt: string;
}

/** "Type" vN, for messages: built on failure only, as every event read passes through decodeEvent. */
function describe(row: StoredPayload): string {
  return `${JSON.stringify(row.type)} v${row.schemaVersion}`;
}

/** Stored row → validated event in its current shape, or an error naming position, type and version. */
export function decodeEvent(row: StoredPayload): LedgerEvent {
  const versions = (CATALOGUE as Record<string, readonly EventVersion[] | undefined>)[row.type];
  if (!versions) throw new EventDecodingError(row.position, `unknown event type ${describe(row)}`);
  if (!Number.isInteger(row.schemaVersion) || row.schemaVersion < 1 || row.schemaVersion > versions.length) {
    throw new EventDecodingError(
      row.position,
      `${describe(row)}: this build reads versions 1 to ${versions.length} of ${row.type}; a newer Inkwell wrote it`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(row.data);
  } catch {
    throw new EventDecodingError(row.position, `${describe(row)}: data is not valid JSON`);
  }
  for (let version = row.schemaVersion; ; version++) {
    const spec = versions[version - 1]!;
    try {
      validate(spec.validate, data);
    } catch (error) {
      const how =
        version === row.schemaVersion ? 'fails its validator' : `fails the v${version} validator after upcasting`;
      throw new EventDecodingError(row.position, `${describe(row)} ${how}: ${(error as Error).message}`);
    }
    if (!spec.upcast) break;
    data = spec.upcast(data);
  }
  return { type: row.type, effectiveAt: row.effectiveAt, data } as LedgerEvent;
}

/** For account streams: an event of the books there is a corrupt log, named like any decoding error. */
export function decodeAccountEvent(row: StoredPayload): AccountEvent {
  const event = decodeEvent(row);
  if (isBooksEvent(event))
    throw new EventDecodingError(row.position, `"${row.type}" belongs to the books stream, not to an account`);
  if (isCategoryEvent(event))
    throw new EventDecodingError(row.position, `"${row.type}" belongs to a category stream, not to an account`);
  if (isPriceEvent(event))
    throw new EventDecodingError(row.position, `"${row.type}" belongs to a price stream, not to an account`);
  return event;
}

export function decodeBooksEvent(row: StoredPayload): BooksEvent {
  const event = decodeEvent(row);
  if (!isBooksEvent(event)) throw new EventDecodingError(row.position, `"${row.type}" is not an event of the books`);
  return event;
}

export function decodeCategoryEvent(row: StoredPayload): CategoryEvent {
  const event = decodeEvent(row);
  if (!isCategoryEvent(event))
    throw new EventDecodingError(row.position, `"${row.type}" is not an event of a category`);
  return event;
}

export function decodePriceEvent(row: StoredPayload): PriceEvent {
  const event = decodeEvent(row);
  if (!isPriceEvent(event)) throw new EventDecodingError(row.position, `"${row.type}" is not an event of a price`);
  return event;
}

/** Domain event → its stored form at the current schema version, validated before it is written. */
export function encodeEvent(event: LedgerEvent): { type: string; schemaVersion: number; data: string } {
  const versions = CATALOGUE[event.type];
  validate(versions[versions.length - 1]!.validate, event.data);
  return { type: event.type, schemaVersion: versions.length, data: canonicalJson(event.data) };
}
