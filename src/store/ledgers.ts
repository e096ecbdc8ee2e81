/** The ledgers table (the catalogue, in the default ledger's database): rows in, rows out. */
import type { Db } from './db.js';
import type { LedgersTable } from './schema.js';

export type LedgerRow = LedgersTable;

export async function findLedger(db: Db, name: string): Promise<LedgerRow | undefined> {
  return db.selectFrom('ledgers').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function insertLedger(trx: Db, row: LedgerRow): Promise<void> {
  await trx.insertInto('ledgers').values(row).execute();
}

/** In name order, after `afterName`; only the names in `only` when it is given. */
export async function listLedgerRows(
  db: Db,
  options: { afterName: string | null; limit: number; only: readonly string[] | null },
): Promise<LedgerRow[]> {
  let query = db.selectFrom('ledgers').selectAll().orderBy('name').limit(options.limit);
  if (options.afterName !== null) query = query.where('name', '>', options.afterName);
  if (options.only !== null) {
    if (options.only.length === 0) return [];
    query = query.where('name', 'in', options.only);
  }
  return query.execute();
}

/** Which of `names` the catalogue holds. */
export async function existingLedgers(db: Db, names: readonly string[]): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  const rows = await db.selectFrom('ledgers').select('name').where('name', 'in', names).execute();
  return new Set(rows.map((r) => r.name));
}
