/**
 * Checkpointed subscribers (src/subscribers): each one's position in the log per generation (a
 * blue-green rebuild builds generation n+1 beside n, then switches), the daily balance history,
 * and balance monitors with the alerts they raised.
 */
import { sql, type Kysely } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const text = dialect === 'sqlite' ? 'text' : sql`text COLLATE "C"`;
  const big = dialect === 'sqlite' ? 'integer' : 'bigint';
  await db.schema
    .createTable('subscribers')
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('position', big, (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('started_at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('subscribers_pk', ['name', 'generation'])
    .execute();
  await db.schema
    .createTable('daily_balances')
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('account_code', text, (c) => c.notNull())
    .addColumn('day', text, (c) => c.notNull())
    .addColumn('debits', text, (c) => c.notNull())
    .addColumn('credits', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('daily_balances_pk', ['generation', 'account_code', 'day'])
    .execute();
  await db.schema
    .createTable('balance_monitors')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('account_code', text, (c) => c.notNull())
    .addColumn('metric', text, (c) => c.notNull())
    .addColumn('comparison', text, (c) => c.notNull())
    .addColumn('threshold', text, (c) => c.notNull())
    .addColumn('status', text, (c) => c.notNull())
    .addColumn('holds', 'integer', (c) => c.notNull())
    .addColumn('after_position', big, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('created_by', text, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('balance_monitors_account').on('balance_monitors').column('account_code').execute();
  await db.schema
    .createTable('balance_alerts')
    .addColumn('id', dialect === 'sqlite' ? 'integer' : 'bigserial', (c) => c.primaryKey())
    .addColumn('monitor_id', text, (c) => c.notNull())
    .addColumn('account_code', text, (c) => c.notNull())
    .addColumn('holds', 'integer', (c) => c.notNull())
    .addColumn('figure', text, (c) => c.notNull())
    .addColumn('event_position', big, (c) => c.notNull())
    .addColumn('effective_at', text, (c) => c.notNull())
    .addColumn('recorded_at', text, (c) => c.notNull())
    .addUniqueConstraint('balance_alerts_once', ['monitor_id', 'event_position'])
    .execute();
}
