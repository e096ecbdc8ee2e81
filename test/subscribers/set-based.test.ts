/**
 * A subscriber batch writes set-based (issue 17, point 5): the statements one batch issues do not
 * grow with the rows it writes — 6 account-days or 500, 4 alerts or 250 — on SQLite and PostgreSQL.
 */
import type { KyselyPlugin } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger, type PostTransactionInput } from '../../src/ledger/ledger.js';
import { BALANCE_MONITORS, balanceMonitors, createMonitor } from '../../src/subscribers/balance-monitors.js';
import { DAILY_BALANCES, dailyBalances } from '../../src/subscribers/daily-balances.js';
import { checkpoints, SubscriberRunner, type Subscriber } from '../../src/subscribers/runner.js';
import { tempDatabase, type TempDatabase } from '../support/server.js';

const ctx = { actor: 'test', requestId: 'set-based' };
let temp: TempDatabase;
let ledger: Ledger;

beforeEach(async () => {
  temp = await tempDatabase();
  ledger = new Ledger(temp.database);
  await ledger.openAccount(
    { code: 'assets:wallet', name: 'W', type: 'ASSET', currency: 'USD', effectiveAt: '2025-01-01T00:00:00.000Z' },
    ctx,
  );
  await ledger.openAccount(
    { code: 'equity:funding', name: 'F', type: 'EQUITY', currency: 'USD', effectiveAt: '2025-01-01T00:00:00.000Z' },
    ctx,
  );
});
afterEach(() => temp.dispose());

/** The subscriber, with every statement its batches issue counted (one count per batch). */
function counted(subscriber: Subscriber): { subscriber: Subscriber; perBatch: number[] } {
  const perBatch: number[] = [];
  const counter: KyselyPlugin = {
    transformQuery: (args) => {
      perBatch[perBatch.length - 1]! += 1;
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  return {
    perBatch,
    subscriber: {
      ...subscriber,
      apply: (trx, events, generation) => {
        perBatch.push(0);
        return subscriber.apply(trx.withPlugin(counter), events, generation);
      },
    },
  };
}

/** Runs one batch of everything posted so far; returns its statement count. */
async function oneBatch(subscriber: Subscriber): Promise<number> {
  const { subscriber: counting, perBatch } = counted(subscriber);
  await new SubscriberRunner(temp.database, ledger.commits, [counting], { batchSize: 1000 }).catchUp();
  expect(perBatch).toHaveLength(1);
  return perBatch[0]!;
}

let sequence = 0;
/** `n` transfers in one commit, the k-th of them on `dayOf(k)`, alternating in and out of the wallet. */
async function post(n: number, dayOf: (k: number) => string, amount: (k: number) => string): Promise<void> {
  const inputs: PostTransactionInput[] = Array.from({ length: n }, (_, k) => {
    const [debit, credit] = k % 2 === 0 ? ['assets:wallet', 'equity:funding'] : ['equity:funding', 'assets:wallet'];
    return {
      idempotencyKey: `s${++sequence}`,
      effectiveAt: `${dayOf(k)}T12:00:00.000Z`,
      entries: [
        { account: debit, direction: 'DEBIT' as const, amount: amount(k) },
        { account: credit, direction: 'CREDIT' as const, amount: amount(k) },
      ],
    };
  });
  const outcomes = await ledger.postTransactions(inputs, ctx, { atomic: true });
  expect(outcomes.filter((o) => 'error' in o)).toEqual([]);
}

const dayNumber = (k: number) => new Date(Date.UTC(2025, 1, 1) + k * 86_400_000).toISOString().slice(0, 10);

describe('subscriber batches write set-based', () => {
  it('daily balances: as many statements for 500 account-days as for 6, inserting and then updating', async () => {
    await post(3, dayNumber, () => '1.00'); // 2 accounts × 3 days
    const few = await oneBatch(dailyBalances);
    await post(250, dayNumber, () => '1.00'); // 2 accounts × 250 days, 3 of them already there
    const many = await oneBatch(dailyBalances);
    await post(250, dayNumber, () => '2.50'); // the same 500 rows, all updated
    const updates = await oneBatch(dailyBalances);
    expect([few, many, updates]).toEqual([few, few, few]);
    expect(few).toBeLessThanOrEqual(2); // one read, one upsert
    const [checkpoint] = await checkpoints(temp.database.db, DAILY_BALANCES);
    expect(checkpoint!.position).toBe((await ledger.store.head())!.position);
    const rows = await temp.database.db
      .selectFrom('daily_balances')
      .select(['account_code', 'day', 'debits', 'credits'])
      .where('account_code', '=', 'assets:wallet')
      .orderBy('day')
      .execute();
    expect(rows).toHaveLength(250);
    // Day 0: 1.00 in, 1.00 in (again, batch 2), 2.50 in (batch 3); day 1: the same, out.
    expect(rows.slice(0, 2)).toEqual([
      { account_code: 'assets:wallet', day: dayNumber(0), debits: '4.5', credits: '0' },
      { account_code: 'assets:wallet', day: dayNumber(1), debits: '0', credits: '4.5' },
    ]);
    expect(rows[249]).toEqual({ account_code: 'assets:wallet', day: dayNumber(249), debits: '0', credits: '3.5' });
  });

  it('balance monitors: as many statements for 250 alerts as for 4', async () => {
    // Alternating 2.00 in and 2.00 out: the wallet is 2.00 after each deposit and 0 after each withdrawal.
    await createMonitor(
      temp.database,
      { account: 'assets:wallet', metric: 'POSTED', comparison: 'GT', threshold: '1.00' },
      'test',
      new Date().toISOString(),
      Number.POSITIVE_INFINITY, // not what this test is about
    );
    // Yesterday, not today: noon today lies in the future before 12:00 UTC, and is refused then.
    const yesterday = () => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    await post(4, yesterday, () => '2.00');
    const few = await oneBatch(balanceMonitors);
    await post(250, yesterday, () => '2.00');
    const many = await oneBatch(balanceMonitors);
    expect(many).toBe(few);
    const alerts = await temp.database.db
      .selectFrom('balance_alerts')
      .select(['id', 'holds', 'event_position'])
      .orderBy('id')
      .execute();
    expect(alerts).toHaveLength(254);
    // Numbered in the order raised: every flip, alternating, in log order.
    expect(alerts.map((a) => Number(a.holds))).toEqual(Array.from({ length: 254 }, (_, i) => (i % 2 === 0 ? 1 : 0)));
    expect(alerts.map((a) => Number(a.event_position))).toEqual(
      [...alerts.map((a) => Number(a.event_position))].sort((a, b) => a - b),
    );
    const monitor = await temp.database.db.selectFrom('balance_monitors').select('holds').executeTakeFirstOrThrow();
    expect(Number(monitor.holds)).toBe(0);
    const [checkpoint] = await checkpoints(temp.database.db, BALANCE_MONITORS);
    expect(checkpoint!.position).toBe((await ledger.store.head())!.position);
  });
});
