/** How the CLI's commands open a database: always closed again, whatever happens. */
import { existsSync } from 'node:fs';
import type { Config } from '../config.js';
import { openDatabase, type Database } from '../store/db.js';
import { migrateToLatest } from '../store/migrate.js';

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

/** The configured database, created when missing and migrated to the latest schema. */
export function migrated(config: Config): () => Promise<Database> {
  return async () => {
    const database = openDatabase(config);
    try {
      await migrateToLatest(database);
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
export function existing(config: Config, options: { readonly: boolean }): () => Promise<Database> {
  return async () => {
    if (!config.databaseUrl && !existsSync(config.sqliteFile))
      throw new Error(`no database file at ${config.sqliteFile}`);
    const database = openDatabase(config, options);
    try {
      await database.db.selectFrom('events').select('position').limit(1).execute();
    } catch {
      await database.close();
      throw new Error(`${database.location} is not an Inkwell database (no events table): check the path or URL`);
    }
    return database;
  };
}
