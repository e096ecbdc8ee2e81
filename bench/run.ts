/**
 * `npm run bench`: figures for the ledger core, one JSON line each, then a short table.
 * BENCH_QUICK=1 for a smoke run. Durable throughout (WAL, synchronous=FULL).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger } from '../src/ledger/ledger.js';
import { openSqlite } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { measureAsOf } from './as-of.js';

const quick = process.env.BENCH_QUICK === '1';
const ctx = { actor: 'bench', requestId: 'bench' };
const conditions = { machine: `${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown'}`, node: process.version, durability: 'WAL synchronous=FULL', quick };
const figures: Array<{ name: string; value: number; unit: string }> = [];

function report(name: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  figures.push({ name, value, unit });
  console.log(JSON.stringify({ name, value: Number(value.toFixed(3)), unit, ...extra, conditions }));
}

async function withLedger(accounts: number, run: (ledger: Ledger) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'inkwell-bench-'));
  const database = openSqlite(join(dir, 'bench.db'));
  try {
    await migrateToLatest(database);
    const ledger = new Ledger(database, { maxRetries: 100 });
    for (let i = 0; i < accounts; i++) {
      await ledger.openAccount({ code: `assets:a${i}`, name: `a${i}`, type: 'ASSET', currency: 'USD' }, ctx);
    }
    await run(ledger);
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
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
await withLedger(accounts, async (ledger) => {
  report('transfer.in_process.sequential', await transfers(ledger, count, 1, accounts, 'seq'), 'transfers/s', { accounts, transfers: count });
  report('transfer.in_process.concurrent16', await transfers(ledger, count, 16, accounts, 'par'), 'transfers/s', { accounts, transfers: count, concurrency: 16 });
});

await measureAsOf(quick ? [1_000, 10_000] : [1_000, 100_000, 1_000_000], quick ? 300 : 2000, report);

console.log('\nfigure                                   value');
for (const f of figures) console.log(`${f.name.padEnd(44)} ${f.value.toFixed(3).padStart(12)} ${f.unit}`);
