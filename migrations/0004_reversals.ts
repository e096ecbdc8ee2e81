/**
 * Reversals: a transaction row names the transaction it reverses. The unique index makes
 * "reversed at most once" hold in the database itself, beside the check under the write lock.
 */
import { sql, type Kysely } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const text = dialect === 'sqlite' ? sql`text` : sql`text COLLATE "C"`;
  await sql`ALTER TABLE transactions ADD COLUMN reverses ${text}`.execute(db);
  await db.schema.createIndex('transactions_reverses').on('transactions').column('reverses').unique().execute();
}
