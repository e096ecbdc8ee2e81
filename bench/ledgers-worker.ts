/**
 * One API process of the several-processes case of bench/ledgers-processes.ts: it opens the
 * ledgers it is told (as `inkwell serve` opens a ledger at its first request: its own pool, write
 * lock and group-commit queue), warms them up, says `ready`, and on `go` runs its clients; each
 * client awaits its own command, as an HTTP client does. It answers how many it ran. The work is
 * the Ledger's own, in-process, so the figure is the ledger's and not GraphQL's over HTTP.
 */
import { performance } from 'node:perf_hooks';
import { Ledger } from '../src/ledger/ledger.js';
import type { Database } from '../src/store/db.js';
import { openLedgerStorage } from '../src/store/namespaces.js';
import { openPostgres } from '../src/store/postgres.js';
import { StorageFault } from '../src/store/storage-fault.js';
import { batchInputs, runClients, type Job } from './ledgers-jobs.js';
import { transferPair } from './workload.js';

export interface WorkerTask {
  url: string;
  /** The ledgers this process writes; its clients are split evenly over them. */
  ledgers: string[];
  clients: number;
  /** Jobs per ledger: single transfers, or batches of BATCH (postTransactions). */
  jobs: number;
  kind: 'transfer' | 'batch';
  accounts: number;
  /** Makes this process's idempotency keys its own. */
  prefix: string;
}

const ctx = { actor: 'bench', requestId: 'bench-ledgers-worker' };

async function main(task: WorkerTask): Promise<void> {
  // As `inkwell serve` opens them: no pool size, so each ledger's pool has its 4 connections.
  const home = openPostgres(task.url);
  const opened: Database[] = [];
  try {
    for (const name of task.ledgers) opened.push(await openLedgerStorage(home, name));
    const ledgers = opened.map((d) => new Ledger(d));
    const command: Job = (ledger, l, i, prefix) =>
      task.kind === 'transfer'
        ? ledger.transfer(
            { idempotencyKey: `${prefix}-${l}-${i}`, ...transferPair(i, task.accounts), amount: '1.00' },
            ctx,
          )
        : ledger.postTransactions(batchInputs(`${prefix}-${l}`, i, task.accounts), ctx, { atomic: false });
    // A write that waited its 5 s for the ledger's lock fails STORAGE_LOCKED, "retry shortly": a
    // client does, with the same idempotency key (safe). Counted: under contention it happens.
    let lockedRetries = 0;
    const job: Job = async (ledger, l, i, prefix) => {
      for (;;) {
        try {
          return await command(ledger, l, i, prefix);
        } catch (error) {
          if (!(error instanceof StorageFault && error.fault === 'STORAGE_LOCKED')) throw error;
          lockedRetries += 1;
        }
      }
    };
    // Warm-up: compiled code, account states in memory, connections open — as a serving process has.
    await runClients(ledgers, ledgers.length * (task.kind === 'batch' ? 2 : 20), task.clients, (ledger, l, i) =>
      job(ledger, l, i, `${task.prefix}-warm`),
    );
    process.send!({ ready: true });
    await new Promise<void>((resolve) => process.once('message', () => resolve()));
    const elu = performance.eventLoopUtilization();
    const cpu = process.cpuUsage();
    const start = performance.now();
    const done = await runClients(ledgers, task.jobs * ledgers.length, task.clients, (ledger, l, i) =>
      job(ledger, l, i, task.prefix),
    );
    // Where this process's time went: its event loop's busy share, and the cores it used.
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    process.send!({
      done,
      lockedRetries,
      loop: performance.eventLoopUtilization(elu).utilization,
      cores: (used.user + used.system) / 1e6 / seconds,
    });
  } finally {
    for (const d of opened) await d.close();
    await home.close();
  }
}

process.once('message', (task: WorkerTask) => {
  main(task).then(
    () => process.disconnect(),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
