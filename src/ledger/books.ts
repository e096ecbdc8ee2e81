/** The books' state (the period lock), read from its stream. */
import { evolveBooks, initialBooks, type BooksState } from '../domain/books.js';
import { decodeBooksEvent } from '../events/catalogue.js';
import { BOOKS_STREAM } from '../events/streams.js';
import type { Db } from '../store/db.js';
import { fromRow } from '../store/event-store.js';

/**
 * The books as of log position `atPosition` (default: everything committed). Every posting asks
 * this under the write lock, so it is one indexed read: each books event sets the whole lock,
 * so the last one is the state.
 */
export async function loadBooks(db: Db, atPosition = Number.MAX_SAFE_INTEGER): Promise<BooksState> {
  const row = await db
    .selectFrom('events')
    .selectAll()
    .where('stream_id', '=', BOOKS_STREAM)
    .where('position', '<=', atPosition)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return initialBooks();
  return evolveBooks({ lockedThrough: null, version: Number(row.version) - 1 }, decodeBooksEvent(fromRow(row)));
}
