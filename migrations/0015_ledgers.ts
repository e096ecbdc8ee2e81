/**
 * The catalogue of ledgers (issue 24, point 1): one row per ledger created with createLedger. It
 * is read in the default ledger's database only (each other ledger lives in a schema or file of
 * its own, where this table stays empty); `default` itself has no row: it is the deployment's
 * original storage, older than the catalogue.
 */
import { sql, type Kysely } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await sql`CREATE TABLE ledgers (
    name text PRIMARY KEY,
    description text NOT NULL,
    created_at text NOT NULL,
    created_by text NOT NULL
  )`.execute(db);
}
