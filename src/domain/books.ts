/**
 * The books as a whole, as a pure decider: the period lock. Closing the books through an
 * instant refuses every posting effective at or before it; reopening is its own, recorded
 * command that moves the lock back.
 */
import { ValidationError } from './errors.js';

export type BooksEvent =
  | { type: 'PeriodClosed'; effectiveAt: string; data: { through: string; reason: string | null } }
  | { type: 'PeriodReopened'; effectiveAt: string; data: { through: string | null; reason: string | null } };

export interface BooksState {
  /** Postings effective at or before this instant are refused; null: nothing is locked. */
  lockedThrough: string | null;
  version: number;
}

export type BooksCommand =
  | { type: 'ClosePeriod'; through: string; reason: string | null; now: string }
  | { type: 'ReopenPeriod'; through: string | null; reason: string | null; now: string };

export function initialBooks(): BooksState {
  return { lockedThrough: null, version: 0 };
}

export function decideBooks(command: BooksCommand, state: BooksState): BooksEvent[] {
  const { lockedThrough } = state;
  switch (command.type) {
    case 'ClosePeriod':
      if (command.through > command.now)
        throw new ValidationError('through', `${command.through} is in the future: only the past can be closed`);
      // Already closed through that instant (or later): nothing to do.
      if (lockedThrough !== null && command.through <= lockedThrough) return [];
      return [
        { type: 'PeriodClosed', effectiveAt: command.now, data: { through: command.through, reason: command.reason } },
      ];
    case 'ReopenPeriod':
      // Asking again for the lock the books already have changes nothing: the command is idempotent.
      if (command.through === lockedThrough) return [];
      if (lockedThrough === null)
        throw new ValidationError('through', 'the books are not closed: there is nothing to reopen');
      if (command.through !== null && command.through >= lockedThrough) {
        throw new ValidationError(
          'through',
          `reopening moves the lock back: give an instant before ${lockedThrough}, or null to reopen everything`,
        );
      }
      return [
        {
          type: 'PeriodReopened',
          effectiveAt: command.now,
          data: { through: command.through, reason: command.reason },
        },
      ];
  }
}

/** The lock after an event is the event's alone (src/ledger/books.ts reads only the last one). */
export function evolveBooks(state: BooksState, event: BooksEvent): BooksState {
  return { lockedThrough: event.data.through, version: state.version + 1 };
}
