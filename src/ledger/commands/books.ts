/**
 * closePeriod and reopenPeriod: the books' period lock, decided against the books stream in a
 * write transaction of its own (they change rarely). Resolve to the books after the command.
 */
import { decideBooks, evolveBooks, type BooksCommand, type BooksState } from '../../domain/books.js';
import { ValidationError } from '../../domain/errors.js';
import { checkDescription } from '../../domain/limits.js';
import { encodeEvent } from '../../events/catalogue.js';
import { BOOKS_STREAM } from '../../events/streams.js';
import type { CommandContext } from '../context.js';
import { effectiveAtOf, metadataFor, type CommandEnv } from '../pipeline.js';
import type { WriteSession } from '../write-session.js';
import { instantField } from '../../domain/time.js';

export const booksErrors = [ValidationError] as const;

/** A books command after step 1: its name and its domain command. */
export interface OnBooks {
  name: string;
  command: BooksCommand;
}

/** Closes the books through an instant; closing through an instant already closed changes nothing. */
export function closePeriod(input: { through: string; reason?: string | null }, env: CommandEnv): OnBooks {
  const reason = checkDescription(input.reason);
  const through = instantField(input.through, 'through');
  return { name: 'closePeriod', command: { type: 'ClosePeriod', through, reason, now: effectiveAtOf(env, null) } };
}

/** Moves the lock back to an earlier instant (null: nothing locked) — explicitly, as its own event. */
export function reopenPeriod(input: { through: string | null; reason?: string | null }, env: CommandEnv): OnBooks {
  const reason = checkDescription(input.reason);
  const through = input.through === null ? null : instantField(input.through, 'through');
  return { name: 'reopenPeriod', command: { type: 'ReopenPeriod', through, reason, now: effectiveAtOf(env, null) } };
}

/** Inside the write transaction: decide against the books, stage the events. */
export async function runBooks(session: WriteSession, books: OnBooks, ctx: CommandContext): Promise<BooksState> {
  const state = await session.books();
  const events = decideBooks(books.command, state);
  if (events.length === 0) return state;
  const metadata = metadataFor(ctx, books.name, null);
  const after = events.reduce(evolveBooks, state);
  session.appendBooksEvents(
    {
      streamId: BOOKS_STREAM,
      expectedVersion: state.version,
      events: events.map((e) => ({ ...encodeEvent(e), metadata, effectiveAt: e.effectiveAt, transactionId: null })),
    },
    after,
  );
  return after;
}
