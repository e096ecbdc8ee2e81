/** `inkwell snapshots rebuild`: drop every snapshot and take them again from a replay of the log. */
import { evolve, initialState, type AccountState } from '../domain/account.js';
import { decodeAccountEvent } from '../events/catalogue.js';
import { accountCodeOf, isAccountStream } from '../events/streams.js';
import type { Database } from '../store/db.js';
import { readLog } from '../store/event-store.js';
import { snapshotAccount } from './project.js';

export async function rebuildSnapshots(
  database: Database,
  snapshotEvery: number,
): Promise<{ eventsReplayed: number; snapshots: number }> {
  return database.write(async (trx) => {
    await trx.deleteFrom('snapshots').execute();
    const states = new Map<string, AccountState>();
    let eventsReplayed = 0;
    let snapshots = 0;
    for await (const stored of readLog(trx)) {
      eventsReplayed += 1;
      if (!isAccountStream(stored.streamId)) continue; // the books keep no snapshots
      const code = accountCodeOf(stored.streamId);
      const state = evolve(states.get(code) ?? initialState(), decodeAccountEvent(stored));
      states.set(code, state);
      if (stored.version % snapshotEvery === 0) {
        await snapshotAccount(trx, stored, state);
        snapshots += 1;
      }
    }
    return { eventsReplayed, snapshots };
  });
}
