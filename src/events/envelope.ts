/** The envelope around every stored event, and the hash that chains it to the one before. */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../domain/json.js';

/** Who did what, carried by every event for the audit trail. */
export interface EventMetadata {
  actor: string;
  requestId: string;
  correlationId: string;
  causationId: string | null;
  idempotencyKey: string | null;
  command: string;
  clientAddress: string | null;
}

/** An event as the store holds it: data and metadata are the stored canonical JSON text. */
export interface StoredEvent {
  position: number;
  streamId: string;
  version: number;
  type: string;
  schemaVersion: number;
  data: string;
  metadata: string;
  recordedAt: string;
  effectiveAt: string;
  transactionId: string | null;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/** sha256(previous hash ‖ canonical stored bytes): over what is stored, never over an upcast form. */
export function chainHash(previousHash: string, event: Omit<StoredEvent, 'hash'>): string {
  const bytes = canonicalJson({
    position: event.position,
    streamId: event.streamId,
    version: event.version,
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    metadata: event.metadata,
    recordedAt: event.recordedAt,
    effectiveAt: event.effectiveAt,
    transactionId: event.transactionId,
  });
  return createHash('sha256').update(previousHash).update(bytes).digest('hex');
}
