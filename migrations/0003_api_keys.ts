/**
 * API keys: only a SHA-256 of each secret is stored. A key is never deleted, so the name an
 * event carries as its actor always names exactly one key, revoked or not.
 */
import { sql, type Kysely } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const text = dialect === 'sqlite' ? 'text' : sql`text COLLATE "C"`;
  await db.schema
    .createTable('api_keys')
    .addColumn('name', text, (c) => c.primaryKey())
    .addColumn('role', text, (c) => c.notNull())
    .addColumn('key_hash', text, (c) => c.notNull().unique())
    .addColumn('key_prefix', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('created_by', text, (c) => c.notNull())
    .addColumn('expires_at', text)
    .addColumn('revoked_at', text)
    .addColumn('revoked_by', text)
    .execute();
}
