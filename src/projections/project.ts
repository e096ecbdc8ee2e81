/**
 * Everything derived from newly appended events, written in the append transaction:
 * the read models, a snapshot when the policy says so, and balance epochs.
 */
import { encodeState, ACCOUNT_STATE_VERSION } from '../domain/account-state.js';
import type { AccountEvent, OpenedAccount } from '../domain/account.js';
import type { StoredEvent } from '../events/envelope.js';
import type { Db } from '../store/db.js';
import { saveSnapshot } from '../store/snapshot-store.js';
import { closeEpochIn, DEFAULT_CHECKPOINT_EVERY } from './balance-checkpoints.js';
import { addEvent, emptyRows, writeRows } from './read-models.js';

export interface ProjectionPolicy {
  /** Take a snapshot of an account every this many events (its version a multiple of it). */
  snapshotEvery: number;
  /** Close a balance epoch every this many events. */
  checkpointEvery: number;
}

export const DEFAULT_POLICY: ProjectionPolicy = { snapshotEvery: 100, checkpointEvery: DEFAULT_CHECKPOINT_EVERY };

export interface Committed {
  stored: StoredEvent;
  event: AccountEvent;
  /** The account's state once this event is folded (evolve, never mutated). */
  state: OpenedAccount;
}

export async function projectIn(trx: Db, committed: Committed[], policy: ProjectionPolicy): Promise<void> {
  const rows = emptyRows();
  const seen = new Set<string>();
  for (const c of committed) addEvent(rows, c, c.state, seen);
  await writeRows(trx, rows);
  // After the entries are written: an epoch reads the entries it closes.
  for (const { stored, state } of committed) {
    if (stored.version % policy.checkpointEvery === 0) await closeEpochIn(trx, state, stored);
    if (stored.version % policy.snapshotEvery === 0) {
      await saveSnapshot(trx, { streamId: stored.streamId, version: stored.version, position: stored.position, state: JSON.stringify(encodeState(state)) }, ACCOUNT_STATE_VERSION);
    }
  }
}
