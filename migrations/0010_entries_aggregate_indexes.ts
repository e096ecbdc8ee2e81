/**
 * Indexes that let aggregate balances (issue 19) sum thousands of accounts in a few statements.
 *
 * - entries_account_effective becomes (account_code, effective_at, position, direction, amount):
 *   an account's entries effective by T, with everything a sum needs, lie together in the index.
 *   Read from the table instead, each entry was a random page (they are stored in log order):
 *   a past-asOf aggregate of 10k accounts spent seconds there. Write cost: none added in count
 *   (the same one index entry per entry), each entry some 20–40 bytes wider.
 * - entries_late_effective, entries(effective_at) WHERE late = 1: the entries effective after an
 *   instant, across accounts, in one range — what an aggregate at now subtracts from the account
 *   rows. Such an entry is always late (effective after it was recorded; see
 *   projections/as-of-index.ts) unless recorded after the instant itself, which the log's tail
 *   answers by position. Write cost: an on-time posting, the common case, pays nothing; a late
 *   one one more index entry (beside its 49 late_sums rows).
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('entries_account_effective').execute();
  await db.schema
    .createIndex('entries_account_effective')
    .on('entries')
    .columns(['account_code', 'effective_at', 'position', 'direction', 'amount'])
    .execute();
  await db.schema
    .createIndex('entries_late_effective')
    .on('entries')
    .column('effective_at')
    .where(sql.ref('late'), '=', 1)
    .execute();
}
