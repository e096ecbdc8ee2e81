/**
 * API keys scoped to ledgers (issue 24, point 1): `api_keys.ledgers`, the JSON array of the
 * ledger names a key may use, null for every ledger (every key made before this migration).
 */
import { sql, type Kysely } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await sql`ALTER TABLE api_keys ADD COLUMN ledgers text`.execute(db);
}
