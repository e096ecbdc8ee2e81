/**
 * Whether reads should try the read replica (docs/operations.md, "Read replicas"): a circuit
 * breaker. A connection to the replica that cannot be made, or that breaks, marks it down; reads
 * then go to the primary without trying it for `retryMs`, so a dead standby does not cost every
 * request a connection timeout. After that one read — only one, however many arrive together —
 * tries it again: a connection made marks it up, a failure starts another wait. Listeners hear
 * each change once: one warning per outage, not one per request.
 */

/** How long a connection to the replica may take before the read goes to the primary (INKWELL_REPLICA_CONNECT_TIMEOUT_MS). */
export const DEFAULT_REPLICA_CONNECT_TIMEOUT_MS = 1000;

/** How long reads skip a replica that failed before one tries it again (INKWELL_REPLICA_RETRY_MS). */
export const DEFAULT_REPLICA_RETRY_MS = 5000;

export type ReplicaState =
  | { available: true }
  | {
      available: false;
      /** When the outage began (ms since the epoch). */
      since: number;
      /** What the first failure of this outage was. */
      reason: string;
    };

export type ReplicaChange =
  | { available: false; reason: string }
  | {
      available: true;
      /** How long the outage lasted. */
      downMs: number;
    };

export class ReplicaHealth {
  private down: { since: number; reason: string } | null = null;
  /** While down: when the next read may try the replica. */
  private retryAt = 0;
  private readonly listeners = new Set<(change: ReplicaChange) => void>();

  constructor(
    private readonly retryMs = DEFAULT_REPLICA_RETRY_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Whether this read should try the replica. While it is down, true for one caller once the wait
   * is over (that caller's attempt decides); the others keep reading from the primary meanwhile.
   */
  tryReplica(): boolean {
    if (!this.down) return true;
    const now = this.now();
    if (now < this.retryAt) return false;
    // An attempt that neither connects nor fails (it never reaches the server) must not stop the
    // next one: the wait starts again, and the attempt after it tries.
    this.retryAt = now + this.retryMs;
    return true;
  }

  /** A connection to the replica could not be made or broke. */
  failed(reason: string): void {
    const now = this.now();
    this.retryAt = now + this.retryMs;
    if (this.down) return;
    this.down = { since: now, reason };
    this.tell({ available: false, reason });
  }

  /** A connection to the replica was made: it is up again. */
  answered(): void {
    const down = this.down;
    if (!down) return;
    this.down = null;
    this.tell({ available: true, downMs: this.now() - down.since });
  }

  state(): ReplicaState {
    return this.down ? { available: false, ...this.down } : { available: true };
  }

  /** Calls `listener` at each change (down, up again); returns how to stop. */
  onChange(listener: (change: ReplicaChange) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private tell(change: ReplicaChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // A listener (a log line) must never turn a read into an error.
      }
    }
  }
}
