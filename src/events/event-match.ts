/**
 * An event filter (domain/event-filter.ts) judged on a stored event: the type first, so events of
 * other types are never decoded, then the decoded event and the account whose stream holds it.
 */
import { isEmptyFilter, matchesEvent, typeExcluded, type EventFilter } from '../domain/event-filter.js';
import { CATALOGUE, decodeEvent } from './catalogue.js';
import type { StoredEvent } from './envelope.js';
import { accountCodeOf, isAccountStream } from './streams.js';

/** Every type of the catalogue: what `types` of a filter may name. */
export const EVENT_TYPES: readonly string[] = Object.keys(CATALOGUE);

export function storedEventMatches(filter: EventFilter, stored: StoredEvent): boolean {
  if (isEmptyFilter(filter)) return true;
  if (typeExcluded(filter, stored.type)) return false;
  const streamAccount = isAccountStream(stored.streamId) ? accountCodeOf(stored.streamId) : null;
  return matchesEvent(filter, { streamAccount, event: decodeEvent(stored) });
}
