/**
 * Durable consumers (issue 21, point 3): server-side cursors over the log, as EventStoreDB's
 * persistent subscriptions. Several processes may pull one consumer; each matching event is handed
 * out once per ack window, and again once its window has passed unacknowledged.
 *
 * The bookkeeping: a consumer's `frontier` is how far the log has been handed out (or skipped as not
 * matching); each batch handed out is a lease, the range (after, through] of the log, due back at
 * its expiry. A pull first takes back the oldest expired lease (redelivery), else reads past the
 * frontier. An ack settles the lease that holds its position, through that position; the committed
 * cursor is where the oldest lease starts (or the frontier when none is out), so it only moves
 * forward. Acks settle one batch, never another puller's: a cumulative ack across batches would
 * acknowledge events another process holds and may never finish (why Pulsar refuses cumulative
 * acks on shared subscriptions).
 *
 * Every pull and ack is one write transaction under the consumer's own lock (PostgreSQL: it waits
 * only for other pulls of the same consumer, never for the ledger's writers; SQLite: its writer
 * thread), so two pulls never hand out the same range.
 */
import { checkEventFilter, type EventFilter, type EventFilterInput } from '../domain/event-filter.js';
import { AckBeyondHandedOut, ConsumerAlreadyExists, ConsumerNotFound, ValidationError } from '../domain/errors.js';
import { MAX_CONSUMER_SCAN, MAX_CONSUMERS } from '../domain/consumers.js';
import type { StoredEvent } from '../events/envelope.js';
import { EVENT_TYPES, storedEventMatches } from '../events/event-match.js';
import type { Database, Db } from '../store/db.js';
import { fromRow, readHead } from '../store/event-store.js';
import type { ConsumersTable } from '../store/schema.js';

export const createConsumerErrors = [ValidationError, ConsumerAlreadyExists] as const;
export const consumerErrors = [ConsumerNotFound] as const;
export const pullConsumerErrors = [ValidationError, ConsumerNotFound] as const;
export const ackConsumerErrors = [ValidationError, ConsumerNotFound, AckBeyondHandedOut] as const;

export interface ConsumerView {
  name: string;
  /** The filter as it was given. */
  filter: EventFilterInput;
  startPosition: number;
  cursor: number;
  handedOutThrough: number;
  /** Batches handed out and not yet acknowledged (expired ones included, until taken again). */
  inFlight: number;
  /** This consumer's own ack window, or null for the server's. */
  ackTimeoutMs: number | null;
  createdAt: string;
  createdBy: string;
  /** The log's last position when the consumer was read: lag is head − cursor. */
  head: number;
}

export interface ConsumerBatch {
  consumer: string;
  events: StoredEvent[];
  /** Ack this position to acknowledge the whole batch; null when nothing was handed out. */
  throughPosition: number | null;
  /** When the batch is handed out again unless acknowledged; null when nothing was handed out. */
  leaseExpiresAt: string | null;
  /** How many times these events have been handed out (1: the first time). */
  deliveries: number;
}

/** Pulls and acks of one consumer serialise on this lock, not on the ledger's (PostgreSQL). */
const lockOf = (name: string) => ({ lock: `consumer:${name}` });
const iso = (ms: number) => new Date(ms).toISOString();

export function createConsumer(
  database: Database,
  input: { name: string; filter: EventFilterInput; startPosition: number; ackTimeoutMs: number | null },
  actor: string,
  now: string,
): Promise<ConsumerView> {
  return database.write(async (trx) => {
    if (await findConsumer(trx, input.name)) throw new ConsumerAlreadyExists(input.name);
    const count = await trx
      .selectFrom('consumers')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    if (Number(count.n) >= MAX_CONSUMERS)
      throw new ValidationError('name', `at most ${MAX_CONSUMERS} consumers: delete one first`);
    const head = (await readHead(trx))?.position ?? 0;
    if (input.startPosition > head)
      throw new ValidationError('startPosition', `${input.startPosition} is past the log's last position, ${head}`);
    const row: ConsumersTable = {
      name: input.name,
      filter: JSON.stringify(input.filter),
      start_position: input.startPosition,
      frontier: input.startPosition,
      cursor: input.startPosition,
      ack_timeout_ms: input.ackTimeoutMs,
      created_at: now,
      created_by: actor,
    };
    await trx.insertInto('consumers').values(row).execute();
    return toView(row, 0, head);
  }, lockOf(input.name));
}

