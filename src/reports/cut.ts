/**
 * Every report is computed against one fixed log position, so writes that commit while it
 * runs (or between the pages of a long one) can never tear it: positions are gap-free and
 * assigned in commit order, and each figure counts only events at or before `atPosition`.
 */
import { loadBooks } from '../ledger/books.js';
import { positionKnownAt } from '../ledger/queries.js';
import type { Db } from '../store/db.js';

export interface ReportCut {
  /** The recorded time the report takes the ledger's knowledge at (never after now). */
  knownAt: string;
  /** The last log position the report counts. */
  atPosition: number;
  /** The period lock at that position (filled by reportCut; a cut from a cursor leaves it out). */
  lockedThrough?: string | null;
}

export async function reportCut(db: Db, knownAt: string | null | undefined, now: string): Promise<ReportCut> {
  const at = knownAt && knownAt < now ? knownAt : now;
  const atPosition = await positionKnownAt(db, at);
  return { knownAt: at, atPosition, lockedThrough: (await loadBooks(db, atPosition)).lockedThrough };
}

/** The earliest instant a DateTime can name. */
export const FIRST_INSTANT = '0001-01-01T00:00:00.000Z';

/** The latest instant a DateTime can name. */
export const LAST_INSTANT = '9999-12-31T23:59:59.999Z';

/** The instant just before `t`: effective times have millisecond precision, so "≤ before(t)" is "< t". */
export function before(t: string): string {
  return new Date(Date.parse(t) - 1).toISOString();
}

/** A long report gives the event loop back between its batches (slices.ts). */
export { breathe } from '../slices.js';
