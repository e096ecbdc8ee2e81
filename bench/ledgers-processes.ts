/**
 * Issue 24, point 2, in the deployment the per-ledger write locks are for: several API processes
 * on one database (docs/operations.md, "Several API processes"). Each process's group commit
 * merges only its own clients' commands, so on one ledger the processes' transactions take turns
 * at the ledger's one advisory lock — held until the commit is durable — while on 4 ledgers they
 * commit at once. Same total clients, same work, processes of their own (ledgers-worker.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BATCH } from './ledgers-jobs.js';
import type { WorkerTask } from './ledgers-worker.js';

const WORKER = fileURLToPath(new URL('./ledgers-worker.ts', import.meta.url));

export interface ProcessRun {
  url: string;
  /**
   * The ledgers each process writes, one list per process: the same list for all when a load
   * balancer sends any ledger's requests to any process; lists apart when it routes each
   * ledger's endpoint (/ledgers/<name>/graphql) to a process of its own.
   */
  ledgersOf: string[][];
  /** In all, split evenly over the processes. */
  clients: number;
  /** Jobs in all, split evenly over processes and then over each one's ledgers. */
  jobs: number;
  kind: WorkerTask['kind'];
  accounts: number;
  prefix: string;
}

export interface ProcessFigures {
  /** Jobs/s from the moment every process is warm and told to go until the last is done. */
  rate: number;
  /** Each process's event-loop utilisation (0–1) and cores used, while it ran. */
  loops: number[];
  cores: number[];
  /** Cores the PostgreSQL processes alive at the end used meanwhile (this run's backends, the server's own, any other's). */
  postgresCores: number;
  /** The share (0–1) of all the machine's cores busy meanwhile, whoever used them. */
  machineBusy: number;
  /** Commands retried after STORAGE_LOCKED (5 s waiting for the ledger's lock), warm-up included. */
  lockedRetries: number;
}

