/**
 * Issue 19, point 7: what two metadata indexes cost the write path. The same transfers (each with
 * metadata: a customer id and a channel) from 256 concurrent callers, with the subscribers a
 * server runs (daily balances, monitors), once with no metadata index and once with two declared
 * (TRANSACTION customer.id, ACCOUNT region) — alternated three times on fresh databases, medians.
 * Reported: both throughputs, their ratio (target ≥ 0.9: at most 10% slower), and how long the
 * indexes took to take in the last transfer once the writes stopped.
 */
import { Ledger } from '../src/ledger/ledger.js';
import { balanceMonitors } from '../src/subscribers/balance-monitors.js';
import { dailyBalances } from '../src/subscribers/daily-balances.js';
import { declareMetadataIndex, indexName, metadataIndexSubscribers } from '../src/subscribers/metadata-index.js';
import { activeGeneration, SubscriberRunner } from '../src/subscribers/runner.js';
import { readHead } from '../src/store/event-store.js';
import { type BenchDialect, withDatabase } from './databases.js';
import { transferPair } from './workload.js';

type Report = (name: string, value: number, unit: string, extra?: Record<string, unknown>) => void;

const ctx = { actor: 'bench', requestId: 'bench' };
const CALLERS = 256;
/** Runs of each, alternated: the medians are compared (run-to-run noise here is about 5%). */
const ROUNDS = 3;

async function run(dialect: BenchDialect, indexed: boolean, accounts: number, count: number) {
  return withDatabase(dialect, async (database) => {
    const ledger = new Ledger(database);
    for (let i = 0; i < accounts; i += 1000)
      await Promise.all(
        Array.from({ length: Math.min(1000, accounts - i) }, (_, j) =>
          ledger.openAccount(
            {
              code: `assets:a${i + j}`,
              name: `a${i + j}`,
              type: 'ASSET',
              currency: 'USD',
              metadata: { region: (i + j) % 2 === 0 ? 'eu' : 'us' },
            },
            ctx,
          ),
        ),
      );
    const by = { actor: 'bench', now: new Date().toISOString() };
    if (indexed) {
      await declareMetadataIndex(database, { target: 'TRANSACTION', path: 'customer.id' }, by);
      await declareMetadataIndex(database, { target: 'ACCOUNT', path: 'region' }, by);
    }
    const runner = new SubscriberRunner(database, ledger.commits, [dailyBalances, balanceMonitors], {
      discover: metadataIndexSubscribers,
    });
    await runner.catchUp();
    runner.start();
    try {
      let next = 0;
      const start = process.hrtime.bigint();
      const caller = async () => {
        for (let i = next++; i < count; i = next++) {
          const metadata = { customer: { id: `c${i % 1000}` }, channel: i % 3 === 0 ? 'web' : 'api' };
          await ledger.transfer(
            { idempotencyKey: `m-${i}`, ...transferPair(i, accounts), amount: '1.00', metadata },
            ctx,
          );
        }
      };
      await Promise.all(Array.from({ length: CALLERS }, caller));
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      // How far behind the indexes were when the writes stopped: the time they take to catch up.
      const head = (await readHead(database.db))?.position ?? 0;
      const stopped = process.hrtime.bigint();
      if (indexed)
        for (;;) {
          const { position } = await activeGeneration(database.db, indexName('TRANSACTION', 'customer.id'));
          if (position >= head) break;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      return { rate: count / seconds, lagMs: Number(process.hrtime.bigint() - stopped) / 1e6 };
    } finally {
      await runner.stop();
    }
  });
}

export async function measureMetadataWrite(dialect: BenchDialect, quick: boolean, report: Report): Promise<void> {
  const [accounts, count] = quick ? [500, 3_000] : [10_000, 30_000];
  const plain: number[] = [];
  const indexed: Array<{ rate: number; lagMs: number }> = [];
  for (let round = 0; round < ROUNDS; round++) {
    plain.push((await run(dialect, false, accounts, count)).rate);
    indexed.push(await run(dialect, true, accounts, count));
  }
  const median = <T>(values: T[], of: (v: T) => number) =>
    [...values].sort((a, b) => of(a) - of(b))[values.length >> 1]!;
  const plainRate = median(plain, (rate) => rate);
  const withIndexes = median(indexed, (run) => run.rate);
  const conditions = {
    accounts,
    transfers: count,
    callers: CALLERS,
    runs: ROUNDS,
    subscribers: 'daily balances, monitors',
  };
  report(`metadata.write_no_index.${dialect}`, plainRate, 'transfers/s', { ...conditions, all: plain.map(Math.round) });
  report(`metadata.write_two_indexes.${dialect}`, withIndexes.rate, 'transfers/s', {
    ...conditions,
    all: indexed.map((r) => Math.round(r.rate)),
  });
  report(`metadata.write_two_indexes_to_none.${dialect}`, withIndexes.rate / plainRate, 'ratio', { target: '>= 0.9' });
  report(`metadata.index_catch_up_after_writes.${dialect}`, withIndexes.lagMs, 'ms', conditions);
}
