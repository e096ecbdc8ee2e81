/**
 * `inkwell events verify`: decode and validate every stored event through the catalogue,
 * in batches (constant memory), counting per type and stored version, and stopping at the
 * first event that does not decode or whose stream version does not follow on.
 */
import { decodeEvent, EventDecodingError } from '../events/catalogue.js';
import type { Db } from '../store/db.js';
import { readLog } from '../store/event-store.js';

export interface EventVerification {
  ok: boolean;
  eventsChecked: number;
  /** "TransactionPosted v1" → how many stored events of that type and version. */
  counts: Record<string, number>;
  firstBad: { position: number; type: string; schemaVersion: number; reason: string } | null;
}

export async function verifyEvents(db: Db, batchSize = 1000): Promise<EventVerification> {
  const counts: Record<string, number> = {};
  // Only the last version per stream is kept: memory grows with streams, not events.
  const streamVersions = new Map<string, number>();
  let eventsChecked = 0;
  for await (const stored of readLog(db, 0, batchSize)) {
    const bad = (reason: string): EventVerification => ({
      ok: false,
      eventsChecked,
      counts,
      firstBad: { position: stored.position, type: stored.type, schemaVersion: stored.schemaVersion, reason },
    });
    try {
      decodeEvent(stored);
    } catch (error) {
      if (error instanceof EventDecodingError) return bad(error.message);
      throw error;
    }
    const expected = (streamVersions.get(stored.streamId) ?? 0) + 1;
    if (stored.version !== expected)
      return bad(`stream ${stored.streamId} jumps from version ${expected - 1} to ${stored.version}`);
    streamVersions.set(stored.streamId, stored.version);
    const key = `${stored.type} v${stored.schemaVersion}`;
    counts[key] = (counts[key] ?? 0) + 1;
    eventsChecked += 1;
  }
  return { ok: true, eventsChecked, counts, firstBad: null };
}
