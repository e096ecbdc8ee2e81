/**
 * Migrating while another client drops schemas (other tenants', other tests'): Kysely's migrator
 * scans the tables of every schema, and one dropped during that scan failed the migration with
 * "schema … does not exist" though ours was there (a flake of the full suite). migrateToLatest
 * asks again; every migration here must succeed.
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/store/migrate.js';
import { openPostgres } from '../../src/store/postgres.js';
import { throwawayPostgresDatabase } from '../support/server.js';

let url: string;
let drop: () => Promise<void>;
let admin: pg.Client;

beforeAll(async () => {
  ({ url, drop } = await throwawayPostgresDatabase('mr'));
  admin = new pg.Client({ connectionString: url });
  await admin.connect();
});
afterAll(async () => {
  await admin.end();
  await drop();
});

it('migrates a schema while others are dropped around it', async () => {
  const doomed = Array.from({ length: 60 }, (_, i) => `doomed_${i}`);
  for (const name of doomed)
    await admin.query(
      `CREATE SCHEMA ${name}; ${Array.from({ length: 8 }, (_, t) => `CREATE TABLE ${name}.t${t} (id serial primary key, a text, b int);`).join(' ')}`,
    );
  const ours = Array.from({ length: 6 }, (_, i) => `ours_${i}`);
  for (const name of ours) await admin.query(`CREATE SCHEMA ${name}`);
  const dropping = (async () => {
    for (const name of doomed) await admin.query(`DROP SCHEMA ${name} CASCADE`);
  })();
  const results = await Promise.allSettled(
    ours.map(async (schema) => {
      const database = openPostgres(url, { schema, poolSize: 1 });
      try {
        for (let round = 0; round < 3; round++) await migrateToLatest(database);
        const { rows } = await admin.query('SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1', [schema]);
        return rows[0].n as number;
      } finally {
        await database.close();
      }
    }),
  );
  await dropping;
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
  expect(failures).toEqual([]);
  for (const r of results) expect(r.status === 'fulfilled' && r.value).toBeGreaterThan(10);
}, 120_000);
