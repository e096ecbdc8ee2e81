/** The books' state (the period lock), folded from its stream: a handful of events at most. */
import { evolveBooks, initialBooks, type BooksState } from '../domain/books.js';
import { decodeBooksEvent } from '../events/catalogue.js';
import { BOOKS_STREAM } from '../events/streams.js';
import type { Db } from '../store/db.js';
import { readStream } from '../store/event-store.js';

/** The books as of log position `atPosition` (default: everything committed). */
export async function loadBooks(db: Db, atPosition = Number.MAX_SAFE_INTEGER): Promise<BooksState> {
  let state = initialBooks();
  for (const stored of await readStream(db, BOOKS_STREAM)) {
    if (stored.position > atPosition) break;
    state = evolveBooks(state, decodeBooksEvent(stored));
  }
  return state;
}
