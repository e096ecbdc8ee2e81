/**
 * Storage faults that need a PostgreSQL server of their own (they change the whole server, so the
 * shared test cluster cannot be used): the tables on a filesystem that fills up, and the server
 * switched to read-only the way managed PostgreSQL services do it when storage runs low
 * (default_transaction_read_only, reloaded into every session). Each gives the client a clear
 * SERVICE_UNAVAILABLE naming the fault, an entry in the log under the request id, and writes
 * nothing; once the fault is gone the same request posts, the chain verifies, and the read models
 * equal a rebuild.
 *
 * Needs root (it mounts a small tmpfs for the tablespace) and PostgreSQL's server binaries
 * (scripts/pg-cluster.sh starts the server): CI has both; locally, vitest.config.ts leaves this
 * suite out with a notice when either is missing.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildReadModels } from '../../src/projections/rebuild.js';
import { verifyIntegrity } from '../../src/reports/integrity.js';
import type { Database } from '../../src/store/db.js';
import { openPostgres } from '../../src/store/postgres.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { faultCtx, startFaultServer, type FaultServer } from '../support/fault-server.js';
import { logState } from '../support/log-state.js';

const CLUSTER = join(process.cwd(), 'scripts/pg-cluster.sh');
let dir: string;
let disk: string;
let url: string;
let admin: pg.Client;
let database: Database;
let faults: FaultServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'inkwell-pgfaults-'));
  chmodSync(dir, 0o755); // the cluster runs as the postgres user when we are root
  url = execFileSync('bash', [CLUSTER, 'start', join(dir, 'cluster')], { encoding: 'utf8' }).trim();
  admin = await connectAdmin();
  // A 2 MiB filesystem for the ledger's tables and indexes (the catalogs and the WAL stay on the
  // main disk, as on a server whose data volume fills up).
  disk = join(dir, 'disk');
  execFileSync('mkdir', ['-p', disk]);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', disk]);
  const owner = statSync(join(dir, 'cluster', 'data'));
  chownSync(disk, owner.uid, owner.gid);
  chmodSync(disk, 0o700);
  await admin.query(`CREATE TABLESPACE small LOCATION '${disk}'`);
  await admin.query(`ALTER DATABASE inkwell SET default_tablespace = small`);

  database = openPostgres(url);
  await migrateToLatest(database);
  const tables = await database.db
    .selectFrom('pg_tables' as never)
    .select('tablespace' as never)
    .where('schemaname' as never, '=', 'public' as never)
    .execute();
  expect(tables.length).toBeGreaterThan(5);
  expect(new Set(tables.map((t) => (t as { tablespace: string }).tablespace))).toEqual(new Set(['small']));

  faults = await startFaultServer(database);
});

afterAll(async () => {
  await faults?.close();
  await database?.close();
  await admin?.end();
  if (dir) {
    execFileSync('bash', [CLUSTER, 'stop', join(dir, 'cluster')]);
    if (disk) execFileSync('umount', [disk]);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The test's own session for ALTER SYSTEM and the tablespace; the server's stop ends it, quietly. */
async function connectAdmin(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  return client;
}

async function expectWhole(): Promise<void> {
  expect((await verifyIntegrity(database.db)).ok).toBe(true);
  expect((await rebuildReadModels(database, { apply: false })).differences).toEqual([]);
}

/** Fills what is left of the filesystem with one file; returns its path. */
function fill(into: string): string {
  const file = join(into, 'filler');
  const fd = openSync(file, 'w');
  try {
    for (const size of [64 * 1024, 4096]) {
      const chunk = Buffer.alloc(size, 1);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      }
    }
  } finally {
    closeSync(fd);
  }
  return file;
}

const NO_SPACE = /could not extend file .*: No space left on device/;

