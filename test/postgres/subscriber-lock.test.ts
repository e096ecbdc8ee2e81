/**
 * Subscribers never hold the ledger's write lock (issue 17, point 5), on PostgreSQL (its own
 * database: the write lock is per database, and this suite holds it): a subscriber batch commits
 * while another session holds the write lock, a command commits while a subscriber transaction is
 * open, and two runners of one subscriber still exclude each other.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/ledger/ledger.js';
import type { Database } from '../../src/store/db.js';
import { openPostgres } from '../../src/store/postgres.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { BALANCE_MONITORS, balanceMonitors, createMonitor } from '../../src/subscribers/balance-monitors.js';
import { DAILY_BALANCES, dailyBalances } from '../../src/subscribers/daily-balances.js';
import { checkpoints, SubscriberRunner, type Subscriber } from '../../src/subscribers/runner.js';
import { throwawayPostgresDatabase } from '../support/server.js';

/** The ledger's write lock (src/store/db.ts WRITE_LOCK). */
const WRITE_LOCK = 7341853001;
const ctx = { actor: 'test', requestId: 'subscriber-lock' };

let url: string;
let drop: () => Promise<void>;
let database: Database;
let ledger: Ledger;
let sequence = 0;

beforeAll(async () => {
  ({ url, drop } = await throwawayPostgresDatabase('sublock'));
  // A short lock timeout: a batch that waited for the write lock would fail fast with STORAGE_LOCKED.
  database = openPostgres(url, { lockTimeoutMs: 300 });
  await migrateToLatest(database);
  ledger = new Ledger(database);
  await ledger.openAccount({ code: 'assets:wallet', name: 'W', type: 'ASSET', currency: 'USD' }, ctx);
  await ledger.openAccount({ code: 'equity:funding', name: 'F', type: 'EQUITY', currency: 'USD' }, ctx);
  await createMonitor(
    database,
    { account: 'assets:wallet', metric: 'POSTED', comparison: 'GT', threshold: '1.00' },
    'test',
    new Date().toISOString(),
    Number.POSITIVE_INFINITY, // not what this test is about
  );
});

afterAll(async () => {
  await database?.close();
  await drop?.();
});

const deposit = (amount = '2.00') =>
  ledger.transfer(
    { idempotencyKey: `l${++sequence}`, debitAccount: 'assets:wallet', creditAccount: 'equity:funding', amount },
    ctx,
  );
const head = async () => (await ledger.store.head())!.position;
const positionOf = async (name: string) => (await checkpoints(database.db, name))[0]?.position;

describe('subscribers and the write lock (PostgreSQL)', () => {
  it('a subscriber batch commits while another session holds the ledger’s write lock', async () => {
    await deposit();
    await deposit();
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK]);
      // The lock is held: a command cannot commit.
      await expect(deposit()).rejects.toMatchObject({ fault: 'STORAGE_LOCKED' });
      await new SubscriberRunner(database, ledger.commits, [dailyBalances, balanceMonitors], {
        batchSize: 1,
      }).catchUp();
      expect(await positionOf(DAILY_BALANCES)).toBe(await head());
      expect(await positionOf(BALANCE_MONITORS)).toBe(await head());
      expect(
        (await database.db.selectFrom('balance_alerts').select('holds').execute()).map((a) => Number(a.holds)),
      ).toEqual([1]);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
  });

  it('a command commits while a subscriber transaction is open; a second runner of that subscriber waits for it', async () => {
    await deposit();
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: Subscriber = {
      ...dailyBalances,
      async apply(trx, events, generation) {
        entered();
        await gate; // the transaction stays open, holding 'subscriber:daily-balances'
        await dailyBalances.apply(trx, events, generation);
      },
    };
    const running = new SubscriberRunner(database, ledger.commits, [slow], { batchSize: 1000 }).catchUp();
    try {
      await inside;
      const before = await head();
      await deposit('5.00'); // would fail with STORAGE_LOCKED after 300 ms if the batch held the write lock
      expect(await head()).toBe(before + 2);
      // The same subscriber's lock is held: another runner of it times out rather than run beside it.
      await expect(new SubscriberRunner(database, ledger.commits, [dailyBalances]).catchUp()).rejects.toMatchObject({
        fault: 'STORAGE_LOCKED',
      });
      // Another subscriber's lock is free.
      await new SubscriberRunner(database, ledger.commits, [balanceMonitors]).catchUp();
      expect(await positionOf(BALANCE_MONITORS)).toBe(await head());
    } finally {
      release();
      await running;
    }
    await new SubscriberRunner(database, ledger.commits, [dailyBalances]).catchUp();
    expect(await positionOf(DAILY_BALANCES)).toBe(await head());
    const [row] = await database.db
      .selectFrom('daily_balances')
      .select(['debits', 'credits'])
      .where('account_code', '=', 'assets:wallet')
      .execute();
    expect(row).toEqual({ debits: '11', credits: '0' }); // 2.00 × 3 and 5.00, each once
  });
});
