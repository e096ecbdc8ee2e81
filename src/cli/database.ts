/**
 * How the CLI's commands open a ledger's database: `default` (the configured one) or a ledger of
 * its catalogue (`--ledger NAME`), always closed again, whatever happens.
 */
import { existsSync } from 'node:fs';
import type { MigrationResultSet } from 'kysely';
import type { Config } from '../config.js';
import { DEFAULT_LEDGER } from '../domain/ledgers.js';
import { ledgerExists } from '../ledger/catalogue.js';
import { openDatabase, type Database } from '../store/db.js';
import { migrateToLatest } from '../store/migrate.js';
import { ledgerStorage } from '../store/namespaces.js';

/** Runs `run` on the database `open` gives, and closes it after, whatever happens. */
export async function withDatabase<T>(
  open: () => Database | Promise<Database>,
  run: (database: Database) => Promise<T>,
): Promise<T> {
  const database = await open();
  try {
    return await run(database);
  } finally {
    await database.close();
  }
}

/**
 * The ledger's database, created when missing and migrated to the latest schema; `applied` hears
 * what the migration did (`inkwell migrate`).
 */
export function migrated(
  config: Config,
  ledger = DEFAULT_LEDGER,
  applied?: (result: MigrationResultSet) => void,
): () => Promise<Database> {
  return async () => {
    const database = await opened(config, ledger, 'create');
    try {
      const result = await migrateToLatest(database);
      applied?.(result);
    } catch (error) {
      await database.close();
      throw error;
    }
    return database;
  };
}

/**
 * For checks of an existing database (a restored backup): never create, migrate or change it,
 * and refuse what is not an Inkwell database rather than report an empty one as intact.
 */
export function existing(
  config: Config,
  options: { readonly: boolean },
  ledger = DEFAULT_LEDGER,
): () => Promise<Database> {
  return async () => {
    const database = await opened(config, ledger, options.readonly ? 'read' : 'write');
    try {
      await database.db.selectFrom('events').select('position').limit(1).execute();
    } catch {
      await database.close();
      const where = database.schema ? `${database.location} (schema ${database.schema})` : database.location;
      throw new Error(`${where} is not an Inkwell database (no events table): check the path or URL`);
    }
    return database;
  };
}

/**
 * Opens the ledger's storage: read-only, writable but never created, or created when missing.
 * A ledger other than `default` must be in the catalogue, read first from `default`'s existing
 * database: an unknown name is refused before anything of it is opened, so nothing is made.
 */
async function opened(config: Config, ledger: string, access: 'read' | 'write' | 'create'): Promise<Database> {
  if (ledger === DEFAULT_LEDGER) {
    if (access !== 'create' && !config.databaseUrl && !existsSync(config.sqliteFile))
      throw new Error(`no database file at ${config.sqliteFile}`);
    return openDatabase(config, { readonly: access === 'read' });
  }
  return withDatabase(existing(config, { readonly: access === 'read' }), async (home) => {
    if (!(await ledgerExists(home.db, ledger)))
      throw new Error(`no ledger "${ledger}": it is not in the catalogue of ${home.location} (createLedger makes one)`);
    return ledgerStorage(home, ledger, { create: access === 'create' });
  });
}
