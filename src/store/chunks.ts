/** Statements take a bounded number of bound values (SQLite's variable limit): rows go in slices of `size`. */
export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  if (!(size > 0)) throw new Error(`invariant: chunk size ${size} must be positive`);
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
