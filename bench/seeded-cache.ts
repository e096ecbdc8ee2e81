/**
 * A seeded benchmark database kept between runs: seeding the search bench's 1M entries through
 * the ledger takes ~20 minutes, its queries seconds. The first run seeds and keeps a pristine
 * copy (a SQLite file under the temp folder, or a PostgreSQL database on the server); later runs
 * measure a copy of it — a file copy, or `CREATE DATABASE … TEMPLATE` — migrated to the current
 * schema, so a run never alters the cache and a new migration's backfill is exercised too.
 * BENCH_RESEED=1 seeds afresh. The key names the size and the seed's version: change the
 * version whenever the seed writes other data.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import pg from 'pg';
import { MIGRATIONS } from '../migrations/index.js';
import type { Database } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { openPostgres } from '../src/store/postgres.js';
import { openSqlite } from '../src/store/sqlite.js';
import type { BenchDialect } from './databases.js';

/** What the seed reports about itself, kept beside the cache. */
export interface SeedInfo {
  /** The instant the seed's effective times were spread back from. */
  now: number;
  seededSeconds: number;
  /** How long the metadata index took to build from the seeded log, when the seed declares one. */
  indexedSeconds?: number;
}

export interface CacheRecord extends SeedInfo {
  migrations: string[];
}

const CACHE_DIR = join(tmpdir(), 'inkwell-bench-cache');

export async function withSeededDatabase<T>(
  dialect: BenchDialect,
  key: string,
  seed: (database: Database, location: string) => Promise<SeedInfo>,
  run: (database: Database, info: SeedInfo & { cached: boolean }) => Promise<T>,
  /** The migrations to seed at (default all): those of a SQLite cache PostgreSQL copies from. */
  migrations: string[] = Object.keys(MIGRATIONS),
): Promise<T> {
  mkdirSync(CACHE_DIR, { recursive: true });
  const name = `${key}.${dialect}`.replace(/[^a-z0-9_.]/gi, '_');
  const recordFile = join(CACHE_DIR, `${name}.json`);
  const record = usable(recordFile);
  return dialect === 'sqlite'
    ? sqliteCached(join(CACHE_DIR, `${name}.db`), recordFile, record, seed, run)
    : postgresCached(
        `bench_cache_${name.replace(/\./g, '_')}`.toLowerCase(),
        recordFile,
        record,
        seed,
        run,
        migrations,
      );
}

/** The SQLite cache of `key` and what seeded it, when there is one. */
export function sqliteCache(key: string): { file: string; info: CacheRecord } | null {
  const name = `${key}.sqlite`.replace(/[^a-z0-9_.]/gi, '_');
  const record = usable(join(CACHE_DIR, `${name}.json`));
  const file = join(CACHE_DIR, `${name}.db`);
  return record && existsSync(file) ? { file, info: record } : null;
}

/** The cache's record, when every migration it was seeded with is still known (none was dropped). */
function usable(recordFile: string): CacheRecord | null {
  if (process.env.BENCH_RESEED === '1' || !existsSync(recordFile)) return null;
  const record = JSON.parse(readFileSync(recordFile, 'utf8')) as CacheRecord;
  return record.migrations.every((m) => m in MIGRATIONS) ? record : null;
}

function remember(recordFile: string, info: SeedInfo, migrations = Object.keys(MIGRATIONS)): void {
  const record: CacheRecord = { ...info, migrations };
  writeFileSync(`${recordFile}.tmp`, JSON.stringify(record));
  renameSync(`${recordFile}.tmp`, recordFile);
}

async function sqliteCached<T>(
  cacheFile: string,
  recordFile: string,
  record: CacheRecord | null,
  seed: (database: Database, location: string) => Promise<SeedInfo>,
  run: (database: Database, info: SeedInfo & { cached: boolean }) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'inkwell-bench-'));
  const file = join(dir, 'bench.db');
  try {
    let info: SeedInfo;
    if (record && existsSync(cacheFile)) {
      copyFileSync(cacheFile, file);
      info = record;
    } else {
      const fresh = openSqlite(file);
      await migrateToLatest(fresh);
      info = await seed(fresh, file);
      await fresh.close(); // closing the last connection folds the WAL into the file
      copyFileSync(file, `${cacheFile}.tmp`);
      renameSync(`${cacheFile}.tmp`, cacheFile);
      remember(recordFile, info);
    }
    const database = openSqlite(file);
    try {
      await migrateToLatest(database);
      return await run(database, { ...info, cached: record !== null });
    } finally {
      await database.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgresCached<T>(
  cacheName: string,
  recordFile: string,
  record: CacheRecord | null,
  seed: (database: Database, location: string) => Promise<SeedInfo>,
  run: (database: Database, info: SeedInfo & { cached: boolean }) => Promise<T>,
  migrations: string[],
): Promise<T> {
  const serverUrl = process.env.DATABASE_URL!;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const urlOf = (name: string) => {
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return url.toString();
  };
  const exists = async (name: string) =>
    (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  const copy = `${cacheName}_run_${process.pid}`;
  try {
    let info: SeedInfo;
    if (record && (await exists(cacheName))) info = record;
    else {
      await admin.query(`DROP DATABASE IF EXISTS ${cacheName}`);
      await admin.query(`CREATE DATABASE ${cacheName}`);
      const fresh = openPostgres(urlOf(cacheName), { poolSize: 20 });
      try {
        await migrateOnly(fresh, migrations);
        info = await seed(fresh, urlOf(cacheName));
        // As autovacuum leaves an append-only table: statistics and the visibility map set, which
        // index-only scans need (a template copy inherits both).
        await sql`VACUUM ANALYZE`.execute(fresh.db);
      } finally {
        await fresh.close();
      }
      remember(recordFile, info, migrations);
    }
    await admin.query(`CREATE DATABASE ${copy} TEMPLATE ${cacheName}`);
    const database = openPostgres(urlOf(copy), { poolSize: 20 });
    try {
      await migrateToLatest(database);
      await sql`ANALYZE`.execute(database.db); // statistics for what the migrations just added
      return await run(database, { ...info, cached: record !== null });
    } finally {
      await database.close();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${copy}`);
    await admin.end();
  }
}

/** Applies these migrations only (a prefix of the list), as migrateToLatest applies them all. */
async function migrateOnly(database: Database, names: string[]): Promise<void> {
  const migrations: Record<string, Migration> = {};
  for (const name of names) {
    const module = MIGRATIONS[name as keyof typeof MIGRATIONS];
    migrations[name] = { up: (db: Kysely<any>) => module.up(db, database.dialect) };
  }
  const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(database.db);
  const migrator = new Migrator({
    db: database.db,
    provider: { getMigrations: async () => migrations },
    migrationTableSchema: rows[0]!.schema,
  });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error;
}
