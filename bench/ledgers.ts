/**
 * Issue 24, point 2: writes to different ledgers never wait for each other on PostgreSQL. The
 * same transfers from the same number of in-process clients, once all on one ledger, once spread
 * over 4 ledgers written at once (a client each quarter), on one fresh database of the server of
 * DATABASE_URL; each ledger its own schema, pool and write lock. BENCH_ONLY=ledgers runs only this.
 */
import { Ledger } from '../src/ledger/ledger.js';
import type { Database } from '../src/store/db.js';
import { openLedgerStorage } from '../src/store/namespaces.js';
import { openPostgres } from '../src/store/postgres.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { withFreshPostgres } from './databases.js';
import { BATCH, batchInputs, runClients } from './ledgers-jobs.js';
import { measureGroupCosts } from './ledger-costs.js';
import { measureLedgerProcesses } from './ledgers-processes.js';
import { transferPair } from './workload.js';

type Report = (name: string, value: number, unit: string, extra?: Record<string, unknown>) => void;

const ctx = { actor: 'bench', requestId: 'bench-ledgers' };
const LEDGERS = 4;

export async function measureLedgers(quick: boolean, report: Report): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) return;
  const accounts = quick ? 200 : 1000;
  const count = quick ? 2000 : 16_000;
  await withFreshPostgres(url, 'benchledgers', async (fresh) => {
    const home = openPostgres(fresh, { poolSize: 4 });
    const opened: Database[] = [];
    try {
      await migrateToLatest(home);
      for (let i = 0; i < LEDGERS; i++) opened.push(await openLedgerStorage(home, `l${i}`));
      const solo = await openLedgerStorage(home, 'solo');
      opened.push(solo);
      const many = opened.slice(0, LEDGERS).map((d) => new Ledger(d));
      const one = new Ledger(solo);
      await Promise.all([one, ...many].map((l) => openAccounts(l, accounts)));
      for (const clients of quick ? [32] : [32, 256]) {
        // Alternated, twice: the disk's fsyncs vary run to run.
        const runs: Array<{ one: number; many: number }> = [];
        for (let run = 0; run < 2; run++) {
          const solo1 = await transfers([one], count, clients, accounts, `one${clients}-${run}`);
          const spread = await transfers(many, count, clients, accounts, `many${clients}-${run}`);
          runs.push({ one: solo1, many: spread });
        }
        const best = (k: 'one' | 'many') => Math.max(...runs.map((r) => r[k]));
        const conditions = {
          clients,
          transfers: count,
          accounts,
          runs: runs.map((r) => ({ one: Math.round(r.one), many: Math.round(r.many) })),
        };
        report(`ledgers.transfer.one_ledger.clients${clients}.postgres`, best('one'), 'transfers/s', conditions);
        report(
          `ledgers.transfer.${LEDGERS}_ledgers.clients${clients}.postgres`,
          best('many'),
          'transfers/s',
          conditions,
        );
        report(`ledgers.${LEDGERS}_to_1.clients${clients}.postgres`, best('many') / best('one'), 'ratio', {
          target: '>= 1.6',
        });
      }
      await batchRates(one, many, quick ? 40 : 160, 8, accounts, report);
      await measureGroupCosts(one, { quick, accounts }, report);
      await measureLedgerProcesses(fresh, { quick, accounts, ledgers: LEDGERS }, report);
    } finally {
      for (const d of opened) await d.close();
      await home.close();
    }
  });
}

/**
 * The same with batches (postTransactions, 100 transfers each): a batch commits alone in its
 * transaction, so on one ledger batches take turns at the write lock; on 4 they commit at once.
 */
async function batchRates(
  one: Ledger,
  many: Ledger[],
  batches: number,
  clients: number,
  accounts: number,
  report: Report,
): Promise<void> {
  const runs: Array<{ one: number; many: number }> = [];
  for (let run = 0; run < 2; run++) {
    runs.push({
      one: await batchTransfers([one], batches, clients, accounts, `bone-${run}`),
      many: await batchTransfers(many, batches, clients, accounts, `bmany-${run}`),
    });
  }
  const best = (k: 'one' | 'many') => Math.max(...runs.map((r) => r[k]));
  const conditions = {
    clients,
    batches,
    perBatch: BATCH,
    runs: runs.map((r) => ({ one: Math.round(r.one), many: Math.round(r.many) })),
  };
  report(`ledgers.batch.one_ledger.clients${clients}.postgres`, best('one'), 'transfers/s', conditions);
  report(`ledgers.batch.${LEDGERS}_ledgers.clients${clients}.postgres`, best('many'), 'transfers/s', conditions);
  report(`ledgers.batch.${LEDGERS}_to_1.clients${clients}.postgres`, best('many') / best('one'), 'ratio', {
    target: '>= 1.6',
  });
}

async function batchTransfers(
  ledgers: Ledger[],
  batches: number,
  clients: number,
  accounts: number,
  prefix: string,
): Promise<number> {
  const { done, seconds } = await spread(ledgers, batches, clients, (ledger, l, b) =>
    ledger.postTransactions(batchInputs(`${prefix}-${l}`, b, accounts), ctx, { atomic: false }),
  );
  return (done * BATCH) / seconds;
}

async function openAccounts(ledger: Ledger, accounts: number): Promise<void> {
  await Promise.all(
    Array.from({ length: accounts }, (_, i) =>
      ledger.openAccount({ code: `assets:a${i}`, name: `a${i}`, type: 'ASSET', currency: 'USD' }, ctx),
    ),
  );
}

/** Transfers/s for `count` transfers from `clients` callers spread evenly over `ledgers`, all started at once. */
async function transfers(
  ledgers: Ledger[],
  count: number,
  clients: number,
  accounts: number,
  prefix: string,
): Promise<number> {
  const { done, seconds } = await spread(ledgers, count, clients, (ledger, l, i) =>
    ledger.transfer({ idempotencyKey: `${prefix}-${l}-${i}`, ...transferPair(i, accounts), amount: '1.00' }, ctx),
  );
  return done / seconds;
}

/** `jobs` jobs from `clients` callers spread over `ledgers` (runClients): how many ran, in how long. */
async function spread(
  ledgers: Ledger[],
  jobs: number,
  clients: number,
  job: (ledger: Ledger, l: number, i: number) => Promise<unknown>,
): Promise<{ done: number; seconds: number }> {
  const start = process.hrtime.bigint();
  const done = await runClients(ledgers, jobs, clients, job);
  return { done, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}
