/**
 * Everything derived from newly appended events, written in the append transaction:
 * the read models, a snapshot when the policy says so, and the as-of indexes.
 */
import { encodeState, ACCOUNT_STATE_VERSION } from '../domain/account-state.js';
import { postedLegs, type AccountEvent, type OpenedAccount } from '../domain/account.js';
import type { StoredEvent } from '../events/envelope.js';
import type { Db } from '../store/db.js';
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

export const DEFAULT_POLICY: ProjectionPolicy = { snapshotEvery: 100, epochEvery: DEFAULT_EPOCH_EVERY };

export interface Committed {
  stored: StoredEvent;
  event: AccountEvent;
  /** The account's state once this event is folded (evolve, never mutated). */
  state: OpenedAccount;
}

export async function projectIn(trx: Db, committed: Committed[], policy: ProjectionPolicy): Promise<void> {
  const rows = emptyRows();
  const seen = new Set<string>();
  const frontiers = new OnTimeFrontiers();
  await frontiers.load(trx, new Set(committed.map((c) => accountCodeOf(c.stored.streamId))));
  const late = committed.map((c) => postedLegs(c.event) !== null && frontiers.classify(c.state.code, c.stored.effectiveAt, c.stored.recordedAt));
  committed.forEach((c, i) => addEvent(rows, c, c.state, seen, late[i]!));
  await writeRows(trx, rows);
  // After the entries are written: an epoch reads the entries it closes.
  for (const [i, { stored, event, state }] of committed.entries()) {
    await indexForAsOf(trx, stored, event, state, late[i]!, policy.epochEvery);
    if (policy.snapshotEvery !== null && stored.version % policy.snapshotEvery === 0) {
      await saveSnapshot(trx, { streamId: stored.streamId, version: stored.version, position: stored.position, state: JSON.stringify(encodeState(state)) }, ACCOUNT_STATE_VERSION);
    }
  }
}
