/**
 * What a group commit costs, by group size (issue 24's profile): one ledger, its clients all
 * awaiting their own transfer, so each group holds about as many transfers as there are clients.
 * Per transfer: Node's CPU (this process) and the PostgreSQL processes' (from /proc). The fixed
 * part per group shows as the difference between small and large groups.
 */
import type { Ledger } from '../src/ledger/ledger.js';
import { runClients } from './ledgers-jobs.js';
import { postgresTicks, ticksBetween, TICKS_PER_SECOND } from './ledgers-processes.js';
import { transferPair } from './workload.js';

type Report = (name: string, value: number, unit: string, extra?: Record<string, unknown>) => void;

const ctx = { actor: 'bench', requestId: 'bench-ledger-costs' };

export async function measureGroupCosts(
  ledger: Ledger,
  options: { quick: boolean; accounts: number },
  report: Report,
): Promise<void> {
  const count = options.quick ? 1000 : 4000;
  for (const clients of [8, 32, 128]) {
    const groups = ledger.committer.stats.groups;
    const cpu = process.cpuUsage();
    const ticks = postgresTicks();
    const start = process.hrtime.bigint();
    await runClients([ledger], count, clients, (l, _, i) =>
      l.transfer({ idempotencyKey: `cost${clients}-${i}`, ...transferPair(i, options.accounts), amount: '1.00' }, ctx),
    );
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const used = process.cpuUsage(cpu);
    const nodeMs = (used.user + used.system) / 1000 / count;
    const postgresMs = (ticksBetween(ticks, postgresTicks()) / TICKS_PER_SECOND / count) * 1000;
    report(`ledgers.cost.clients${clients}.postgres`, count / seconds, 'transfers/s', {
      transfers: count,
      meanGroup: Math.round((count / (ledger.committer.stats.groups - groups)) * 10) / 10,
      nodeMsPerTransfer: Math.round(nodeMs * 1000) / 1000,
      postgresMsPerTransfer: Math.round(postgresMs * 1000) / 1000,
    });
  }
}
