/**
 * Exchanges inside a transaction (issue 22, point 2): `transactions.exchanges`, the canonical JSON
 * of the conversions a transaction made (`[{ from: { amount, currency }, to: … }]`), null when it
 * made none — every transaction before this migration, and every one in a single currency.
 */
import { sql, type Kysely } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await sql`ALTER TABLE transactions ADD COLUMN exchanges text`.execute(db);
}
