/**
 * Writes to different ledgers never wait for each other (issue 24, point 2), on PostgreSQL, shown
 * without timing: while one ledger's write transaction holds its write lock (its work awaits a
 * latch this test opens), a command on another ledger commits; pg_locks shows every ledger's lock
 * granted at once. The control: a second write on the SAME ledger does wait (and, with a short
 * lock timeout, fails with STORAGE_LOCKED), so the test would catch one shared lock.
 * Its own database: this suite holds the default ledger's write lock, which is per database.
 */
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/ledger/ledger.js';
import type { Database } from '../../src/store/db.js';
import { openLedgerStorage } from '../../src/store/namespaces.js';
import { openPostgres } from '../../src/store/postgres.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { throwawayPostgresDatabase } from '../support/server.js';

const ctx = { actor: 'test', requestId: 'ledger-locks' };

let url: string;
let drop: () => Promise<void>;
let home: Database;
const ledgers = new Map<string, Database>();

beforeAll(async () => {
  ({ url, drop } = await throwawayPostgresDatabase('ledgerlocks'));
  // A short lock timeout: a write that waited for a held lock fails fast with STORAGE_LOCKED.
  home = openPostgres(url, { lockTimeoutMs: 300 });
  await migrateToLatest(home);
  for (const name of ['alpha', 'beta', 'gamma']) ledgers.set(name, await openLedgerStorage(home, name));
});

afterAll(async () => {
  for (const database of ledgers.values()) await database.close();
  await home?.close();
  await drop?.();
});

/** Opens a write transaction on `database` and keeps it (and its lock) until `release()`. */
function holdWrite(database: Database): { held: Promise<void>; release(): void; done: Promise<void> } {
  let release!: () => void;
  let held!: () => void;
  const latch = new Promise<void>((resolve) => (release = resolve));
  const heldPromise = new Promise<void>((resolve) => (held = resolve));
  const done = database.write(async () => {
    held();
    await latch;
  });
  return { held: heldPromise, release, done };
}

let sequence = 0;
const openOn = (database: Database) =>
  new Ledger(database).openAccount({ code: `assets:a${++sequence}`, name: 'A', type: 'ASSET', currency: 'USD' }, ctx);

/** The advisory locks granted now, as (classid, objid) pairs. */
async function grantedAdvisoryLocks(): Promise<Array<{ classid: number; objid: number }>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ classid: number; objid: number }>(
      `SELECT classid::int AS classid, objid::bigint::int8 AS objid FROM pg_locks
       WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    return rows.map((r) => ({ classid: Number(r.classid), objid: Number(r.objid) }));
  } finally {
    await client.end();
  }
}

describe('per-ledger write locks (PostgreSQL)', () => {
  it('commits on one ledger while another ledger (and default) hold their write locks', async () => {
    const alpha = holdWrite(ledgers.get('alpha')!);
    const main = holdWrite(home);
    await Promise.all([alpha.held, main.held]);
    try {
      // With one lock for every ledger this would wait and fail with STORAGE_LOCKED after 300 ms.
      await expect(openOn(ledgers.get('beta')!)).resolves.toMatch(/^assets:a/);
      await expect(openOn(ledgers.get('gamma')!)).resolves.toMatch(/^assets:a/);
    } finally {
      alpha.release();
      main.release();
      await Promise.all([alpha.done, main.done]);
    }
  });

  it('shows every ledger’s lock granted at once in pg_locks, each a key of its own', async () => {
    const holds = [...ledgers.values()].map(holdWrite);
    const main = holdWrite(home);
    await Promise.all([...holds.map((h) => h.held), main.held]);
    try {
      const granted = await grantedAdvisoryLocks();
      const hashes = await sql<{
        h: number;
      }>`SELECT hashtext(s) AS h FROM unnest(${[...ledgers.values()].map((d) => d.schema!)}::text[]) AS s`.execute(
        home.db,
      );
      for (const { h } of hashes.rows) expect(granted).toContainEqual({ classid: 7342, objid: h >>> 0 });
      // The default ledger's lock: the one-bigint key 7341853001, as before ledgers existed.
      expect(granted).toContainEqual({ classid: Math.floor(7341853001 / 2 ** 32), objid: 7341853001 % 2 ** 32 });
      expect(new Set(hashes.rows.map((r) => r.h)).size).toBe(3);
    } finally {
      for (const h of [...holds, main]) h.release();
      await Promise.all([...holds, main].map((h) => h.done));
    }
  });

  it('still serialises the writes of one ledger (the control)', async () => {
    const alpha = ledgers.get('alpha')!;
    const held = holdWrite(alpha);
    await held.held;
    try {
      await expect(openOn(alpha)).rejects.toMatchObject({ fault: 'STORAGE_LOCKED' });
    } finally {
      held.release();
      await held.done;
    }
    await expect(openOn(alpha)).resolves.toMatch(/^assets:a/);
  });

  it('keeps each ledger’s tables in its own schema', async () => {
    const { rows } = await sql<{ schema: string; n: number }>`
      SELECT table_schema AS schema, count(*)::int AS n FROM information_schema.tables
      WHERE table_name = 'events' GROUP BY table_schema ORDER BY table_schema`.execute(home.db);
    expect(rows.map((r) => r.schema)).toEqual(['ledger_alpha', 'ledger_beta', 'ledger_gamma', 'public']);
  });
});
