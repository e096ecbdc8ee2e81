/**
 * The event store: append to several streams atomically with optimistic concurrency,
 * read a stream, read the global log. It stores payloads as given; the catalogue in
 * src/events decides what they mean.
 */
import { ConcurrencyConflict } from '../domain/errors.js';
import { GENESIS_HASH, chainHash, type StoredEvent } from '../events/envelope.js';
import type { Database, Db } from './db.js';
import type { EventsTable } from './schema.js';
import { chunks, ROWS_PER_STATEMENT } from './chunks.js';

export interface NewEvent {
  type: string;
  schemaVersion: number;
  data: string;
  metadata: string;
  effectiveAt: string;
  transactionId: string | null;
}

export interface AppendRequest {
  streamId: string;
  /** The stream's version the caller decided against; 0 for a new stream. */
  expectedVersion: number;
  events: NewEvent[];
}

export interface LogHead {
  position: number;
  hash: string;
  recordedAt: string;
}

export type Clock = () => Date;

export class EventStore {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock = () => new Date(),
  ) {}

  /** Appends in its own durable transaction. */
  append(requests: AppendRequest[]): Promise<StoredEvent[]> {
    return this.database.write((trx) => this.appendIn(trx, requests));
  }

  /**
   * Appends inside the caller's write transaction: every stream is checked against its
   * expected version first, so a conflict writes nothing. Positions continue the log
   * without gaps; recordedAt is the store's clock, never earlier than the log's head.
   */
  async appendIn(trx: Db, requests: AppendRequest[], at?: Date): Promise<StoredEvent[]> {
    const actual = await streamVersionsIn(
      trx,
      requests.map((r) => r.streamId),
    );
    for (const request of requests) {
      const version = actual.get(request.streamId) ?? 0;
      if (version !== request.expectedVersion)
        throw new ConcurrencyConflict(request.streamId, request.expectedVersion, version);
    }
    // `at`: one instant for several appends of one database transaction (a batch commits as one).
    const stored = sealEvents(await this.headIn(trx), requests, at ?? this.clock());
    await insertEvents(trx, stored);
    return stored;
  }

  headIn(trx: Db): Promise<LogHead | null> {
    return readHead(trx);
  }

  head(): Promise<LogHead | null> {
    return this.headIn(this.database.db);
  }

  /** Events of one stream with fromVersion <= version <= toVersion, in version order. */
  readStream(streamId: string, range: { fromVersion?: number; toVersion?: number } = {}): Promise<StoredEvent[]> {
    return readStream(this.database.db, streamId, range);
  }

  /** The whole log after `afterPosition`, fetched in batches so memory stays flat. */
  readAll(afterPosition = 0, batchSize = 1000): AsyncGenerator<StoredEvent> {
    return readLog(this.database.db, afterPosition, batchSize);
  }
}

