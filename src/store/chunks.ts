/**
 * Rows (or keys) per statement: a few bound values each, well under SQLite's variable limit
 * (32,766) and PostgreSQL's (65,535); the one size every chunked read and write uses.
 */
export const ROWS_PER_STATEMENT = 500;

/** Statements take a bounded number of bound values (SQLite's variable limit): rows go in slices of `size`. */
export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  if (!(size > 0)) throw new Error(`invariant: chunk size ${size} must be positive`);
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
