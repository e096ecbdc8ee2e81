/**
 * Metadata as it was known at a log position (issue 19, point 3): the last event at or before it
 * that carried the whole metadata — an account's opening or update, a transaction's posting (or
 * hold) or metadata update. Every such event carries all of it, so nothing is folded.
 */
import type { JsonObject } from '../domain/json.js';
import { decodeAccountEvent } from '../events/catalogue.js';
import { accountCodeOf, accountStream } from '../events/streams.js';
import { chunks, ROWS_PER_STATEMENT } from '../store/chunks.js';
import type { Db } from '../store/db.js';
import { fromRow } from '../store/event-store.js';

/** Whose metadata: accounts by code, or transactions by id. */
export type MetadataSubject = 'account' | 'transaction';

/** Per subject: the column its events are found by, and the event types that carry its metadata. */
const CARRIERS = {
  account: { column: 'stream_id', types: ['AccountOpened', 'AccountUpdated'] },
  transaction: { column: 'transaction_id', types: ['TransactionPosted', 'HoldPlaced', 'TransactionMetadataUpdated'] },
} as const;

/**
 * The metadata of each of `ids` at `atPosition`; an id absent from the answer did not exist yet.
 * One statement per chunk of ids: a page of transactions or accounts is one query, not one each.
 */
export async function metadataKnownAt(
  db: Db,
  subject: MetadataSubject,
  ids: readonly string[],
  atPosition: number,
): Promise<Map<string, JsonObject | null>> {
  const { column, types } = CARRIERS[subject];
  const keys = subject === 'account' ? ids.map(accountStream) : [...ids];
  const known = new Map<string, JsonObject | null>();
  for (const chunk of chunks([...new Set(keys)], ROWS_PER_STATEMENT)) {
    const last = db
      .selectFrom('events')
      .select((eb) => eb.fn.max('position').as('last'))
      .where(column, 'in', chunk)
      .where('type', 'in', [...types])
      .where('position', '<=', atPosition)
      .groupBy(column);
    const rows = await db.selectFrom('events').selectAll().where('position', 'in', last).execute();
    for (const row of rows) {
      const event = decodeAccountEvent(fromRow(row));
      const id = subject === 'account' ? accountCodeOf(row.stream_id) : row.transaction_id!;
      known.set(id, 'metadata' in event.data ? (event.data.metadata as JsonObject | null) : null);
    }
  }
  return known;
}
