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
import { measureBatches, measureHttp } from './http.js';

const quick = process.env.BENCH_QUICK === '1';
/** BENCH_ONLY=write (transfers, ceiling, batches, HTTP) or BENCH_ONLY=as-of (as-of, replay, exports); default both. */
const only = process.env.BENCH_ONLY ?? 'all';
const ctx = { actor: 'bench', requestId: 'bench' };
const conditions = { machine: `${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown'}`, node: process.version, quick };
const figures: Array<{ name: string; value: number; unit: string }> = [];

function report(name: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  figures.push({ name, value, unit });
  console.log(JSON.stringify({ name, value: Number(value.toFixed(3)), unit, ...extra, conditions }));
}

async function openAccounts(ledger: Ledger, accounts: number): Promise<void> {
  for (let i = 0; i < accounts; i++) {
    await ledger.openAccount({ code: `assets:a${i}`, name: `a${i}`, type: 'ASSET', currency: 'USD' }, ctx);
  }
}

async function transfers(ledger: Ledger, count: number, concurrency: number, accounts: number, prefix: string): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const a = (i * 7919) % accounts;
      const b = (a + 1 + (i % (accounts - 1))) % accounts;
      await ledger.transfer({ idempotencyKey: `${prefix}-${i}`, debitAccount: `assets:a${a}`, creditAccount: `assets:a${b}`, amount: '1.00' }, ctx);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

const accounts = quick ? 50 : 1000;
const count = quick ? 300 : 3000;
for (const dialect of only === 'as-of' ? [] : dialects()) {
  await withDatabase(dialect, async (database) => {
    const ledger = new Ledger(database);
    await openAccounts(ledger, accounts);
    const sequential = await transfers(ledger, count, 1, accounts, 'seq');
    report(`transfer.in_process.sequential.${dialect}`, sequential, 'transfers/s', { accounts, transfers: count });
    report(`transfer.in_process.concurrent16.${dialect}`, await transfers(ledger, count, 16, accounts, 'par'), 'transfers/s', { accounts, transfers: count, concurrency: 16 });
    if (dialect === 'sqlite') {
      // (a) the same rows straight into storage, and (b) as a share of it.
      const ceiling = await storageCeiling(database.location, 2 * count);
      report('storage.ceiling.sqlite', ceiling, 'transfers/s', { rowsOf: 2 * count, perTransaction: 1000 });
      report('transfer.in_process.sequential_to_ceiling.sqlite', sequential / ceiling, 'ratio', { target: '>= 0.5' });
    }
    await measureBatches(dialect, ledger, accounts, quick, report);
    await measureHttp(dialect, ledger, accounts, quick ? 3 : 10, report);
  });
}

if (only !== 'write') await measureAsOf(quick ? [1_000, 10_000] : [1_000, 100_000, 1_000_000], quick ? 300 : 2000, report);

console.log('\nfigure                                       value');
for (const f of figures) console.log(`${f.name.padEnd(44)} ${f.value.toFixed(3).padStart(12)} ${f.unit}`);
