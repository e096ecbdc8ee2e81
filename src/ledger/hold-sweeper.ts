/**
 * The hold sweeper (issue 20): expiry is an event. Every `intervalMs` it looks for holds whose
 * expiresAt has passed and appends HoldExpired to each of their accounts, through the ledger's
 * normal write path (commands/expire-hold.ts) — never as a subscriber, which must not append.
 *
 * Exactly once, also with several sweepers (in one process or several): whether a hold expires is
 * decided under the ledger's write lock against its accounts' states, and a hold already expired,
 * committed or voided there is left alone. Deterministic: it expires exactly the holds with
 * expiresAt <= the write's recorded time, and each HoldExpired is effective at the hold's
 * expiresAt. A crash between finding a hold and expiring it loses nothing: the next sweep finds
 * it again. Until a sweep records it, a hold past its expiry already reserves nothing and cannot
 * be committed (those are judged at each command's time); the sweep is what makes it visible in
 * the log (feeds, monitors, audit trail) and lets the account close.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger, type Logger } from '../log.js';
import type { Clock } from '../store/event-store.js';
import type { Ledger } from './ledger.js';

/** How often a server looks for holds to expire (INKWELL_HOLD_SWEEP_MS; 0 turns the sweeper off). */
export const DEFAULT_HOLD_SWEEP_MS = 1000;
/** Holds expired per sweep at most: they share group commits; the rest wait for the next sweep. */
const SWEEP_BATCH = 500;
/** The actor the sweeper's events carry in their metadata (and so in the audit trail). */
export const SWEEPER_ACTOR = 'system:hold-sweeper';

export class HoldSweeper {
  private readonly stopping = new AbortController();
  private loop: Promise<void> | null = null;

  constructor(
    private readonly ledger: Ledger,
    private readonly options: { intervalMs?: number; logger?: Logger; clock?: Clock } = {},
  ) {}

  /** Sweeps in the background until `stop` (no-op when the interval is 0). */
  start(): void {
    const intervalMs = this.options.intervalMs ?? DEFAULT_HOLD_SWEEP_MS;
    if (intervalMs <= 0 || this.loop) return;
    this.loop = (async () => {
      while (!this.stopping.signal.aborted) {
        try {
          await this.sweep();
        } catch (error) {
          (this.options.logger ?? silentLogger).log('error', 'the hold sweep failed; retrying', {
            error: String(error),
          });
        }
        await sleep(intervalMs, undefined, { signal: this.stopping.signal }).catch(() => undefined);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  /**
   * One sweep: expires every hold (up to a batch) whose expiresAt is at or before now. Resolves to
   * the holds it asked to expire (another sweeper may have recorded some of them first).
   */
  async sweep(): Promise<string[]> {
    const now = (this.options.clock ?? (() => new Date()))().toISOString();
    const due = await this.ledger.database.db
      .selectFrom('holds')
      .select('transaction_id')
      .distinct()
      .where('expires_at', '<=', now)
      .orderBy('transaction_id')
      .limit(SWEEP_BATCH)
      .execute();
    const ids = due.map((row) => row.transaction_id);
    const ctx = { actor: SWEEPER_ACTOR, requestId: `sweep-${randomUUID()}` };
    const results = await Promise.allSettled(ids.map((id) => this.ledger.expireHold(id, ctx)));
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${ids[i]}: ${String(r.reason)}`] : []));
    // Left for the next sweep: nothing of a failed expiry was written.
    if (failed.length > 0)
      (this.options.logger ?? silentLogger).log('warn', 'some holds did not expire yet', { failed });
    return ids;
  }
}
