/**
 * Balance monitors against a brute force: the alerts are exactly the flips of the condition,
 * judged event by event on the account's folded state — once each, through a crashed batch, a
 * restart and two runners at the same time.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evolve, type OpenedAccount } from '../../src/domain/account.js';
import { conditionHolds, figureOf, type MonitorCondition } from '../../src/domain/monitors.js';
import { formatAmount } from '../../src/domain/money.js';
import { decodeAccountEvent } from '../../src/events/catalogue.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { loadAccount } from '../../src/ledger/load.js';
import { readStream } from '../../src/store/event-store.js';
import { balanceMonitors, createMonitor, type MonitorView } from '../../src/subscribers/balance-monitors.js';
import { SubscriberRunner, type Subscriber } from '../../src/subscribers/runner.js';
import { tempDatabase, type TempDatabase } from '../support/server.js';

const ctx = { actor: 'test', requestId: 'monitors' };
let temp: TempDatabase;
let ledger: Ledger;

beforeEach(async () => {
  temp = await tempDatabase();
  ledger = new Ledger(temp.database);
  await ledger.openAccount({ code: 'assets:wallet', name: 'W', type: 'ASSET', currency: 'USD' }, ctx);
  await ledger.openAccount({ code: 'equity:funding', name: 'F', type: 'EQUITY', currency: 'USD' }, ctx);
});
afterEach(() => temp.dispose());

/** The flips, the long way: every event of the account after the monitor's start, folded one by one. */
async function expectedAlerts(
  monitor: MonitorView & { after: number; startsHolding: boolean },
): Promise<Array<[boolean, string, number]>> {
  const events = (await readStream(temp.database.db, 'account:assets:wallet')).filter(
    (e) => e.position > monitor.after,
  );
  let state = (await loadAccount(temp.database.db, 'assets:wallet', {
    atVersion: events[0] ? events[0].version - 1 : undefined,
  })) as OpenedAccount;
  let holds = monitor.startsHolding;
  const flips: Array<[boolean, string, number]> = [];
  for (const stored of events) {
    state = evolve(state, decodeAccountEvent(stored)) as OpenedAccount;
    const figure = figureOf(state, monitor.metric, stored.recordedAt);
    const now = conditionHolds(monitor as MonitorCondition, figure);
    if (now !== holds) flips.push([now, formatAmount(figure, 2), stored.position]);
    holds = now;
  }
  return flips;
}

const op = fc.oneof(
  fc.record({ kind: fc.constant('in' as const), amount: fc.integer({ min: 1, max: 9000 }) }),
  fc.record({ kind: fc.constant('out' as const), amount: fc.integer({ min: 1, max: 9000 }) }),
  fc.record({ kind: fc.constant('hold' as const), amount: fc.integer({ min: 1, max: 9000 }) }),
  fc.record({ kind: fc.constant('void' as const), amount: fc.constant(0) }),
);

describe('balance monitors (a checkpointed subscriber)', () => {
  it('records exactly the flips a brute-force fold finds, once each, through a crash and concurrent runners', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 25 }),
        fc.constantFrom('POSTED', 'AVAILABLE'),
        fc.constantFrom('LT', 'LTE', 'GT', 'GTE'),
        fc.integer({ min: -50, max: 150 }),
        fc.nat(6),
        async (ops, metric, comparison, threshold, crashAt) => {
          run += 1;
          const monitor = await createMonitor(
            temp.database,
            { account: 'assets:wallet', metric, comparison, threshold: `${threshold}.00` },
            'test',
            new Date().toISOString(),
            Number.POSITIVE_INFINITY, // not what this test is about
          );
          const row = (await temp.database.db
            .selectFrom('balance_monitors')
            .selectAll()
            .where('id', '=', monitor.id)
            .executeTakeFirstOrThrow())!;
          const holds: string[] = [];
          for (const [i, o] of ops.entries()) {
            const key = `r${run}-${i}`;
            const amount = (o.amount / 100).toFixed(2);
            if (o.kind === 'in')
              await ledger.transfer(
                { idempotencyKey: key, debitAccount: 'assets:wallet', creditAccount: 'equity:funding', amount },
                ctx,
              );
            if (o.kind === 'out')
              await ledger.transfer(
                { idempotencyKey: key, debitAccount: 'equity:funding', creditAccount: 'assets:wallet', amount },
                ctx,
              );
            if (o.kind === 'hold') {
              holds.push(
                await ledger.postTransaction(
                  {
                    idempotencyKey: key,
                    pending: true,
                    entries: [
                      { account: 'equity:funding', direction: 'DEBIT', amount },
                      { account: 'assets:wallet', direction: 'CREDIT', amount },
                    ],
                  },
                  ctx,
                ),
              );
            }
            if (o.kind === 'void' && holds.length > 0) await ledger.voidPending({ transactionId: holds.pop()! }, ctx);
          }
          let batches = 0;
          const flaky: Subscriber = {
            ...balanceMonitors,
            async apply(trx, events, generation) {
              await balanceMonitors.apply(trx, events, generation);
              if (++batches === crashAt) throw new Error('crash in the middle of a batch');
            },
          };
          const runner = (subscriber: Subscriber, batchSize: number) =>
            new SubscriberRunner(temp.database, ledger.commits, [subscriber], { batchSize });
          await runner(flaky, 2)
            .catchUp()
            .catch(() => undefined);
          await Promise.all([runner(balanceMonitors, 3).catchUp(), runner(balanceMonitors, 5).catchUp()]);
          const alerts = await temp.database.db
            .selectFrom('balance_alerts')
            .selectAll()
            .where('monitor_id', '=', monitor.id)
            .orderBy('id')
            .execute();
          const expected = await expectedAlerts({
            ...monitor,
            after: Number(row.after_position),
            startsHolding: monitor.holds,
          });
          expect(alerts.map((a) => [Number(a.holds) === 1, a.figure, Number(a.event_position)])).toEqual(expected);
          await temp.database.db.deleteFrom('balance_monitors').execute();
        },
      ),
      { numRuns: 10 },
    );
  });

  it('cannot be rebuilt: its alerts are a record of what was pushed', async () => {
    await expect(
      new SubscriberRunner(temp.database, ledger.commits, [balanceMonitors]).rebuild('balance-monitors'),
    ).rejects.toThrow(/cannot be rebuilt/);
  });
});
