/** Loads account state: the latest valid snapshot, then the tail of the stream through `evolve`. */
import { ACCOUNT_STATE_VERSION, decodeState } from '../domain/account-state.js';
import { evolve, initialState, type AccountState } from '../domain/account.js';
import { decodeAccountEvent } from '../events/catalogue.js';
import { accountStream } from '../events/streams.js';
import type { Db } from '../store/db.js';
import { readStreamPayloads } from '../store/event-store.js';
import { latestSnapshot } from '../store/snapshot-store.js';

/** Events read per statement while folding a stream. */
const PAGE = 10_000;

/** The account's state now, or once its stream reached `atVersion`. */
export async function loadAccount(
  db: Db,
  code: string,
  options: { useSnapshots?: boolean; atVersion?: number } = {},
): Promise<AccountState> {
  const streamId = accountStream(code);
  const last = options.atVersion ?? Number.MAX_SAFE_INTEGER;
  const snapshot =
    options.useSnapshots === false
      ? undefined
      : await latestSnapshot(db, streamId, ACCOUNT_STATE_VERSION, options.atVersion);
  // A snapshot of another state version never gets here (filtered by version); one that will
  // not decode is ignored the same way: the stream is replayed from the start.
  let state = (snapshot && decodeState(JSON.parse(snapshot.state))) || initialState();
  // In pages: a stream replayed from the start can hold millions of events.
  for (;;) {
    const page = await readStreamPayloads(db, streamId, state.version + 1, Math.min(last, state.version + PAGE));
    for (const stored of page) {
      state = evolve(state, decodeAccountEvent(stored));
      if (state.version !== stored.version) {
        throw new Error(
          `invariant: ${streamId} folded to version ${state.version} at stored version ${stored.version}`,
        );
      }
    }
    if (page.length < PAGE || state.version >= last) return state;
  }
}
