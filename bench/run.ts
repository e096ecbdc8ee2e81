/**
 * `npm run bench`: figures for the ledger, one JSON line each, then a short table.
 * BENCH_QUICK=1 for a smoke run. Durable throughout (SQLite WAL synchronous=FULL; PostgreSQL
 * fsync on, synchronous_commit on). PostgreSQL figures appear when DATABASE_URL names a server
 * (scripts/pg-cluster.sh start DIR gives one).
 */
import { cpus } from 'node:os';
import { Ledger } from '../src/ledger/ledger.js';
import { measureAsOf } from './as-of.js';
import { dialects, withDatabase } from './databases.js';
import { storageCeiling } from './ceiling.js';
import { postgresCeiling } from './ceiling-postgres.js';
import { pgledgerTransfers } from './pgledger.js';
import { measureFairness } from './fairness.js';
import { measureBatches, measureHttp } from './http.js';
import { measureMetadataWrite } from './metadata-write.js';
import { measureSearch } from './search.js';
import { measureLedgers } from './ledgers.js';
import { transferPair } from './workload.js';

const quick = process.env.BENCH_QUICK === '1';
/** BENCH_ONLY=write (transfers, ceiling, batches, HTTP, fairness), fairness (only g), as-of (as-of, replay, exports), search (issue 19's reads), metadata (the write cost of metadata indexes) or ledgers (4 ledgers at once against 1, PostgreSQL); default all. */
const only = process.env.BENCH_ONLY ?? 'all';
const ctx = { actor: 'bench', requestId: 'bench' };
const conditions = {
  machine: `${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown'}`,
  node: process.version,
  quick,
};
const figures: Array<{ name: string; value: number; unit: string; target?: unknown }> = [];

function report(name: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  figures.push({ name, value, unit, target: extra.target });
  console.log(JSON.stringify({ name, value: Number(value.toFixed(3)), unit, ...extra, conditions }));
}

async function openAccounts(ledger: Ledger, accounts: number): Promise<void> {
  // Concurrently, so group commit opens them in a few transactions.
  for (let i = 0; i < accounts; i += 1000) {
    await Promise.all(
      Array.from({ length: Math.min(1000, accounts - i) }, (_, j) =>
        ledger.openAccount({ code: `assets:a${i + j}`, name: `a${i + j}`, type: 'ASSET', currency: 'USD' }, ctx),
      ),
    );
  }
}

/** Transfers/s for `count` transfers from `callers` concurrent in-process callers (each awaits its own). */
async function transfers(
  ledger: Ledger,
  count: number,
  callers: number,
  accounts: number,
  prefix: string,
): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  const caller = async () => {
    for (let i = next++; i < count; i = next++) {
      await ledger.transfer({ idempotencyKey: `${prefix}-${i}`, ...transferPair(i, accounts), amount: '1.00' }, ctx);
    }
  };
  await Promise.all(Array.from({ length: callers }, caller));
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

const accounts = quick ? 500 : 10_000;
/** Page sizes of the heavy read of (g): cost 19,433 of the 20,000 the limit admits (4 x 8 entries, each with up to 100 legs). */
const HEAVY_READ_SIZE = { accounts: 4, entries: 8 };
const [sequentialCount, concurrentCount] = quick ? [200, 2000] : [2000, 30_000];
for (const dialect of ['as-of', 'search', 'metadata', 'ledgers'].includes(only) ? [] : dialects()) {
  await withDatabase(dialect, async (database, location) => {
    const ledger = new Ledger(database);
    await openAccounts(ledger, accounts);
    if (only === 'fairness') {
      // Only (g): entries enough for the heavy read to find full pages.
      await transfers(ledger, concurrentCount, 256, accounts, 'seed');
      return measureFairness(dialect, ledger, accounts, quick ? 3 : 10, HEAVY_READ_SIZE, report);
    }
    const opened = (await ledger.store.head())?.position ?? 0;
    const conditions = { accounts, hotSet: '4 in 5 transfers touch 1% of the accounts' };
    const sequential = await transfers(ledger, sequentialCount, 1, accounts, 'seq');
    report(`transfer.in_process.sequential.${dialect}`, sequential, 'transfers/s', {
      ...conditions,
      transfers: sequentialCount,
      callers: 1,
    });
    // 256 callers, and 2,048: enough waiting commands for groups of up to 1,024 (the ceiling's
    // transaction size) while the group before commits.
    const concurrent: Record<number, number> = {};
    for (const callers of [256, 2048]) {
      const groups = { ...ledger.committer.stats };
      concurrent[callers] = await transfers(ledger, concurrentCount, callers, accounts, `par${callers}`);
      const perCommit =
        (ledger.committer.stats.commands - groups.commands) / (ledger.committer.stats.groups - groups.groups);
      report(`transfer.in_process.concurrent${callers}.${dialect}`, concurrent[callers]!, 'transfers/s', {
        ...conditions,
        transfers: concurrentCount,
        callers,
        transfersPerCommit: Number(perCommit.toFixed(1)),
      });
    }
    // (a) the same rows straight into storage, and (b) as a share of it.
    const copied = sequentialCount + 2 * concurrentCount;
    // The best of three: the disk's fsyncs vary run to run, and (b) is judged against the highest.
    const ceilings: number[] = [];
    for (let run = 0; run < 3; run++)
      ceilings.push(
        dialect === 'sqlite'
          ? await storageCeiling(location, opened, copied)
          : await postgresCeiling(location, opened, copied),
      );
    const ceiling = Math.max(...ceilings);
    report(`storage.ceiling.${dialect}`, ceiling, 'transfers/s', {
      transfers: copied,
      perTransaction: 1000,
      runs: ceilings.map(Math.round),
    });
    report(`transfer.in_process.concurrent2048_to_ceiling.${dialect}`, concurrent[2048]! / ceiling, 'ratio', {
      target: '>= 0.5',
    });
    report(`transfer.in_process.concurrent256_to_ceiling.${dialect}`, concurrent[256]! / ceiling, 'ratio');
    await measureBatches(dialect, ledger, accounts, quick, report);
    await measureHttp(dialect, ledger, accounts, quick ? 3 : 10, report);
    if (dialect === 'postgres') {
      // (c) beside pgledger on the same cluster, the same transfers from as many connections.
      const peer = await pgledgerTransfers(process.env.DATABASE_URL!, accounts, 64, quick ? 3 : 10);
      report('pgledger.transfers.postgres', peer, 'transfers/s', {
        connections: 64,
        accounts,
        via: 'SQL function calls, no HTTP',
      });
      const ours = figures.find((f) => f.name === 'http.transfer.postgres')!.value;
      report('http.transfer_to_pgledger.postgres', ours / peer, 'ratio', { target: '>= 2' });
    }
    await measureFairness(dialect, ledger, accounts, quick ? 3 : 10, HEAVY_READ_SIZE, report);
  });
}

if (only === 'all' || only === 'search') for (const dialect of dialects()) await measureSearch(dialect, quick, report);
if (only === 'all' || only === 'metadata')
  for (const dialect of dialects()) await measureMetadataWrite(dialect, quick, report);

if (only === 'all' || only === 'ledgers') await measureLedgers(quick, report);

if (only === 'all' || only === 'as-of')
  await measureAsOf(quick ? [1_000, 10_000] : [1_000, 100_000, 1_000_000], quick ? 300 : 2000, report);

console.log('\nfigure                                       value');
for (const f of figures) {
  const target = f.target === undefined ? '' : `  (target ${f.target})`;
  console.log(`${f.name.padEnd(44)} ${f.value.toFixed(3).padStart(12)} ${f.unit}${target}`);
}
