/**
 * Categories (issue 19, point 6): `categories`, one row per category, and `category_memberships`,
 * one row per membership change (an add or a remove at an effective time, recorded at a log
 * position). The membership at (asOf, knownAt) is read from the changes with effective_at <= asOf
 * and position <= the cut, the last per member winning; rows are only ever inserted.
 *
 * Balance monitors may watch a category in one currency: `category_code` and `currency` are set
 * on such a monitor (its `account_code` then holds the category code too, as the column is NOT
 * NULL), and `category_code` on its alerts.
 */
import { sql, type Kysely } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const text = dialect === 'sqlite' ? sql`text` : sql`text COLLATE "C"`;
  const big = dialect === 'sqlite' ? 'integer' : 'bigint';
  await db.schema
    .createTable('categories')
    .addColumn('code', text, (c) => c.primaryKey())
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('created_position', big, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('last_position', big, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('category_memberships')
    .addColumn('position', big, (c) => c.primaryKey())
    .addColumn('category_code', text, (c) => c.notNull())
    .addColumn('account_code', text)
    .addColumn('child_code', text)
    .addColumn('added', 'integer', (c) => c.notNull())
    .addColumn('effective_at', text, (c) => c.notNull())
    .addColumn('recorded_at', text, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('category_memberships_category')
    .on('category_memberships')
    .columns(['category_code', 'effective_at'])
    .execute();
  await db.schema.createIndex('category_memberships_child').on('category_memberships').column('child_code').execute();
  await sql`ALTER TABLE balance_monitors ADD COLUMN category_code ${text}`.execute(db);
  await sql`ALTER TABLE balance_monitors ADD COLUMN currency ${text}`.execute(db);
  await sql`ALTER TABLE balance_alerts ADD COLUMN category_code ${text}`.execute(db);
}
