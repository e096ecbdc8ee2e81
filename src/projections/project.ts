/**
 * Everything derived from newly appended events, written in the append transaction:
 * the read models, a snapshot when the policy says so, and the as-of indexes.
 */
import { encodeState, ACCOUNT_STATE_VERSION } from '../domain/account-state.js';
import { postedLegs, type AccountEvent, type AccountState, type OpenedAccount } from '../domain/account.js';
import type { StoredEvent } from '../events/envelope.js';
import type { Db } from '../store/db.js';
import type { EntriesTable } from '../store/schema.js';
import { saveSnapshot } from '../store/snapshot-store.js';
import { accountCodeOf } from '../events/streams.js';
import { DEFAULT_EPOCH_EVERY, OnTimeFrontiers, indexForAsOf } from './as-of-index.js';
import { addEvent, emptyRows, writeRows } from './read-models.js';

export interface ProjectionPolicy {
  /** Take a snapshot of an account every this many events (its version a multiple of it); null: never. */
  snapshotEvery: number | null;
  /** Close a balance epoch (running sums for as-of queries) every this many events. */
  epochEvery: number;
}

export const DEFAULT_POLICY = { snapshotEvery: 100, epochEvery: DEFAULT_EPOCH_EVERY } satisfies ProjectionPolicy;

export interface Committed {
  stored: StoredEvent;
  event: AccountEvent;
  /** The account's state once this event is folded (evolve, never mutated). */
  state: OpenedAccount;
}

/**
 * What a run of appended events changes, gathered in memory and written in a few multi-row
 * statements: the append path stages a whole group commit here, rebuild a batch of the log.
 * Add events in log order; a transaction's events must not straddle two writes (its row comes
 * from its first event in one write).
 */
export class ProjectionBatch {
  private rows = emptyRows();
  private seen = new Set<string>();
  private indexed: Array<{ committed: Committed; late: boolean }> = [];

  /** `frontiers` may outlive the batch (the ledger keeps them between commits); load before `add`. */
  constructor(
    private readonly policy: ProjectionPolicy,
    readonly frontiers = new OnTimeFrontiers(),
  ) {}

  add(committed: Committed[]): void {
    for (const c of committed) {
      const late =
        postedLegs(c.event) !== null &&
        this.frontiers.classify(c.state.code, c.stored.effectiveAt, c.stored.recordedAt);
      addEvent(this.rows, c, c.state, this.seen, late);
      const { version } = c.stored;
      if (late || version % this.policy.epochEvery === 0 || this.snapshotDue(version))
        this.indexed.push({ committed: c, late });
    }
  }

  /** Entries added but not yet written (commands of the same group read them). */
  get pendingEntries(): readonly EntriesTable[] {
    return this.rows.entries;
  }

  /** Writes everything added since the last write, inside the caller's transaction. */
  async write(trx: Db): Promise<void> {
    const { rows, indexed } = this;
    this.rows = emptyRows();
    this.seen = new Set();
    this.indexed = [];
    await writeRows(trx, rows);
    // After the entries are written, in log order: an epoch reads the entries it closes, and
    // every read of an index is bounded by the event's position.
    for (const { committed, late } of indexed) {
      const { stored, event, state } = committed;
      await indexForAsOf(trx, stored, event, state, late, this.policy.epochEvery);
      if (this.snapshotDue(stored.version)) {
        await snapshotAccount(trx, stored, state);
      }
    }
  }

  private snapshotDue(version: number): boolean {
    return this.policy.snapshotEvery !== null && version % this.policy.snapshotEvery === 0;
  }
}

/** Projects `committed` (appended in this transaction, in log order) straight away. */
export async function projectIn(trx: Db, committed: Committed[], policy: ProjectionPolicy): Promise<void> {
  const batch = new ProjectionBatch(policy);
  await batch.frontiers.load(trx, new Set(committed.map((c) => accountCodeOf(c.stored.streamId))));
  batch.add(committed);
  await batch.write(trx);
}

/** The account's state after `stored`, saved as its snapshot at that version (projection and rebuild alike). */
export function snapshotAccount(trx: Db, stored: StoredEvent, state: AccountState): Promise<void> {
  const snapshot = {
    streamId: stored.streamId,
    version: stored.version,
    position: stored.position,
    state: JSON.stringify(encodeState(state)),
  };
  return saveSnapshot(trx, snapshot, ACCOUNT_STATE_VERSION);
}
