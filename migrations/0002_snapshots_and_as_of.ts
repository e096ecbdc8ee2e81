/**
 * Snapshots of account state (command side), and the indexes that answer a balance
 * "effective at T, as known at K" without replaying history. All derived from the log.
 */
import { sql, type Kysely } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const big = dialect === 'sqlite' ? 'integer' : 'bigint';
  // Codes, times and ids are compared and ordered byte by byte (ISO times sort as text, and
  // "assets:" < "assets;" bounds a code prefix): PostgreSQL must not apply a locale's collation.
  const text = dialect === 'sqlite' ? 'text' : sql`text COLLATE "C"`;

  await db.schema
    .createTable('snapshots')
    .addColumn('stream_id', text, (c) => c.notNull())
    .addColumn('state_version', 'integer', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('position', big, (c) => c.notNull())
    .addColumn('state', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('snapshots_pk', ['stream_id', 'state_version', 'version'])
    .execute();

  // knownAt → log position.
  await db.schema.createIndex('events_recorded').on('events').columns(['recorded_at', 'position']).execute();

  // A posting is late when it is effective before an earlier posting of the same account.
  await sql`ALTER TABLE entries ADD COLUMN late integer NOT NULL DEFAULT 0`.execute(db);
  await db.schema
    .createIndex('entries_account_on_time')
    .on('entries')
    .columns(['account_code', 'late', 'effective_at', 'position'])
    .execute();

  // Every N events of an account: where the epoch ends and the running sums of its on-time postings.
  await db.schema
    .createTable('balance_epochs')
    .addColumn('account_code', text, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('position', big, (c) => c.notNull())
    .addColumn('recorded_at', text, (c) => c.notNull())
    .addColumn('on_time_debits', text, (c) => c.notNull())
    .addColumn('on_time_credits', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('balance_epochs_pk', ['account_code', 'version'])
    .execute();
  await db.schema
    .createIndex('balance_epochs_recorded')
    .on('balance_epochs')
    .columns(['account_code', 'recorded_at', 'position'])
    .execute();
  await db.schema
    .createIndex('balance_epochs_position')
    .on('balance_epochs')
    .columns(['account_code', 'position'])
    .execute();

  // Late postings summed over dyadic ranges of effective time (a Fenwick-style tree), one row
  // per node each time a late posting lands in it: never rewritten.
  await db.schema
    .createTable('late_sums')
    .addColumn('account_code', text, (c) => c.notNull())
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('node', big, (c) => c.notNull())
    .addColumn('position', big, (c) => c.notNull())
    .addColumn('debits', text, (c) => c.notNull())
    .addColumn('credits', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('late_sums_pk', ['account_code', 'level', 'node', 'position'])
    .execute();
}