export function deleteConsumer(database: Database, name: string): Promise<ConsumerView> {
  return database.write(async (trx) => {
    const view = await viewOf(trx, name);
    await trx.deleteFrom('consumer_leases').where('consumer', '=', name).execute();
    await trx.deleteFrom('consumers').where('name', '=', name).execute();
    return view;
  }, lockOf(name));
}

/**
 * Hands out up to `first` matching events: the oldest expired batch again if there is one, else
 * the next events past the frontier. Each is leased until now + the ack window.
 */
export function pullConsumer(
  database: Database,
  name: string,
  first: number,
  serverAckMs: number,
  nowMs: number,
): Promise<ConsumerBatch> {
  return database.write(async (trx) => {
    const row = await findConsumer(trx, name);
    if (!row) throw new ConsumerNotFound(name);
    const filter = storedFilter(row);
    const expiresAt = iso(nowMs + (row.ack_timeout_ms ?? serverAckMs));
    const again = await redeliver(trx, row, filter, first, iso(nowMs), expiresAt);
    if (again) return again;
    const frontier = Number(row.frontier);
    const { events, lastRead } = await scan(trx, filter, frontier, null, first, MAX_CONSUMER_SCAN);
    if (events.length > 0)
      await trx
        .insertInto('consumer_leases')
        .values({
          consumer: name,
          after_position: frontier,
          through_position: events[events.length - 1]!.position,
          expires_at: expiresAt,
          deliveries: 1,
        })
        .execute();
    await trx.updateTable('consumers').set({ frontier: lastRead }).where('name', '=', name).execute();
    await settleCursor(trx, name, lastRead);
    return batchOf(name, events, expiresAt, 1);
  }, lockOf(name));
}

/**
 * The oldest expired lease, handed out again (up to `first` events; the rest stays expired, for
 * the next pull). A lease whose range holds no matching event any more is dropped.
 */
async function redeliver(
  trx: Db,
  row: ConsumersTable,
  filter: EventFilter,
  first: number,
  now: string,
  expiresAt: string,
): Promise<ConsumerBatch | null> {
  for (;;) {
    const lease = await trx
      .selectFrom('consumer_leases')
      .selectAll()
      .where('consumer', '=', row.name)
      .where('expires_at', '<=', now)
      .orderBy('after_position')
      .limit(1)
      .executeTakeFirst();
    if (!lease) return null;
    const after = Number(lease.after_position);
    const through = Number(lease.through_position);
    const { events } = await scan(trx, filter, after, through, first, Number.POSITIVE_INFINITY);
    if (events.length === 0) {
      await deleteLease(trx, row.name, after);
      await settleCursor(trx, row.name, Number(row.frontier));
      continue;
    }
    const last = events[events.length - 1]!.position;
    const deliveries = Number(lease.deliveries) + 1;
    await trx
      .updateTable('consumer_leases')
      .set({ through_position: last, expires_at: expiresAt, deliveries })
      .where('consumer', '=', row.name)
      .where('after_position', '=', after)
      .execute();
    if (last < through)
      // The rest of the range stays due (its old expiry): the next pull takes it.
      await trx
        .insertInto('consumer_leases')
        .values({ ...lease, after_position: last, through_position: through })
        .execute();
    return batchOf(row.name, events, expiresAt, deliveries);
  }
}

/**
 * Acknowledges the batch that handed out `position`, through that position (the rest of the batch
 * stays leased). A position already acknowledged, or skipped as not matching, changes nothing.
 */
export function ackConsumer(database: Database, name: string, position: number): Promise<ConsumerView> {
  return database.write(async (trx) => {
    const row = await findConsumer(trx, name);
    if (!row) throw new ConsumerNotFound(name);
    const frontier = Number(row.frontier);
    if (position > frontier) throw new AckBeyondHandedOut(name, position, frontier);
    const lease = await trx
      .selectFrom('consumer_leases')
      .selectAll()
      .where('consumer', '=', name)
      .where('after_position', '<', position)
      .where('through_position', '>=', position)
      .executeTakeFirst();
    if (lease) {
      const after = Number(lease.after_position);
      if (position >= Number(lease.through_position)) await deleteLease(trx, name, after);
      else
        await trx
          .updateTable('consumer_leases')
          .set({ after_position: position })
          .where('consumer', '=', name)
          .where('after_position', '=', after)
          .execute();
      await settleCursor(trx, name, frontier);
    }
    return viewOf(trx, name);
  }, lockOf(name));
}

