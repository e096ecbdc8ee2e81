/** Applies the migrations in migrations/ (at start, and by `inkwell migrate`). */
import { Migrator, sql, type Kysely, type Migration, type MigrationResultSet } from 'kysely';
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
    ...(database.dialect === 'postgres'
      ? { migrationTableSchema: database.schema ?? (await currentSchema(database)) }
      : {}),
  });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error;
  return result;
}

/**
 * Kysely looks for its migration tables in every schema unless told which one: a search_path
 * set in DATABASE_URL (`?options=-c search_path=…`) on a server with other Inkwell schemas
 * would find theirs and never create its own.
 */
async function currentSchema(database: Database): Promise<string> {
  const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(database.db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('PostgreSQL has no current schema: check search_path in DATABASE_URL');
  return schema;
}
