/**
 * Which events of the log a feed delivers (issue 21, point 2): the one filter that ledgerEvents,
 * webhooks and durable consumers share. Pure: checking what a client sent, and judging one
 * decoded event. Every part given must hold (AND); `types` is any of (OR).
 *
 * What each part reads of each family of events (docs/api.md, "Event filters"):
 * - accounts: the account whose stream holds the event, and every account the event names —
 *   the legs of a transaction or hold (a capture's legs and what it captured so far, a release's
 *   captures), the account added to or removed from a category. A books or category event that
 *   names no account never passes an account part.
 * - metadata: what the event carries — a transaction's or hold's metadata (TransactionPosted,
 *   HoldPlaced), the whole metadata after a change (TransactionMetadataUpdated, AccountUpdated),
 *   an account's at opening (AccountOpened). Every other event carries none, so it passes only
 *   the predicates that hold for no metadata (`exists: false`), as metadataMatches judges null.
 */
import type { AccountEvent } from './account.js';
import type { BooksEvent } from './books.js';
import type { CategoryEvent } from './categories.js';
import type { PriceEvent } from './prices.js';
import { ValidationError } from './errors.js';
import { isAtOrBelow, checkPattern, matchesPattern } from './filters.js';
import type { JsonObject } from './json.js';
import { checkCode } from './limits.js';
import {
  checkMetadataPredicates,
  metadataMatches,
  type MetadataPredicate,
  type MetadataPredicateInput,
} from './metadata.js';

/** An event filter as a client sends it: every field optional. */
export interface EventFilterInput {
  types?: readonly string[] | null;
  accountPrefix?: string | null;
  accountPattern?: string | null;
  metadata?: readonly MetadataPredicateInput[] | null;
}

/** A checked filter; absent parts are undefined, and a filter with none matches every event. */
export interface EventFilter {
  types?: readonly string[];
  accountPrefix?: string;
  accountPattern?: string;
  metadata?: readonly MetadataPredicate[];
}

/** Any decoded event, in its current shape. */
export type DomainEvent = AccountEvent | BooksEvent | CategoryEvent | PriceEvent;

/** An event as a filter reads it: the event and the account whose stream holds it (null: none). */
export interface EventOnStream {
  streamAccount: string | null;
  event: DomainEvent;
}

/** More types than the catalogue holds cannot be meant; a bound keeps a request's work small. */
export const MAX_FILTER_TYPES = 50;

/**
 * Checks a filter; `eventTypes` are the types of the event catalogue (events/catalogue.ts, which
 * the domain may not import). An unknown type is refused rather than matching nothing forever.
 */
export function checkEventFilter(
  input: EventFilterInput | null | undefined,
  eventTypes: readonly string[],
  field = 'filter',
): EventFilter {
  const filter: EventFilter = {};
  if (!input) return filter;
  if (input.types != null) {
    if (input.types.length === 0 || input.types.length > MAX_FILTER_TYPES)
      throw new ValidationError(`${field}.types`, `1 to ${MAX_FILTER_TYPES} event types (omit it for every type)`);
    for (const type of input.types)
      if (!eventTypes.includes(type))
        throw new ValidationError(
          `${field}.types`,
          `"${type.slice(0, 60)}" is not an event type; known types: ${eventTypes.join(', ')}`,
        );
    filter.types = [...new Set(input.types)];
  }
  if (input.accountPrefix != null) filter.accountPrefix = checkCode(input.accountPrefix, `${field}.accountPrefix`);
  if (input.accountPattern != null)
    filter.accountPattern = checkPattern(input.accountPattern, `${field}.accountPattern`);
  const metadata = checkMetadataPredicates(input.metadata, `${field}.metadata`);
  if (metadata) filter.metadata = metadata;
  return filter;
}

/** Whether the filter has no part: it matches everything, and a reader need not decode. */
export function isEmptyFilter(filter: EventFilter): boolean {
  return (
    filter.types === undefined &&
    filter.accountPrefix === undefined &&
    filter.accountPattern === undefined &&
    filter.metadata === undefined
  );
}

/** Whether the type alone rules the event out (checked before decoding it). */
export function typeExcluded(filter: EventFilter, type: string): boolean {
  return filter.types !== undefined && !filter.types.includes(type);
}

export function matchesEvent(filter: EventFilter, { streamAccount, event }: EventOnStream): boolean {
  if (typeExcluded(filter, event.type)) return false;
  if (filter.accountPrefix !== undefined || filter.accountPattern !== undefined) {
    const accounts = accountsOf(event, streamAccount);
    if (filter.accountPrefix !== undefined && !accounts.some((code) => isAtOrBelow(code, filter.accountPrefix!)))
      return false;
    if (filter.accountPattern !== undefined && !accounts.some((code) => matchesPattern(filter.accountPattern!, code)))
      return false;
  }
  if (filter.metadata !== undefined && !metadataMatches(filter.metadata, metadataOf(event))) return false;
  return true;
}

/** The accounts an event is about: its stream's, and every account it names. */
export function accountsOf(event: DomainEvent, streamAccount: string | null): string[] {
  const named: string[] = streamAccount === null ? [] : [streamAccount];
  switch (event.type) {
    case 'TransactionPosted':
    case 'HoldPlaced':
    case 'HoldAdjusted':
      for (const leg of event.data.legs) named.push(leg.account);
      break;
    case 'HoldCommitted':
      for (const leg of [...event.data.legs, ...event.data.captured]) named.push(leg.account);
      break;
    case 'HoldVoided':
    case 'HoldExpired':
      for (const leg of event.data.captured) named.push(leg.account);
      break;
    case 'CategoryMemberAdded':
    case 'CategoryMemberRemoved':
      if (event.data.account != null) named.push(event.data.account);
      break;
  }
  return named;
}

/** The metadata an event carries (null: none, which only `exists: false` predicates accept). */
export function metadataOf(event: DomainEvent): JsonObject | null {
  switch (event.type) {
    case 'TransactionPosted':
    case 'HoldPlaced':
    case 'TransactionMetadataUpdated':
    case 'AccountOpened':
    case 'AccountUpdated':
      return event.data.metadata;
    default:
      return null;
  }
}
