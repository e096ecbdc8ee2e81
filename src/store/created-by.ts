/** Rows by the API key that created them: what the per-key limits (INKWELL_PER_KEY_LIMIT) count. */
import type { Db } from './db.js';

export async function countCreatedBy(
  db: Db,
  table: 'balance_monitors' | 'webhooks',
  createdBy: string,
): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
    .where('created_by', '=', createdBy)
    .executeTakeFirstOrThrow();
  // PostgreSQL's count is a bigint, sent as a string.
  return Number(row.n);
}
