/**
 * Metadata as it was known at a log position (issue 19, point 3): the last event at or before it
 * that carried the whole metadata — an account's opening or update, a transaction's posting (or
 * hold) or metadata update. Every such event carries all of it, so nothing is folded.
 */
import type { JsonObject } from '../domain/json.js';
import { decodeAccountEvent } from '../events/catalogue.js';
import { accountStream } from '../events/streams.js';
import type { Db } from '../store/db.js';
import { fromRow } from '../store/event-store.js';

/** What `of` selects: the subject's events that carry metadata. */
type Subject = { account: string } | { transaction: string };

/** The metadata at `atPosition`; undefined when the subject did not exist yet. */
export async function metadataKnownAt(db: Db, of: Subject, atPosition: number): Promise<JsonObject | null | undefined> {
  let query = db.selectFrom('events').selectAll().where('position', '<=', atPosition);
  query =
    'account' in of
      ? query
          .where('stream_id', '=', accountStream(of.account))
          .where('type', 'in', ['AccountOpened', 'AccountUpdated'])
      : query
          .where('transaction_id', '=', of.transaction)
          .where('type', 'in', ['TransactionPosted', 'HoldPlaced', 'TransactionMetadataUpdated']);
  const row = await query.orderBy('position', 'desc').limit(1).executeTakeFirst();
  if (!row) return undefined;
  const event = decodeAccountEvent(fromRow(row));
  return 'metadata' in event.data ? (event.data.metadata as JsonObject | null) : null;
}
