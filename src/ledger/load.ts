/** Loads account state by replaying its stream through the catalogue and `evolve`. */
import { evolve, initialState, type AccountState } from '../domain/account.js';
import { decodeEvent } from '../events/catalogue.js';
import { accountStream } from '../events/streams.js';
import type { EventStore } from '../store/event-store.js';

export async function loadAccount(store: EventStore, code: string): Promise<AccountState> {
  let state = initialState();
  for (const stored of await store.readStream(accountStream(code))) {
    state = evolve(state, decodeEvent(stored));
    if (state.version !== stored.version) {
      throw new Error(`invariant: ${stored.streamId} folded to version ${state.version} at stored version ${stored.version}`);
    }
  }
  return state;
}

export async function loadAccounts(store: EventStore, codes: Iterable<string>): Promise<Map<string, AccountState>> {
  const states = new Map<string, AccountState>();
  for (const code of new Set(codes)) states.set(code, await loadAccount(store, code));
  return states;
}
