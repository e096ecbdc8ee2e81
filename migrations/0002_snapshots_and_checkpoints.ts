/**
 * Snapshots of account state (command side) and balance checkpoints by effective time
 * (as-of queries). Both are caches derived from the log: deleting them loses nothing.
 */
import type { Kysely } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const big = dialect === 'sqlite' ? 'integer' : 'bigint';

  await db.schema
    .createTable('snapshots')
    .addColumn('stream_id', 'text', (c) => c.notNull())
    .addColumn('state_version', 'integer', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('position', big, (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('snapshots_pk', ['stream_id', 'state_version', 'version'])
    .execute();

  // One row per epoch (every N events of an account): where it ends, what was known then.
  await db.schema
    .createTable('balance_epochs')
    .addColumn('account_code', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('position', big, (c) => c.notNull())
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .addColumn('frontier', 'text')
    .addColumn('debits', 'text', (c) => c.notNull())
    .addColumn('credits', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('balance_epochs_pk', ['account_code', 'version'])
    .execute();
  await db.schema.createIndex('balance_epochs_recorded').on('balance_epochs').columns(['account_code', 'recorded_at', 'position']).execute();

  // "Everything of the account with effectiveAt <= effective_at, as known at position": never rewritten,
  // a new row is added at an epoch's end when a late entry changes an older value.
  await db.schema
    .createTable('balance_checkpoints')
    .addColumn('account_code', 'text', (c) => c.notNull())
    .addColumn('effective_at', 'text', (c) => c.notNull())
    .addColumn('position', big, (c) => c.notNull())
    .addColumn('debits', 'text', (c) => c.notNull())
    .addColumn('credits', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('balance_checkpoints_pk', ['account_code', 'effective_at', 'position'])
    .execute();
}
