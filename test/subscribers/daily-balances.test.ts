/**
 * Checkpointed subscribers, shown on the daily balance history: exactly once through failures,
 * restarts and concurrent runners; a blue-green rebuild while writes go on; equal throughout to a
 * brute-force sum of the entries.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Amount } from '../../src/domain/money.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { getAccounts } from '../../src/ledger/queries.js';
import { reportCut } from '../../src/reports/cut.js';
import { htmlPage } from '../../src/reports/export/html.js';
import { statementTable } from '../../src/reports/export/tables.js';
import { DAILY_BALANCES, dailyBalances, dailyBalancesOf } from '../../src/subscribers/daily-balances.js';
import { checkpoints, SubscriberRunner, type Subscriber } from '../../src/subscribers/runner.js';
import type { Database } from '../../src/store/db.js';
import { tempDatabase, type TempDatabase } from '../support/server.js';

const ctx = { actor: 'test', requestId: 'daily' };
const DAYS = ['2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23', '2026-11-24'];
const ACCOUNTS = [
  { code: 'assets:a', type: 'ASSET' as const, scale: 2 },
  { code: 'revenue:b', type: 'REVENUE' as const, scale: 2 },
  { code: 'assets:c', type: 'ASSET' as const, scale: 2 },
];

let temp: TempDatabase;
let ledger: Ledger;
beforeEach(async () => {
  temp = await tempDatabase();
  ledger = new Ledger(temp.database);
  for (const a of ACCOUNTS)
    await ledger.openAccount(
      { code: a.code, name: a.code, type: a.type, currency: 'USD', effectiveAt: '2026-01-01T00:00:00.000Z' },
      ctx,
    );
});
afterEach(() => temp.dispose());

let sequence = 0;
async function post(n: number, pick: () => number = () => sequence): Promise<void> {
  for (let i = 0; i < n; i++) {
    const k = ++sequence;
    const [debit, credit] = [ACCOUNTS[k % 3]!, ACCOUNTS[(k + 1 + (pick() % 2)) % 3]!];
    // Backdated across the days (effective times in the past, recorded now).
    const day = DAYS[(k * 7 + pick()) % DAYS.length]!;
    await ledger.transfer(
      {
        idempotencyKey: `t${k}`,
        debitAccount: debit.code,
        creditAccount: credit.code,
        amount: `${(k % 9) + 1}.25`,
        effectiveAt: `${day}T1${k % 10}:00:00.000Z`,
      },
      ctx,
    );
  }
}

/** The history the long way: every entry of the read model, summed by day. */
async function bruteForce(database: Database, account: (typeof ACCOUNTS)[number]): Promise<string[]> {
  const entries = await database.db
    .selectFrom('entries')
    .select(['direction', 'amount', 'effective_at'])
    .where('account_code', '=', account.code)
    .execute();
  const normal = account.type === 'ASSET' ? 'DEBIT' : 'CREDIT';
  return DAYS.map((day) =>
    entries
      .filter((e) => e.effective_at.slice(0, 10) <= day)
      .reduce((sum, e) => (e.direction === normal ? sum.plus(e.amount) : sum.minus(e.amount)), new Amount(0))
      .toFixed(2),
  );
}

async function history(database: Database, account: (typeof ACCOUNTS)[number]): Promise<string[]> {
  return (await dailyBalancesOf(database.db, account, DAYS[0]!, DAYS[DAYS.length - 1]!)).days.map((d) => d.balance);
}

async function expectExact(database: Database): Promise<void> {
  for (const account of ACCOUNTS)
    expect(await history(database, account), account.code).toEqual(await bruteForce(database, account));
}

const runner = (subscriber: Subscriber = dailyBalances, batchSize = 4) =>
  new SubscriberRunner(temp.database, ledger.commits, [subscriber], { batchSize, pollMs: 20 });

describe('the daily balance history (a checkpointed subscriber)', () => {
  it('applies every event exactly once through failed batches and restarts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(100), { minLength: 1, maxLength: 6 }), fc.nat(20), async (picks, failAt) => {
        let p = 0;
        await post(picks.length * 3, () => picks[p++ % picks.length]!);
        // A subscriber that dies in its failAt-th batch: that batch rolls back with its checkpoint.
        let batches = 0;
        const flaky: Subscriber = {
          ...dailyBalances,
          async apply(trx, events, generation) {
            await dailyBalances.apply(trx, events, generation);
            if (++batches === failAt) throw new Error('crash in the middle of a batch');
          },
        };
        await runner(flaky)
          .catchUp()
          .catch(() => undefined);
        // A new runner (a restart) takes over from the checkpoint.
        await runner().catchUp();
        await expectExact(temp.database);
        const [checkpoint] = await checkpoints(temp.database.db, DAILY_BALANCES);
        expect(checkpoint!.position).toBe((await ledger.store.head())!.position);
      }),
      { numRuns: 8 },
    );
  });

  it('keeps exactly once with two runners (two processes) on the same database', async () => {
    await post(40);
    await Promise.all([runner(dailyBalances, 3).catchUp(), runner(dailyBalances, 5).catchUp(), post(10)]);
    await runner().catchUp();
    await expectExact(temp.database);
  });

  it('follows new commits in the background', async () => {
    const background = runner();
    background.start();
    try {
      await post(15);
      const head = (await ledger.store.head())!.position;
      const deadline = Date.now() + 10_000;
      while ((await checkpoints(temp.database.db, DAILY_BALANCES))[0]?.position !== head && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      await expectExact(temp.database);
    } finally {
      await background.stop();
    }
  });

  it('draws the statement chart from the daily history when it has applied exactly the statement’s position', async () => {
    await post(20);
    await runner().catchUp();
    const account = (await getAccounts(temp.database.db, ['assets:a'])).get('assets:a')!;
    const period = { from: `${DAYS[0]}T00:00:00.000Z`, to: '2026-11-25T00:00:00.000Z' };
    const page = async () => {
      const table = await statementTable(
        temp.database,
        account,
        period,
        await reportCut(temp.database.db, null, new Date().toISOString()),
      );
      let html = '';
      await htmlPage(table, {
        write: async (chunk) => {
          html += chunk;
        },
      });
      return html;
    };
    const daily = await page();
    expect(daily).toContain('Daily closing balance (USD)');
    expect(daily).toContain(`data-points="${DAYS.length + 2}"`); // a point per day, with the opening and closing ends
    await post(1); // the history now lags the log by one event
    expect(await page()).toContain('Running balance (USD)');
  });

  it('rebuilds blue-green from position 0 while writes go on, then switches', async () => {
    await post(30);
    const live = runner();
    await live.catchUp();
    live.start();
    try {
      const writing = post(30);
      const generation = await runner(dailyBalances, 7).rebuild(DAILY_BALANCES);
      await writing;
      expect(generation).toBe(2);
      await live.catchUp();
      const all = await checkpoints(temp.database.db, DAILY_BALANCES);
      expect(all).toEqual([{ generation: 2, position: (await ledger.store.head())!.position, active: true }]);
      // The old copy is gone; the new one is exact.
      expect(
        await temp.database.db.selectFrom('daily_balances').select('generation').where('generation', '=', 1).execute(),
      ).toEqual([]);
      await expectExact(temp.database);
    } finally {
      await live.stop();
    }
  });
});
