/**
 * The initial schema: the event log, the read models and the idempotency records.
 * Frozen once released: change the schema with a new migration, never by editing this one.
 */
import { sql, type Kysely } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  // SQLite only makes `INTEGER PRIMARY KEY` the rowid; PostgreSQL wants 64 bits.
  const big = dialect === 'sqlite' ? 'integer' : 'bigint';
  // Codes, times and ids are compared and ordered byte by byte (ISO times sort as text, and
  // "assets:" < "assets;" bounds a code prefix): PostgreSQL must not apply a locale's collation.
  const text = dialect === 'sqlite' ? 'text' : sql`text COLLATE "C"`;

  await db.schema
    .createTable('events')
    .addColumn('position', big, (c) => c.primaryKey())
    .addColumn('stream_id', text, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('type', text, (c) => c.notNull())
    .addColumn('schema_version', 'integer', (c) => c.notNull())
    .addColumn('data', text, (c) => c.notNull())
    .addColumn('metadata', text, (c) => c.notNull())
    .addColumn('recorded_at', text, (c) => c.notNull())
    .addColumn('effective_at', text, (c) => c.notNull())
    .addColumn('transaction_id', text)
    .addColumn('hash', text, (c) => c.notNull())
    .addUniqueConstraint('events_stream_version', ['stream_id', 'version'])
    .execute();
  await db.schema.createIndex('events_transaction').on('events').column('transaction_id').execute();

  // The log is append-only, and the database itself enforces it.
  if (dialect === 'sqlite') {
    await sql`CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are immutable: UPDATE refused'); END`.execute(
      db,
    );
    await sql`CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are immutable: DELETE refused'); END`.execute(
      db,
    );
  } else {
    await sql`CREATE FUNCTION inkwell_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'events are immutable: % refused', TG_OP; END $$`.execute(db);
    await sql`CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION inkwell_refuse_change()`.execute(
      db,
    );
    await sql`CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events FOR EACH STATEMENT EXECUTE FUNCTION inkwell_refuse_change()`.execute(
      db,
    );
  }

  await db.schema
    .createTable('accounts')
    .addColumn('code', text, (c) => c.primaryKey())
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('type', text, (c) => c.notNull())
    .addColumn('currency', text, (c) => c.notNull())
    .addColumn('status', text, (c) => c.notNull())
    .addColumn('minimum_balance', text)
    .addColumn('metadata', text)
    .addColumn('opened_at', text, (c) => c.notNull())
    .addColumn('debits', text, (c) => c.notNull())
    .addColumn('credits', text, (c) => c.notNull())
    .addColumn('balance', text, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('last_position', big, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('accounts_type_code').on('accounts').columns(['type', 'code']).execute();

  await db.schema
    .createTable('transactions')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('idempotency_key', text, (c) => c.notNull())
    .addColumn('status', text, (c) => c.notNull())
    .addColumn('effective_at', text, (c) => c.notNull())
    .addColumn('recorded_at', text, (c) => c.notNull())
    .addColumn('description', text)
    .addColumn('metadata', text)
    .addColumn('legs', text, (c) => c.notNull())
    .addColumn('position', big, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('entries')
    .addColumn('position', big, (c) => c.notNull())
    .addColumn('leg_index', 'integer', (c) => c.notNull())
    .addColumn('account_code', text, (c) => c.notNull())
    .addColumn('account_version', 'integer', (c) => c.notNull())
    .addColumn('transaction_id', text, (c) => c.notNull())
    .addColumn('direction', text, (c) => c.notNull())
    .addColumn('amount', text, (c) => c.notNull())
    .addColumn('currency', text, (c) => c.notNull())
    .addColumn('effective_at', text, (c) => c.notNull())
    .addColumn('recorded_at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('entries_pk', ['position', 'leg_index'])
    .execute();
  await db.schema.createIndex('entries_account_position').on('entries').columns(['account_code', 'position']).execute();
  await db.schema
    .createIndex('entries_account_effective')
    .on('entries')
    .columns(['account_code', 'effective_at'])
    .execute();

  await db.schema
    .createTable('idempotency')
    .addColumn('key', text, (c) => c.primaryKey())
    .addColumn('command', text, (c) => c.notNull())
    .addColumn('fingerprint', text, (c) => c.notNull())
    .addColumn('result', text, (c) => c.notNull())
    .addColumn('position', big, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .execute();
}
