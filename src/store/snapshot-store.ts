/** Snapshots: a disposable cache of aggregate state, keyed by stream, state version and stream version. */
import type { Db } from './db.js';

export interface Snapshot {
  streamId: string;
  version: number;
  position: number;
  /** The encoded state (JSON text), as the domain's state codec wrote it. */
  state: string;
}

/** The latest snapshot of a stream written with this state version (at or before `atVersion`), if any. */
export async function latestSnapshot(
  db: Db,
  streamId: string,
  stateVersion: number,
  atVersion?: number,
): Promise<Snapshot | undefined> {
  let query = db
    .selectFrom('snapshots')
    .select(['stream_id', 'version', 'position', 'state'])
    .where('stream_id', '=', streamId)
    .where('state_version', '=', stateVersion);
  if (atVersion !== undefined) query = query.where('version', '<=', atVersion);
  const row = await query.orderBy('version', 'desc').limit(1).executeTakeFirst();
  return (
    row && { streamId: row.stream_id, version: Number(row.version), position: Number(row.position), state: row.state }
  );
}

export async function saveSnapshot(trx: Db, snapshot: Snapshot, stateVersion: number): Promise<void> {
  await trx
    .insertInto('snapshots')
    .values({
      stream_id: snapshot.streamId,
      state_version: stateVersion,
      version: snapshot.version,
      position: snapshot.position,
      state: snapshot.state,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
}
