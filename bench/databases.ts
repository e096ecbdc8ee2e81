/** Fresh databases for a benchmark: a SQLite file, or a new database on the PostgreSQL server of DATABASE_URL. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../src/store/db.js';
import { openPostgres } from '../src/store/postgres.js';
import { openSqlite } from '../src/store/sqlite.js';
import { migrateToLatest } from '../src/store/migrate.js';

export type BenchDialect = 'sqlite' | 'postgres';

/** The backends this run can measure: PostgreSQL only when DATABASE_URL names a server. */
export function dialects(): BenchDialect[] {
  const all: BenchDialect[] = process.env.DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];
  // BENCH_DIALECT=postgres (or sqlite) measures one, e.g. to seed both caches side by side.
  const only = process.env.BENCH_DIALECT;
  return only ? all.filter((d) => d === only) : all;
}

/** `run` gets the database and where it lives: the SQLite file, or the PostgreSQL database's URL. */
export async function withDatabase<T>(
  dialect: BenchDialect,
  run: (database: Database, location: string) => Promise<T>,
): Promise<T> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'inkwell-bench-'));
    const file = join(dir, 'bench.db');
    const database = openSqlite(file);
    try {
      await migrateToLatest(database);
      return await run(database, file);
    } finally {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return withFreshPostgres(process.env.DATABASE_URL!, 'bench', async (url) => {
    const database = openPostgres(url, { poolSize: 20 });
    try {
      await migrateToLatest(database);
      return await run(database, url);
    } finally {
      await database.close();
    }
  });
}

/** Runs `run` with the URL of a new, empty database on the server of `serverUrl`; drops it after. */
export async function withFreshPostgres<T>(
  serverUrl: string,
  prefix: string,
  run: (url: string) => Promise<T>,
): Promise<T> {
  const url = new URL(serverUrl);
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  url.pathname = `/${name}`;
  try {
    return await run(url.toString());
  } finally {
    await admin.query(`DROP DATABASE ${name}`);
    await admin.end();
  }
}