export async function processRate(run: ProcessRun): Promise<ProcessFigures> {
  const processes = run.ledgersOf.length;
  const children = run.ledgersOf.map(() =>
    fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  let finished = false;
  try {
    const ready = children.map((child, p) => {
      const ledgers = run.ledgersOf[p]!;
      const task: WorkerTask = {
        url: run.url,
        ledgers,
        clients: Math.max(ledgers.length, Math.floor(run.clients / processes)),
        jobs: Math.floor(run.jobs / processes / ledgers.length),
        kind: run.kind,
        accounts: run.accounts,
        prefix: `${run.prefix}-p${p}`,
      };
      child.send(task);
      return message(child, 'ready');
    });
    await Promise.all(ready);
    const start = process.hrtime.bigint();
    const ticks = postgresTicks();
    const machine = machineTicks();
    const done = children.map((child) => message(child, 'done'));
    for (const child of children) child.send('go');
    const answers = await Promise.all(done);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    finished = true;
    return {
      rate: answers.reduce((a, b) => a + (b.done ?? 0), 0) / seconds,
      loops: answers.map((a) => round2(a.loop ?? 0)),
      cores: answers.map((a) => round2(a.cores ?? 0)),
      postgresCores: round2(ticksBetween(ticks, postgresTicks()) / TICKS_PER_SECOND / seconds),
      machineBusy: busyShare(machine, machineTicks()),
      lockedRetries: answers.reduce((a, b) => a + (b.lockedRetries ?? 0), 0),
    };
  } finally {
    // Finished workers close their ledgers and exit; after a failure the others are ended.
    await Promise.all(children.map((child) => exited(child, !finished)));
  }
}

/** The next message of `child` carrying `key`; fails if the child ends first. */
function message(child: ChildProcess, key: 'ready' | 'done'): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: Record<string, number>) => {
      if (!(key in m)) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m);
    };
    const onExit = (code: number | null) => reject(new Error(`a ledgers bench worker ended (${code}) before ${key}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

function busyShare(before: { busy: number; total: number }, after: { busy: number; total: number }): number {
  const total = after.total - before.total;
  return total > 0 ? round2((after.busy - before.busy) / total) : 0;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these. */
export const TICKS_PER_SECOND = 100;

/** CPU ticks (user + system) so far of each `postgres` process, by pid, from /proc (none without /proc). */
export function postgresTicks(): Map<string, number> {
  const ticks = new Map<string, number>();
  for (const pid of existsSync('/proc') ? readdirSync('/proc') : []) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      // Fields after "(comm) ": state is [0], utime [11], stime [12].
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(pid, Number(fields[11]) + Number(fields[12]));
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return ticks;
}

/** Ticks spent between two readings by the processes alive at the second (one started since counts all its ticks). */
export function ticksBetween(before: Map<string, number>, after: Map<string, number>): number {
  let spent = 0;
  for (const [pid, ticks] of after) spent += ticks - (before.get(pid) ?? 0);
  return spent;
}

/** Busy and total ticks of the whole machine so far (/proc/stat's first line; zeros without it). */
function machineTicks(): { busy: number; total: number } {
  if (!existsSync('/proc/stat')) return { busy: 0, total: 0 };
  // cpu  user nice system idle iowait irq softirq steal …: idle and iowait are not busy.
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - fields[3]! - fields[4]!, total };
}

function exited(child: ChildProcess, end: boolean): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    if (end) child.kill('SIGTERM');
  });
}

type Report = (name: string, value: number, unit: string, extra?: Record<string, unknown>) => void;

/** API processes of the several-processes case: as many as the machine's cores (2 here). */
const PROCESSES = 2;

/** Single transfers from 32 clients, and batches of BATCH (postTransactions) from 8, as in bench/ledgers.ts. */
const KINDS = [
  { kind: 'transfer', clients: 32, jobs: 16_000, quickJobs: 4000, transfersPerJob: 1 },
  { kind: 'batch', clients: 8, jobs: 160, quickJobs: 40, transfersPerJob: BATCH },
] as const;

/**
 * Transfers/s on 1 ledger against 4 ledgers with PROCESSES processes and the same clients in all,
 * each way of deploying them measured: one ledger served by one process (the others idle) or by
 * all (load-balanced); 4 ledgers routed one process per ledger endpoint, or load-balanced. The
 * ratio sets the best 4-ledger deployment against the best 1-ledger one. The ledgers `solo` and
 * `l0`…`l<ledgers-1>` of the database at `url` exist and have their accounts.
 */
export async function measureLedgerProcesses(
  url: string,
  options: { quick: boolean; accounts: number; ledgers: number },
  report: Report,
): Promise<void> {
  const many = Array.from({ length: options.ledgers }, (_, i) => `l${i}`);
  const routed = Array.from({ length: PROCESSES }, (_, p) => many.filter((_, i) => i % PROCESSES === p));
  for (const { kind, clients, transfersPerJob, ...sizes } of KINDS) {
    const jobs = options.quick ? sizes.quickJobs : sizes.jobs;
    const cases = {
      one_ledger_one_process: { ledgersOf: [['solo']], jobs },
      // A quarter of the work: the processes' commits take turns at the lock and re-read what the other wrote (slow).
      one_ledger_balanced: { ledgersOf: Array.from({ length: PROCESSES }, () => ['solo']), jobs: jobs / 4 },
      [`${options.ledgers}_ledgers_routed`]: { ledgersOf: routed, jobs },
      [`${options.ledgers}_ledgers_balanced`]: {
        ledgersOf: Array.from({ length: PROCESSES }, () => many),
        jobs: jobs / 4,
      },
    };
    const runs: Array<Record<string, number>> = [];
    const profiles: Array<Record<string, Omit<ProcessFigures, 'rate'>>> = [];
    // Alternated, twice, every case each time: the disk's fsyncs and the machine's load vary.
    for (let run = 0; run < 2; run++) {
      const rates: Record<string, number> = {};
      const profile: Record<string, Omit<ProcessFigures, 'rate'>> = {};
      for (const [name, c] of Object.entries(cases)) {
        const { rate, ...rest } = await processRate({
          url,
          ...c,
          clients,
          kind,
          accounts: options.accounts,
          prefix: `proc-${kind}-${name}-${run}`,
        });
        rates[name] = Math.round(rate * transfersPerJob);
        profile[name] = rest;
      }
      runs.push(rates);
      profiles.push(profile);
    }
    const best = (name: string) => Math.max(...runs.map((r) => r[name]!));
    const conditions = { processes: PROCESSES, clients, kind, transfers: jobs * transfersPerJob, runs, profiles };
    const prefix = `ledgers.processes${PROCESSES}.${kind}`;
    for (const name of Object.keys(cases)) report(`${prefix}.${name}.postgres`, best(name), 'transfers/s', conditions);
    const bestOne = Math.max(best('one_ledger_one_process'), best('one_ledger_balanced'));
    const bestMany = Math.max(best(`${options.ledgers}_ledgers_routed`), best(`${options.ledgers}_ledgers_balanced`));
    report(`${prefix}.${options.ledgers}_to_1.postgres`, bestMany / bestOne, 'ratio', { target: '>= 1.6' });
  }
}
