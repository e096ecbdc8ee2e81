/**
 * Storage faults on PostgreSQL (its own database: the write lock is per database, and this
 * suite holds it): the write lock held by another session gives STORAGE_LOCKED after the lock
 * timeout — not a request that hangs — with nothing written; once released, the same request posts.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildReadModels } from '../../src/projections/rebuild.js';
import { verifyIntegrity } from '../../src/reports/integrity.js';
import type { Database } from '../../src/store/db.js';
import { openPostgres } from '../../src/store/postgres.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { startFaultServer, type FaultServer } from '../support/fault-server.js';
import { logState } from '../support/log-state.js';
import { throwawayPostgresDatabase } from '../support/server.js';

let url: string;
let drop: () => Promise<void>;
let database: Database;
let faults: FaultServer;

beforeAll(async () => {
  ({ url, drop } = await throwawayPostgresDatabase('faults'));
  database = openPostgres(url, { lockTimeoutMs: 300 });
  await migrateToLatest(database);
  faults = await startFaultServer(database);
});

afterAll(async () => {
  await faults?.close();
  await database?.close();
  await drop?.();
});

describe('storage faults (PostgreSQL)', () => {
  it('the write lock held by another session: a clear STORAGE_LOCKED after the lock timeout, then recovery', async () => {
    const before = await logState(database.db);
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      // The lock every write transaction takes first (src/store/db.ts), held by a session that is not Inkwell.
      await holder.query('SELECT pg_advisory_lock(7341853001)');
      const started = Date.now();
      const refused = await faults.transfer('locked', 'pg-locked');
      expect(Date.now() - started).toBeLessThan(5000);
      faults.expectRefused(refused, 'STORAGE_LOCKED', 'pg-locked', /lock timeout/);
      expect(await logState(database.db)).toEqual(before);
    } finally {
      await holder.end(); // ends the session: the lock goes with it
    }
    expect((await faults.transfer('locked', 'pg-unlocked')).data?.transfer.__typename).toBe('Transaction');
    expect((await verifyIntegrity(database.db)).ok).toBe(true);
    expect((await rebuildReadModels(database, { apply: false })).differences).toEqual([]);
  });
});
