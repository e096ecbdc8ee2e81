/**
 * Storage faults on PostgreSQL (its own database: the write lock is per database, and this
 * suite holds it): the write lock held by another session gives STORAGE_LOCKED after the lock
 * timeout — not a request that hangs — with nothing written; once released, the same request posts.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys.js';
import { Ledger } from '../../src/ledger/ledger.js';
import type { Logger } from '../../src/log.js';
import { rebuildReadModels } from '../../src/projections/rebuild.js';
import { verifyIntegrity } from '../../src/reports/integrity.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { openPostgres, type Database } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { logState } from '../support/log-state.js';
import { postgresUrl } from '../support/server.js';

const TRANSFER = 'mutation { transfer(input: { idempotencyKey: "locked", debitAccount: "assets:cash", creditAccount: "equity:owner", amount: "1.00" }) { __typename } }';
const logged: Array<{ message: string; fields?: Record<string, unknown> }> = [];
const logger: Logger = { log: (_level, message, fields) => logged.push({ message, fields }) };
let admin: pg.Client;
let name: string;
let url: string;
let database: Database;
let server: RunningServer;
let key: string;

beforeAll(async () => {
  const base = new URL(postgresUrl());
  name = `faults_${randomBytes(5).toString('hex')}`;
  admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  base.pathname = `/${name}`;
  url = base.toString();
  database = openPostgres(url, { lockTimeoutMs: 300 });
  await migrateToLatest(database);
  const ledger = new Ledger(database);
  const ctx = { actor: 'test', requestId: 'faults' };
  await ledger.openAccount({ code: 'assets:cash', name: 'Cash', type: 'ASSET', currency: 'USD' }, ctx);
  await ledger.openAccount({ code: 'equity:owner', name: 'Owner', type: 'EQUITY', currency: 'USD' }, ctx);
  key = (await createApiKey(database, { name: 'faults', role: 'admin', createdBy: 'test', now: new Date().toISOString() })).secret;
  server = await startServer({ ledger, port: 0, host: '127.0.0.1', logger, rateLimit: { perSecond: 0, burst: 1 } });
});

afterAll(async () => {
  await server?.close();
  await database?.close();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.end();
});

const post = async (requestId: string) =>
  (await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-request-id': requestId }, body: JSON.stringify({ query: TRANSFER }) })).json();

describe('storage faults (PostgreSQL)', () => {
  it('the write lock held by another session: a clear STORAGE_LOCKED after the lock timeout, then recovery', async () => {
    const before = await logState(database.db);
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      // The lock every write transaction takes first (src/store/db.ts), held by a session that is not Inkwell.
      await holder.query('SELECT pg_advisory_lock(7341853001)');
      const started = Date.now();
      const refused = await post('pg-locked');
      expect(Date.now() - started).toBeLessThan(5000);
      expect(refused.errors?.[0]?.extensions, JSON.stringify(refused)).toMatchObject({ code: 'SERVICE_UNAVAILABLE', fault: 'STORAGE_LOCKED', requestId: 'pg-locked' });
      expect(logged.find((l) => l.fields?.requestId === 'pg-locked')).toMatchObject({ message: 'storage fault', fields: { fault: 'STORAGE_LOCKED' } });
      expect(await logState(database.db)).toEqual(before);
    } finally {
      await holder.end(); // ends the session: the lock goes with it
    }
    expect((await post('pg-unlocked')).data.transfer.__typename).toBe('Transaction');
    expect((await verifyIntegrity(database.db)).ok).toBe(true);
    expect((await rebuildReadModels(database, { apply: false })).differences).toEqual([]);
  });
});
