/**
 * Opens a ledger's storage (issue 24): its schema or file beside the default one
 * (Database.namespace), created when missing and migrated to the latest version, as the default
 * ledger is at start. Idempotent, so processes that open the same ledger at once all succeed.
 */
import { sql } from 'kysely';
import type { Database } from './db.js';
import { currentSchema, migrateToLatest } from './migrate.js';

export async function openLedgerStorage(base: Database, ledger: string): Promise<Database> {
  if (!base.namespace) throw new Error(`the ${base.dialect} database at ${base.location} cannot hold other ledgers`);
  const database = base.namespace(ledger, base.dialect === 'postgres' ? await currentSchema(base) : undefined);
  try {
    if (database.dialect === 'postgres') await createSchema(database);
    await migrateToLatest(database);
    return database;
  } catch (error) {
    await database.close();
    throw error;
  }
}

async function createSchema(database: Database): Promise<void> {
  try {
    await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(database.schema!)}`.execute(database.db);
  } catch (error) {
    // Two sessions creating it at once: IF NOT EXISTS checks before the catalogue's unique index does.
    const code = (error as { code?: unknown }).code;
    if (code !== '23505' && code !== '42P06') throw error;
  }
}
