/** Fresh databases for a benchmark: a SQLite file, or a new database on the PostgreSQL server of DATABASE_URL. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgres, openSqlite, type Database } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrate.js';

export type BenchDialect = 'sqlite' | 'postgres';

/** The backends this run can measure: PostgreSQL only when DATABASE_URL names a server. */
export function dialects(): BenchDialect[] {
  return process.env.DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

/** `run` gets the database and where it lives: the SQLite file, or the PostgreSQL database's URL. */
export async function withDatabase<T>(dialect: BenchDialect, run: (database: Database, location: string) => Promise<T>): Promise<T> {
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
  const url = new URL(process.env.DATABASE_URL!);
  const name = `bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  url.pathname = `/${name}`;
  const database = openPostgres(url.toString(), { poolSize: 20 });
  try {
    await migrateToLatest(database);
    return await run(database, url.toString());
  } finally {
    await database.close();
    await admin.query(`DROP DATABASE ${name}`);
    await admin.end();
  }
}
