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
  for (let attempt = 1; ; attempt++) {
    const result = await migrator.migrateToLatest();
    if (!result.error) return result;
    if (!droppedMeanwhile(result.error) || attempt === MIGRATE_ATTEMPTS) throw result.error;
  }
}

const MIGRATE_ATTEMPTS = 5;

/**
 * Kysely's migrator looks for its own table among the tables (and their columns) of EVERY schema,
 * calling has_schema_privilege(name) on each: a schema, table or column another client drops
 * during that scan (one ledger's tests, a tenant being removed) fails it with "schema … does not
 * exist" (3F000), or "relation" (42P01) or "column … does not exist" (42703), though ours is there.
 * PostgreSQL migrates in one transaction, rolled back on failure: asking again is safe.
 */
function droppedMeanwhile(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === '3F000' || code === '42P01' || code === '42703';
}

/**
 * Kysely looks for its migration tables in every schema unless told which one: a search_path
 * set in DATABASE_URL (`?options=-c search_path=…`) on a server with other Inkwell schemas
 * would find theirs and never create its own.
 */
export async function currentSchema(database: Database): Promise<string> {
  const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(database.db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('PostgreSQL has no current schema: check search_path in DATABASE_URL');
  return schema;
}
