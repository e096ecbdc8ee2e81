/**
 * A transaction's first log position (its posting, or its hold's placement): what transaction
 * searches order and pin by. Unlike `position`, which a hold's commit moves to the commit's, it
 * never changes, so a list read as of one position keeps its order however the log grows.
 */
import { sql, type Kysely } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const integer = dialect === 'sqlite' ? sql`integer` : sql`bigint`;
  await sql`ALTER TABLE transactions ADD COLUMN first_position ${integer}`.execute(db);
  await sql`UPDATE transactions SET first_position =
    (SELECT MIN(position) FROM events WHERE events.transaction_id = transactions.id)`.execute(db);
  await db.schema
    .createIndex('transactions_first_position')
    .on('transactions')
    .column('first_position')
    .unique()
    .execute();
}