export async function listConsumers(db: Db): Promise<ConsumerView[]> {
  const rows = await db.selectFrom('consumers').selectAll().orderBy('name').limit(MAX_CONSUMERS).execute();
  const counts = await db
    .selectFrom('consumer_leases')
    .select(['consumer', (eb) => eb.fn.countAll().as('n')])
    .groupBy('consumer')
    .execute();
  const inFlight = new Map(counts.map((c) => [c.consumer, Number(c.n)]));
  const head = (await readHead(db))?.position ?? 0;
  return rows.map((row) => toView(row, inFlight.get(row.name) ?? 0, head));
}

export async function getConsumer(db: Db, name: string): Promise<ConsumerView | null> {
  return (await findConsumer(db, name)) ? viewOf(db, name) : null;
}

/**
 * Up to `want` matching events in (after, through] (through null: to the head), reading at most
 * `maxRows` rows in pages; `lastRead` is the last position read (the last event taken when `want`
 * was reached), so a caller can move past what matched nothing.
 */
async function scan(
  trx: Db,
  filter: EventFilter,
  after: number,
  through: number | null,
  want: number,
  maxRows: number,
): Promise<{ events: StoredEvent[]; lastRead: number }> {
  const events: StoredEvent[] = [];
  let position = after;
  let read = 0;
  while (events.length < want && read < maxRows) {
    const limit = Math.min(500, maxRows - read);
    let query = trx.selectFrom('events').selectAll().where('position', '>', position);
    if (through !== null) query = query.where('position', '<=', through);
    const rows = await query.orderBy('position').limit(limit).execute();
    for (const stored of rows.map(fromRow)) {
      position = stored.position;
      read++;
      if (storedEventMatches(filter, stored) && events.push(stored) === want) break;
    }
    if (rows.length < limit) break;
  }
  return { events, lastRead: position };
}

async function deleteLease(trx: Db, name: string, after: number): Promise<void> {
  await trx.deleteFrom('consumer_leases').where('consumer', '=', name).where('after_position', '=', after).execute();
}

/** The committed cursor: where the oldest lease starts, or the frontier when none is out. */
async function settleCursor(trx: Db, name: string, frontier: number): Promise<void> {
  const oldest = await trx
    .selectFrom('consumer_leases')
    .select((eb) => eb.fn.min('after_position').as('after'))
    .where('consumer', '=', name)
    .executeTakeFirst();
  const cursor = oldest?.after == null ? frontier : Number(oldest.after);
  await trx.updateTable('consumers').set({ cursor }).where('name', '=', name).execute();
}

async function findConsumer(db: Db, name: string): Promise<ConsumersTable | undefined> {
  return db.selectFrom('consumers').selectAll().where('name', '=', name).executeTakeFirst();
}

async function viewOf(db: Db, name: string): Promise<ConsumerView> {
  const row = await findConsumer(db, name);
  if (!row) throw new ConsumerNotFound(name);
  const leases = await db
    .selectFrom('consumer_leases')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('consumer', '=', name)
    .executeTakeFirstOrThrow();
  return toView(row, Number(leases.n), (await readHead(db))?.position ?? 0);
}

/** The stored filter, checked again (it was checked when the consumer was created). */
function storedFilter(row: ConsumersTable): EventFilter {
  return checkEventFilter(JSON.parse(row.filter) as EventFilterInput, EVENT_TYPES);
}

function toView(row: ConsumersTable, inFlight: number, head: number): ConsumerView {
  return {
    name: row.name,
    filter: JSON.parse(row.filter) as EventFilterInput,
    startPosition: Number(row.start_position),
    cursor: Number(row.cursor),
    handedOutThrough: Number(row.frontier),
    inFlight,
    ackTimeoutMs: row.ack_timeout_ms == null ? null : Number(row.ack_timeout_ms),
    createdAt: row.created_at,
    createdBy: row.created_by,
    head,
  };
}

function batchOf(consumer: string, events: StoredEvent[], expiresAt: string, deliveries: number): ConsumerBatch {
  const last = events[events.length - 1];
  return {
    consumer,
    events,
    throughPosition: last?.position ?? null,
    leaseExpiresAt: last ? expiresAt : null,
    deliveries: last ? deliveries : 0,
  };
}
