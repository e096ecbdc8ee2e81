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
  return createHash('sha256').update(previousHash).update(hashedBytes(event)).digest('hex');
}

/** The bytes the chain hashes: the canonical JSON of the envelope (the definition: `hashedBytesPlain`). */
export function hashedBytes(event: Omit<StoredEvent, 'hash'>): string {
  // Written out in canonical key order: a posting's events share one data text, which is quoted once.
  if (event.data !== lastData) {
    lastData = event.data;
    lastQuoted = JSON.stringify(event.data);
  }
  const q = JSON.stringify;
  return (
    `{"data":${lastQuoted},"effectiveAt":${q(event.effectiveAt)},"metadata":${q(event.metadata)},"position":${number(event.position)},` +
    `"recordedAt":${q(event.recordedAt)},"schemaVersion":${number(event.schemaVersion)},"streamId":${q(event.streamId)},` +
    `"transactionId":${event.transactionId === null ? 'null' : q(event.transactionId)},"type":${q(event.type)},"version":${number(event.version)}}`
  );
}

let lastData = '';
let lastQuoted = '""';

function number(n: number): string {
  if (!Number.isFinite(n)) throw new Error('invariant: non-finite number in canonical JSON');
  return String(n);
}

/** What `hashedBytes` must equal, byte for byte (a property test holds them together). */
export function hashedBytesPlain(event: Omit<StoredEvent, 'hash'>): string {
  return canonicalJson({
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
}
