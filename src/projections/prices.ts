/**
 * The prices' read model: a row per PriceSet event, a pure function of the event written in the
 * append transaction — and by rebuild through this same function, so projection and replay agree.
 */
import { decodePriceEvent } from '../events/catalogue.js';
import type { StoredEvent } from '../events/envelope.js';
import type { Db } from '../store/db.js';

/** Writes these price events (in log order) inside the caller's transaction. */
export async function projectPriceEvents(trx: Db, events: readonly StoredEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((stored) => {
    const { data } = decodePriceEvent(stored);
    return {
      position: stored.position,
      base: data.base,
      quote: data.quote,
      rate: data.rate,
      effective_at: stored.effectiveAt,
      recorded_at: stored.recordedAt,
      version: stored.version,
    };
  });
  await trx.insertInto('prices').values(rows).execute();
}