/** The log's last event: where the next append continues the positions and the chain. */
export async function readHead(db: Db): Promise<LogHead | null> {
  const row = await db
    .selectFrom('events')
    .select(['position', 'hash', 'recorded_at'])
    .orderBy('position', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { position: Number(row.position), hash: row.hash, recordedAt: row.recorded_at } : null;
}

/**
 * Gives events their place in the log after `head`: positions without gaps, stream versions from
 * each request's expected version, one recorded time (the clock's, never earlier than the head's)
 * and the hash chain. Pure: the caller inserts them in the same transaction it read `head` in.
 */
export function sealEvents(head: LogHead | null, requests: AppendRequest[], now: Date): StoredEvent[] {
  const streams = new Set(requests.map((r) => r.streamId));
  if (streams.size !== requests.length) throw new Error('invariant: one append request per stream');
  const at = now.toISOString();
  const recordedAt = head && head.recordedAt > at ? head.recordedAt : at;
  let position = head?.position ?? 0;
  let hash = head?.hash ?? GENESIS_HASH;
  const stored: StoredEvent[] = [];
  for (const request of requests) {
    request.events.forEach((event, i) => {
      position += 1;
      const unhashed = {
        ...event,
        position,
        streamId: request.streamId,
        version: request.expectedVersion + i + 1,
        recordedAt,
      };
      hash = chainHash(hash, unhashed);
      stored.push({ ...unhashed, hash });
    });
  }
  return stored;
}

/** The head once `stored` (sealed after `head`) is appended. */
export function headAfter(head: LogHead | null, stored: StoredEvent[]): LogHead | null {
  const last = stored[stored.length - 1];
  return last ? { position: last.position, hash: last.hash, recordedAt: last.recordedAt } : head;
}

export async function insertEvents(trx: Db, stored: StoredEvent[]): Promise<void> {
  for (const chunk of chunks(stored, ROWS_PER_STATEMENT))
    await trx.insertInto('events').values(chunk.map(toRow)).execute();
}

/** The current version of each stream (absent: no event yet), in one statement. */
export async function streamVersionsIn(trx: Db, streamIds: string[]): Promise<Map<string, number>> {
  if (streamIds.length === 0) return new Map();
  const rows = await trx
    .selectFrom('events')
    .select(['stream_id', (eb) => eb.fn.max('version').as('version')])
    .where('stream_id', 'in', [...new Set(streamIds)])
    .groupBy('stream_id')
    .execute();
  return new Map(rows.map((r) => [r.stream_id, Number(r.version)]));
}

/** Events of one stream through any handle, a transaction's included. */
export async function readStream(
  db: Db,
  streamId: string,
  range: { fromVersion?: number; toVersion?: number } = {},
): Promise<StoredEvent[]> {
  let query = db.selectFrom('events').selectAll().where('stream_id', '=', streamId);
  if (range.fromVersion !== undefined) query = query.where('version', '>=', range.fromVersion);
  if (range.toVersion !== undefined) query = query.where('version', '<=', range.toVersion);
  const rows = await query.orderBy('version').execute();
  return rows.map(fromRow);
}

/** What folding a stream needs of its events (no metadata, no hash): versions from..to, in order. */
export async function readStreamPayloads(db: Db, streamId: string, fromVersion: number, toVersion: number) {
  const rows = await db
    .selectFrom('events')
    .select(['position', 'version', 'type', 'schema_version', 'data', 'effective_at'])
    .where('stream_id', '=', streamId)
    .where('version', '>=', fromVersion)
    .where('version', '<=', toVersion)
    .orderBy('version')
    .execute();
  return rows.map((row) => ({
    position: Number(row.position),
    version: Number(row.version),
    type: row.type,
    schemaVersion: Number(row.schema_version),
    data: row.data,
    effectiveAt: row.effective_at,
  }));
}

/** The log after `afterPosition` through any handle, a transaction's included. */
export async function* readLog(db: Db, afterPosition = 0, batchSize = 1000): AsyncGenerator<StoredEvent> {
  let after = afterPosition;
  for (;;) {
    const rows = await db
      .selectFrom('events')
      .selectAll()
      .where('position', '>', after)
      .orderBy('position')
      .limit(batchSize)
      .execute();
    for (const row of rows) yield fromRow(row);
    if (rows.length < batchSize) return;
    after = Number(rows[rows.length - 1]!.position);
  }
}

function toRow(event: StoredEvent): EventsTable {
  return {
    position: event.position,
    stream_id: event.streamId,
    version: event.version,
    type: event.type,
    schema_version: event.schemaVersion,
    data: event.data,
    metadata: event.metadata,
    recorded_at: event.recordedAt,
    effective_at: event.effectiveAt,
    transaction_id: event.transactionId,
    hash: event.hash,
  };
}

export function fromRow(row: EventsTable): StoredEvent {
  return {
    position: Number(row.position),
    streamId: row.stream_id,
    version: Number(row.version),
    type: row.type,
    schemaVersion: Number(row.schema_version),
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recorded_at,
    effectiveAt: row.effective_at,
    transactionId: row.transaction_id,
    hash: row.hash,
  };
}
