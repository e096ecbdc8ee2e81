/**
 * `/ready`: whether this server can serve now (docs/operations.md). `/health` only says the
 * process answers; this reads the database (the log head: one indexed row), compares the
 * migrations applied with the code's, looks for a recent storage fault and checks the
 * subscribers run. 200 with every check, or 503 naming the ones that failed.
 */
import { sql } from 'kysely';
import { MIGRATIONS } from '../../migrations/index.js';
import type { Ledger } from '../ledger/ledger.js';
import { readHead } from '../store/event-store.js';
import type { SubscriberRunner } from '../subscribers/runner.js';

/** How long a storage fault keeps the server unready unless a write commits after it. */
export const FAULT_WINDOW_MS = 30_000;

export interface Check {
  ok: boolean;
  reason?: string;
}

export interface Readiness {
  ready: boolean;
  checks: Record<'database' | 'migrations' | 'storage' | 'subscribers', Check> & {
    /** With a read replica: always ok (the primary answers reads while it is down), with a reason while it is down. */
    replica?: Check;
  };
}

export interface OpenLedger {
  name: string;
  ledger: Ledger;
  subscribers: SubscriberRunner;
}

export class ReadinessProbe {
  private fault: { kind: string; at: number; groups: number } | null = null;

  constructor(
    private readonly ledger: Ledger,
    private readonly subscribers: SubscriberRunner | null,
    private readonly now: () => number = Date.now,
    /** The ledgers open besides `default` (issue 24): each must be readable, its subscribers running. */
    private readonly others: () => ReadonlyArray<OpenLedger> = () => [],
  ) {}

  /** A request met a storage fault: unready until a write commits or FAULT_WINDOW_MS pass. */
  recordFault(kind: string): void {
    this.fault = { kind, at: this.now(), groups: this.ledger.committer.stats.groups };
  }

  async check(): Promise<Readiness> {
    const [database, migrations, replica] = await Promise.all([this.database(), this.migrations(), this.replica()]);
    const checks = { database, migrations, storage: this.storage(), subscribers: this.running() };
    const ready = Object.values(checks).every((c) => c.ok);
    return { ready, checks: replica ? { ...checks, replica } : checks };
  }

  private async database(): Promise<Check> {
    const others = this.others().filter((o) => o.ledger !== this.ledger);
    const checks = await Promise.all([
      readable(this.ledger, ''),
      ...others.map((o) => readable(o.ledger, `ledger "${o.name}": `)),
    ]);
    return checks.find((c) => !c.ok) ?? { ok: true };
  }

  /**
   * A replica down never makes the server unready (queries are read from the primary meanwhile),
   * but the body says so. Tried here as a read would (at most once per retry wait), so a probe
   * sees it come back.
   */
  private async replica(): Promise<Check | null> {
    const replica = this.ledger.database.replica;
    if (!replica) return null;
    await replica.position().catch(() => null);
    const state = replica.state();
    if (state.available) return { ok: true };
    const since = new Date(state.since).toISOString();
    return {
      ok: true,
      reason: `the read replica ${replica.location} cannot be reached since ${since} (${state.reason}): queries are read from the primary`,
    };
  }

  private async migrations(): Promise<Check> {
    try {
      const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(this.ledger.database.db);
      const applied = new Set(rows.map((r) => r.name));
      const missing = Object.keys(MIGRATIONS).filter((name) => !applied.has(name));
      if (missing.length === 0) return { ok: true };
      return { ok: false, reason: `migrations not applied: ${missing.join(', ')} (run inkwell migrate)` };
    } catch {
      return { ok: false, reason: 'the applied migrations cannot be read' };
    }
  }

  private storage(): Check {
    const fault = this.fault;
    if (!fault) return { ok: true };
    const recovered = this.ledger.committer.stats.groups > fault.groups || this.now() - fault.at > FAULT_WINDOW_MS;
    if (recovered) {
      this.fault = null;
      return { ok: true };
    }
    return { ok: false, reason: `${fault.kind} at ${new Date(fault.at).toISOString()}` };
  }

  private running(): Check {
    if (this.subscribers && !this.subscribers.isRunning)
      return { ok: false, reason: 'the subscribers are not running' };
    const stopped = this.others().find((o) => !o.subscribers.isRunning);
    if (stopped) return { ok: false, reason: `the subscribers of ledger "${stopped.name}" are not running` };
    return { ok: true };
  }
}

/** Reads the log head: one indexed row. */
async function readable(ledger: Ledger, prefix: string): Promise<Check> {
  try {
    await readHead(ledger.database.db);
    return { ok: true };
  } catch (error) {
    const fault = ledger.database.fault(error);
    return {
      ok: false,
      reason: `${prefix}${fault ? `${fault.fault}: ${fault.message}` : 'the database cannot be read'}`,
    };
  }
}
