/**
 * Opens a ledger's storage (issue 24): its schema or file beside the default one
 * (Database.namespace), created when missing and migrated to the latest version, as the default
 * ledger is at start. Idempotent, so processes that open the same ledger at once all succeed.
 */
import { existsSync } from 'node:fs';
import { sql } from 'kysely';
import type { Database } from './db.js';
import { currentSchema, migrateToLatest } from './migrate.js';
import { ledgerFile } from './sqlite.js';

export async function openLedgerStorage(base: Database, ledger: string): Promise<Database> {
  return prepared(await ledgerStorage(base, ledger, { create: true }), migrateToLatest);
}

/**
 * The ledger's storage, not migrated. `create: false` makes nothing, for the checks that must
 * leave a deployment as it is (`inkwell verify --ledger`): a SQLite file missing is refused here,
 * since opening it writable would create it; a missing PostgreSQL schema shows at the first query.
 */
export async function ledgerStorage(base: Database, ledger: string, options: { create: boolean }): Promise<Database> {
  if (!base.namespace) throw new Error(`the ${base.dialect} database at ${base.location} cannot hold other ledgers`);
  if (!options.create && base.dialect === 'sqlite' && !existsSync(ledgerFile(base.location, ledger)))
    throw new Error(`no database file at ${ledgerFile(base.location, ledger)} (ledger "${ledger}")`);
  const database = base.namespace(ledger, base.dialect === 'postgres' ? await currentSchema(base) : undefined);
  return options.create && database.dialect === 'postgres' ? prepared(database, createSchema) : database;
}

/** `database` once `step` has run on it; closed when the step fails, so a failed opening leaves no pool behind. */
async function prepared(database: Database, step: (database: Database) => Promise<unknown>): Promise<Database> {
  try {
    await step(database);
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
