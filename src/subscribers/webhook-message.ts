/**
 * What a webhook sends for one event (docs/api.md, "Webhooks"): the Standard Webhooks envelope
 * `{ type, timestamp, data }`, with `data` the event as ledgerEvents shows it, metadata included
 * (webhooks are an admin's, and admins read metadata).
 */
import type { StoredEvent } from '../events/envelope.js';
import { eventView } from '../ledger/queries.js';

export function messageBody(stored: StoredEvent): string {
  const { event, metadata } = eventView(stored);
  return JSON.stringify({
    type: event.type,
    timestamp: stored.recordedAt,
    data: {
      position: stored.position,
      streamId: stored.streamId,
      version: stored.version,
      type: event.type,
      schemaVersion: stored.schemaVersion,
      data: event.data,
      metadata,
      recordedAt: stored.recordedAt,
      effectiveAt: stored.effectiveAt,
      transactionId: stored.transactionId,
      hash: stored.hash,
    },
  });
}