describe('server-wide storage faults (PostgreSQL)', () => {
  it('the disk under the tables is full: STORAGE_FULL, nothing written, then recovery with the same request', async () => {
    const balanceBefore = await faults.cashBalance();
    let posted = 0;
    const filler = fill(disk);
    let refused: { key: string; requestId: string } | undefined;
    let before = await logState(database.db);
    try {
      // Rows go into free space in pages already on disk until a table or index must grow a page.
      for (let i = 0; i < 2000 && !refused; i++) {
        const requestId = `full-${i}`;
        const body = await faults.transfer(`full-${i}`, requestId);
        if (body.data?.transfer) {
          before = await logState(database.db);
          posted++;
          continue;
        }
        faults.expectRefused(body, 'STORAGE_FULL', requestId, NO_SPACE);
        refused = { key: `full-${i}`, requestId };
      }
      expect(refused, 'a full disk refused one of 2,000 transfers').toBeDefined();
      expect(await logState(database.db)).toEqual(before);
      // Still full: refused again, and reads keep working meanwhile.
      faults.expectRefused(await faults.transfer(refused!.key, 'full-again'), 'STORAGE_FULL', 'full-again', NO_SPACE);
      expect(await faults.cashBalance()).toBe(new Decimal(balanceBefore).plus(posted).toFixed(2));
      expect(await logState(database.db)).toEqual(before);
    } finally {
      rmSync(filler);
    }
    const accepted = await faults.transfer(refused!.key, 'full-recovered');
    expect(accepted.data?.transfer.__typename, JSON.stringify(accepted)).toBe('Transaction');
    expect(await faults.transfer(refused!.key, 'full-retry')).toEqual(accepted);
    expect((await logState(database.db)).events).toBe(before.events + 2);
    await expectWhole();
  });

  it('the server switched to read-only: STORAGE_READ_ONLY, reads still served, then recovery', async () => {
    const before = await logState(database.db);
    const balanceBefore = await faults.cashBalance();
    await setReadOnly(true);
    try {
      faults.expectRefused(
        await faults.transfer('read-only', 'read-only'),
        'STORAGE_READ_ONLY',
        'read-only',
        /read-only transaction/,
      );
      expect(await faults.cashBalance()).toBe(balanceBefore);
      expect(await logState(database.db)).toEqual(before);
    } finally {
      await setReadOnly(false);
    }
    const accepted = await faults.transfer('read-only', 'read-only-recovered');
    expect(accepted.data?.transfer.__typename, JSON.stringify(accepted)).toBe('Transaction');
    expect((await logState(database.db)).events).toBe(before.events + 2);
    await expectWhole();
  });

  it('the server stops and starts again while Inkwell runs: STORAGE_UNAVAILABLE meanwhile, then recovery', async () => {
    const before = await logState(database.db);
    const balanceBefore = await faults.cashBalance(); // the pool now holds open sessions, which the stop will cut
    const cluster = join(dir, 'cluster');
    execFileSync('bash', [CLUSTER, 'stop', cluster]);
    try {
      // The API key cannot be looked up: refused before GraphQL, with 503 and Retry-After.
      faults.expectRefused(
        await faults.transfer('restart', 'server-down'),
        'STORAGE_UNAVAILABLE',
        'server-down',
        /ECONNREFUSED|terminat/,
        503,
      );
      // Past the key, a write and a read fail the same way (what a request meets when the server goes mid-way).
      await expect(
        faults.ledger.transfer(
          { idempotencyKey: 'restart', debitAccount: 'assets:cash', creditAccount: 'equity:owner', amount: '1.00' },
          faultCtx,
        ),
      ).rejects.toMatchObject({ name: 'StorageFault', fault: 'STORAGE_UNAVAILABLE' });
      const read = await database.db
        .selectFrom('accounts')
        .selectAll()
        .execute()
        .catch((error: unknown) => error);
      expect(database.fault(read)?.fault).toBe('STORAGE_UNAVAILABLE');
    } finally {
      execFileSync('bash', [CLUSTER, 'resume', cluster, new URL(url).port]);
    }
    admin = await connectAdmin(); // the stop ended its session too
    expect(await faults.cashBalance()).toBe(balanceBefore);
    expect(await logState(database.db)).toEqual(before);
    const accepted = await faults.transfer('restart', 'server-back');
    expect(accepted.data?.transfer.__typename, JSON.stringify(accepted)).toBe('Transaction');
    await expectWhole();
  });

  it('the server killed (SIGKILL, every process) under load: acknowledged transfers survive its crash recovery, retries post the rest once', async () => {
    const before = await logState(database.db);
    const balanceBefore = await faults.cashBalance();
    const cluster = join(dir, 'cluster');
    const acknowledged = new Map<string, string>();
    const unknown: string[] = [];
    // Eight clients post until the server goes; each keeps the key of the request that failed.
    const clients = Array.from({ length: 8 }, async (_, c) => {
      for (let n = 0; ; n++) {
        const key = `killed-${c}-${n}`;
        const reply = await faults.transfer(key, key);
        if (reply.data?.transfer.id) {
          acknowledged.set(key, reply.data.transfer.id);
          continue;
        }
        // Cut off: the answer names the lost server and says a retry with the key is safe.
        faults.expectRefused(
          reply,
          'STORAGE_UNAVAILABLE',
          key,
          /ECONNREFUSED|ECONNRESET|terminat|not queryable/,
          reply.status,
        );
        unknown.push(key);
        return;
      }
    });
    while (acknowledged.size < 40) await new Promise((resolve) => setTimeout(resolve, 10));
    const postmaster = readFileSync(join(cluster, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]!;
    execFileSync('bash', ['-c', `kill -KILL ${postmaster} $(pgrep -P ${postmaster})`]);
    await Promise.all(clients);
    // Until the dead postmaster is reaped, a new one takes its lock file for a running server's.
    while (alive(Number(postmaster))) await new Promise((resolve) => setTimeout(resolve, 20));
    execFileSync('bash', [CLUSTER, 'resume', cluster, new URL(url).port]); // crash recovery from the WAL
    admin = await connectAdmin();

    expect(unknown).toHaveLength(8);
    // What survived: every acknowledged transfer, and at most the eight cut off mid-way besides.
    const survived = ((await logState(database.db)).events - before.events) / 2;
    expect(survived).toBeGreaterThanOrEqual(acknowledged.size);
    expect(survived).toBeLessThanOrEqual(acknowledged.size + unknown.length);
    // Every acknowledged transfer is there, and its retry returns it unchanged.
    for (const [key, id] of acknowledged)
      expect((await faults.transfer(key, `${key}-retry`)).data?.transfer.id, key).toBe(id);
    // A request cut off may or may not have committed: its retry answers it or posts it — once either way.
    for (const key of unknown)
      expect((await faults.transfer(key, `${key}-retry`)).data?.transfer.__typename, key).toBe('Transaction');
    const posted = acknowledged.size + unknown.length;
    expect(await faults.cashBalance()).toBe(new Decimal(balanceBefore).plus(posted).toFixed(2));
    expect((await logState(database.db)).events).toBe(before.events + 2 * posted);
    await expectWhole();
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Server-wide, as a managed service does it: ALTER SYSTEM then a reload, which every session —
 * the pool's open ones included — applies before its next statement. The reload reaches the
 * sessions asynchronously: wait until a new one sees it, then a little longer for the others.
 */
async function setReadOnly(on: boolean): Promise<void> {
  await admin.query(
    on ? 'ALTER SYSTEM SET default_transaction_read_only = on' : 'ALTER SYSTEM RESET default_transaction_read_only',
  );
  await admin.query('SELECT pg_reload_conf()');
  for (;;) {
    const probe = new pg.Client({ connectionString: url });
    await probe.connect();
    const { rows } = await probe.query('SHOW default_transaction_read_only');
    await probe.end();
    if (rows[0].default_transaction_read_only === (on ? 'on' : 'off')) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
}
