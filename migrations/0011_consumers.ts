/**
 * Durable consumers (issue 21, point 3): server-side cursors over the log, as EventStoreDB's
 * persistent subscriptions. A consumer row holds its filter, how far the log has been handed out
 * (`frontier`) and its committed cursor; each batch handed out and not yet acknowledged is a lease
 * row, the range (after_position, through_position] of the log, due back at expires_at.
 */
import { sql, type Kysely } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const text = dialect === 'sqlite' ? 'text' : sql`text COLLATE "C"`;
  const big = dialect === 'sqlite' ? 'integer' : 'bigint';
  await db.schema
    .createTable('consumers')
    .addColumn('name', text, (c) => c.primaryKey())
    .addColumn('filter', text, (c) => c.notNull())
    .addColumn('start_position', big, (c) => c.notNull())
    .addColumn('frontier', big, (c) => c.notNull())
    .addColumn('cursor', big, (c) => c.notNull())
    .addColumn('ack_timeout_ms', 'integer')
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('created_by', text, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('consumer_leases')
    .addColumn('consumer', text, (c) => c.notNull())
    .addColumn('after_position', big, (c) => c.notNull())
    .addColumn('through_position', big, (c) => c.notNull())
    .addColumn('expires_at', text, (c) => c.notNull())
    .addColumn('deliveries', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('consumer_leases_pk', ['consumer', 'after_position'])
    .execute();
}
