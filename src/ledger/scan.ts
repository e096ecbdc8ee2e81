/**
 * Reading on until a page is full: the searches narrow in SQL, then judge some conditions in code
 * (exact amounts, a transaction as of a position, a balance bound), so a page of rows read may keep
 * fewer than a page of matches. One loop for every search and count that does so.
 */

/** Rows read per statement while conditions are judged in code. */
export const SCAN_CHUNK = 500;

/**
 * Up to `limit` kept rows, in order: `read(after, size)` gives the next rows after the last one
 * read (none yet: undefined); `keep` judges each. Stops when enough are kept or the rows run out.
 */
export async function scan<T>(
  read: (after: T | undefined, size: number) => Promise<T[]>,
  keep: (row: T) => boolean | Promise<boolean>,
  limit: number,
  size = SCAN_CHUNK,
): Promise<T[]> {
  const kept: T[] = [];
  let after: T | undefined;
  for (;;) {
    const rows = await read(after, size);
    for (const row of rows) {
      if (await keep(row)) kept.push(row);
      if (kept.length >= limit) return kept;
    }
    if (rows.length < size) return kept;
    after = rows[rows.length - 1];
  }
}
