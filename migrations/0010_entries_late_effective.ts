/**
 * Entries effective after a given instant, across accounts, in one index range: what an aggregate
 * of balances at now subtracts from the account rows (which count every posting they have seen,
 * dated ahead too). Such an entry is always late (effective after it was recorded; see
 * projections/as-of-index.ts), unless recorded after the instant itself — the log's tail, read by
 * position. So the index holds late entries only: an on-time posting, the common case, pays
 * nothing; a late one one more index entry (beside its 49 late_sums rows).
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('entries_late_effective')
    .on('entries')
    .column('effective_at')
    .where(sql.ref('late'), '=', 1)
    .execute();
}
