/** Applies the migrations in migrations/ (at start, and by `inkwell migrate`). */
import { Migrator, type Kysely, type Migration, type MigrationResultSet } from 'kysely';
import { MIGRATIONS } from '../../migrations/index.js';
import type { Database } from './db.js';

export async function migrateToLatest(database: Database): Promise<MigrationResultSet> {
  const migrations: Record<string, Migration> = {};
  for (const [name, module] of Object.entries(MIGRATIONS)) {
    migrations[name] = { up: (db: Kysely<any>) => module.up(db, database.dialect) };
  }
  const migrator = new Migrator({
    db: database.db,
    provider: { getMigrations: async () => migrations },
    ...(database.schema ? { migrationTableSchema: database.schema } : {}),
  });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error;
  return result;
}
