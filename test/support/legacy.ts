/** The legacy log fixture, and ways to seed it raw (bypassing the encoder). */
import { readFileSync } from 'node:fs';
import { decodeEvent, encodeEvent } from '../../src/events/catalogue.js';
import { GENESIS_HASH, chainHash, type StoredEvent } from '../../src/events/envelope.js';
import type { Database } from '../../src/store/db.js';

export function legacyRows(): StoredEvent[] {
  return JSON.parse(readFileSync(new URL('../fixtures/legacy-log.json', import.meta.url), 'utf8')) as StoredEvent[];
}

/** The same history written at the current versions: same envelopes, re-encoded data, re-chained hashes. */
export function atCurrentVersions(rows: StoredEvent[]): StoredEvent[] {
  let previous = GENESIS_HASH;
  return rows.map((row) => {
    const encoded = encodeEvent(decodeEvent(row));
    const { hash: _old, ...rest } = { ...row, schemaVersion: encoded.schemaVersion, data: encoded.data };
    previous = chainHash(previous, rest);
    return { ...rest, hash: previous };
  });
}

/** INSERTs the rows as they are, straight into the event table. */
export async function seedRaw(database: Database, rows: StoredEvent[]): Promise<void> {
  await database.db
    .insertInto('events')
    .values(
      rows.map((r) => ({
        position: r.position,
        stream_id: r.streamId,
        version: r.version,
        type: r.type,
        schema_version: r.schemaVersion,
        data: r.data,
        metadata: r.metadata,
        recorded_at: r.recordedAt,
        effective_at: r.effectiveAt,
        transaction_id: r.transactionId,
        hash: r.hash,
      })),
    )
    .execute();
}
