/**
 * Webhooks (issue 21): each webhook's URL, filter, signing secrets, status, checkpoint (the last
 * log position its receiver acknowledged) and lease (which process delivers it now, until when),
 * and the delivery log: one row per event sent to a webhook (per replay), with its attempts.
 */
import { sql, type Kysely } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const text = dialect === 'sqlite' ? 'text' : sql`text COLLATE "C"`;
  const big = dialect === 'sqlite' ? 'integer' : 'bigint';
  await db.schema
    .createTable('webhooks')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('url', text, (c) => c.notNull())
    .addColumn('description', text, (c) => c.notNull())
    .addColumn('filter', text)
    .addColumn('secret', text, (c) => c.notNull())
    .addColumn('previous_secret', text)
    .addColumn('previous_secret_until', text)
    .addColumn('status', text, (c) => c.notNull())
    .addColumn('position', big, (c) => c.notNull())
    .addColumn('epoch', 'integer', (c) => c.notNull())
    .addColumn('delivery_id', big)
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('failing_since', text)
    .addColumn('next_attempt_at', text)
    .addColumn('last_error', text)
    .addColumn('lease_owner', text)
    .addColumn('lease_until', text)
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('created_by', text, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', dialect === 'sqlite' ? 'integer' : 'bigserial', (c) => c.primaryKey())
    .addColumn('webhook_id', text, (c) => c.notNull())
    .addColumn('event_position', big, (c) => c.notNull())
    .addColumn('event_type', text, (c) => c.notNull())
    .addColumn('message_id', text, (c) => c.notNull())
    .addColumn('status', text, (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('response_code', 'integer')
    .addColumn('response_body', text)
    .addColumn('error', text)
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('last_attempt_at', text, (c) => c.notNull())
    .addColumn('next_attempt_at', text)
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_by_webhook')
    .on('webhook_deliveries')
    .columns(['webhook_id', 'id'])
    .execute();
}
