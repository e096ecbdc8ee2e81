/**
 * The hash chain, checked: every event's hash must be sha256(previous hash ‖ its stored
 * bytes). Reads the log in batches, so memory stays constant however long it is.
 */
import { GENESIS_HASH, chainHash } from '../events/envelope.js';
import type { Db } from '../store/db.js';
import { breathe } from './cut.js';
import { readLog } from '../store/event-store.js';

export interface IntegrityReport {
  ok: boolean;
  eventsChecked: number;
  headHash: string | null;
  firstBrokenPosition: number | null;
  expectedHash: string | null;
  actualHash: string | null;
}

export async function verifyIntegrity(db: Db, batchSize = 1000): Promise<IntegrityReport> {
  let previous = GENESIS_HASH;
  let eventsChecked = 0;
  for await (const event of readLog(db, 0, batchSize)) {
    const { hash, ...rest } = event;
    const expected = chainHash(previous, rest);
    if (hash !== expected || event.position !== eventsChecked + 1) {
      return {
        ok: false,
        eventsChecked,
        headHash: null,
        firstBrokenPosition: event.position,
        expectedHash: expected,
        actualHash: hash,
      };
    }
    previous = hash;
    eventsChecked += 1;
    if (eventsChecked % batchSize === 0) await breathe();
  }
  return {
    ok: true,
    eventsChecked,
    headHash: eventsChecked > 0 ? previous : null,
    firstBrokenPosition: null,
    expectedHash: null,
    actualHash: null,
  };
}

const running = new WeakMap<Db, Promise<IntegrityReport>>();

/**
 * One verification at a time per database, shared by every caller that asks meanwhile: twenty
 * aliases or a hundred concurrent requests cost one pass over the log, not a hundred.
 */
export function verifyIntegrityShared(db: Db): Promise<IntegrityReport> {
  const inFlight = running.get(db);
  if (inFlight) return inFlight;
  const pass = verifyIntegrity(db).finally(() => running.delete(db));
  running.set(db, pass);
  return pass;
}
