/** Holds: a transaction may be PENDING until committed or voided; `holds` lists what each open hold reserves per account. */
import { sql, type Kysely } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const text = dialect === 'sqlite' ? 'text' : sql`text COLLATE "C"`;
  await sql`ALTER TABLE transactions ADD COLUMN expires_at ${dialect === 'sqlite' ? sql`text` : sql`text COLLATE "C"`}`.execute(
    db,
  );
  await db.schema
    .createTable('holds')
    .addColumn('transaction_id', text, (c) => c.notNull())
    .addColumn('account_code', text, (c) => c.notNull())
    .addColumn('reserved', text, (c) => c.notNull())
    .addColumn('expires_at', text)
    .addPrimaryKeyConstraint('holds_pk', ['transaction_id', 'account_code'])
    .execute();
  await db.schema.createIndex('holds_account').on('holds').column('account_code').execute();
}
