/**
 * Searching transactions, pinned to a log position: each as the ledger knew it at `atPosition` —
 * a hold committed or voided only later is still PENDING there, with its placed legs and times.
 * Ordered by the transaction's first position (its posting or its hold's placement), which never
 * moves, so paging at one position never skips or repeats. SQL narrows by what never changes
 * (first position, idempotency key); what a later commit changes is judged in code on the view as
 * of the position (domain/filters.ts), reading on until the page is full.
 */
import type { Leg } from '../domain/account.js';
import { alignToHold, legsMinus } from '../domain/hold-legs.js';
import type { StoredEvent } from '../events/envelope.js';
import { transactionMatches, type SearchFilter, type TransactionStatus } from '../domain/filters.js';
import { decodeAccountEvent } from '../events/catalogue.js';
import { sql } from 'kysely';
import type { JsonObject } from '../domain/json.js';
import type { Db } from '../store/db.js';
import { metadataConditions, type IndexRef } from './metadata-filter.js';
import { metadataKnownAt } from './metadata-history.js';
import { fromRow } from '../store/event-store.js';
import { toTransactionView, type TransactionView } from './queries.js';
import { scan } from './scan.js';
import type { SortOrder } from './search.js';

export interface TransactionSearch {
  filter: SearchFilter;
  atPosition: number;
  order: SortOrder;
  /** The first position of the last transaction seen. */
  after?: number;
  limit: number;
  /** Holds past their expiry by then are EXPIRED. */
  now: string;
  /** The index read for each metadata path of the filter (subscribers/metadata-index.ts indexesAt). */
  indexes?: ReadonlyMap<string, IndexRef>;
}

/** A transaction as of the searched position, with the key it is ordered and paged by. */
export type FoundTransaction = TransactionView & { firstPosition: number };

/** Up to `limit + 1` transactions (one more tells there is a next page). */
export async function searchTransactions(db: Db, search: TransactionSearch): Promise<FoundTransaction[]> {
  return scan(
    (last, size) => viewsAt(db, search, last?.firstPosition ?? search.after, size),
    (view) => transactionMatches(search.filter, facts(view, search.now)),
    search.limit + 1,
  );
}

/** How many transactions match, at that position. */
export async function countTransactions(db: Db, search: Omit<TransactionSearch, 'limit' | 'after' | 'order'>) {
  const asc = { ...search, order: 'ASC' as const };
  const read = (last: FoundTransaction | undefined, size: number) => viewsAt(db, asc, last?.firstPosition, size);
  return (await scan(read, (view) => transactionMatches(search.filter, facts(view, search.now)), Infinity)).length;
}

/** What a filter reads of a transaction; a hold past its expiry is EXPIRED. */
function facts(view: FoundTransaction, now: string) {
  const expired = view.status === 'PENDING' && view.expiresAt !== null && view.expiresAt <= now;
  const status: TransactionStatus = expired ? 'EXPIRED' : view.status;
  return { ...view, status };
}

/** One page of transactions in order, each as of the position. */
async function viewsAt(
  db: Db,
  search: Pick<TransactionSearch, 'filter' | 'atPosition' | 'order' | 'indexes'>,
  after: number | undefined,
  limit: number,
): Promise<FoundTransaction[]> {
  const direction = search.order === 'ASC' ? 'asc' : 'desc';
  let query = db.selectFrom('transactions').selectAll().where('first_position', '<=', search.atPosition);
  if (search.filter.idempotencyKey !== undefined)
    query = query.where('idempotency_key', '=', search.filter.idempotencyKey);
  if (search.filter.metadata !== undefined)
    query = query.where(
      metadataConditions(sql.ref('transactions.id'), search.filter.metadata, search.indexes!, search.atPosition),
    );
  if (after !== undefined) query = query.where('first_position', search.order === 'ASC' ? '>' : '<', after);
  const rows = await query.orderBy('first_position', direction).limit(limit).execute();
  const metadataThen = await metadataAt(
    db,
    rows.map((row) => row.id),
    search.atPosition,
  );
  const settledLater = await settledAfter(
    db,
    rows.map((row) => row.id),
    search.atPosition,
  );
  const placements = await placementsOf(
    db,
    rows.filter((row) => settledLater.has(row.id)).map((row) => Number(row.first_position)),
    search.atPosition,
  );
  return rows.map((row) => {
    const view = { ...toTransactionView(row), firstPosition: Number(row.first_position) };
    if (metadataThen.has(row.id)) view.metadata = metadataThen.get(row.id)!;
    return settledLater.has(row.id) ? { ...view, ...placements.get(view.firstPosition)! } : view;
  });
}

/**
 * The metadata of those among `ids` whose metadata changed after the position, as it was there
 * (metadata-history.ts); the others' is the read model's, as it is now.
 */
async function metadataAt(db: Db, ids: string[], atPosition: number): Promise<Map<string, JsonObject | null>> {
  if (ids.length === 0) return new Map();
  const changed = await db
    .selectFrom('events')
    .select('transaction_id')
    .distinct()
    .where('transaction_id', 'in', ids)
    .where('type', '=', 'TransactionMetadataUpdated')
    .where('position', '>', atPosition)
    .execute();
  if (changed.length === 0) return new Map();
  return metadataKnownAt(
    db,
    'transaction',
    changed.map((row) => row.transaction_id!),
    atPosition,
  );
}

/** The events that change a hold's transaction after its placement. */
const HOLD_CHANGES = ['HoldCommitted', 'HoldVoided', 'HoldAdjusted', 'HoldExpired'];

/**
 * The holds among `ids` changed only after the position (captured, adjusted, voided, expired):
 * there, they are as their events up to the position left them.
 */
async function settledAfter(db: Db, ids: string[], atPosition: number): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('events')
    .select((eb) => ['transaction_id', eb.fn.max('position').as('changed')])
    .where('transaction_id', 'in', ids)
    .where('type', 'in', HOLD_CHANGES)
    .groupBy('transaction_id')
    .execute();
  return new Set(rows.filter((row) => Number(row.changed) > atPosition).map((row) => row.transaction_id!));
}

/**
 * Each hold as its events up to the position left it, by its first position: its placement, then
 * its adjustments, captures, void or expiry, read from the stream of the placement's account.
 */
async function placementsOf(
  db: Db,
  positions: number[],
  atPosition: number,
): Promise<Map<number, Partial<TransactionView>>> {
  if (positions.length === 0) return new Map();
  const placed = await db.selectFrom('events').selectAll().where('position', 'in', positions).execute();
  const views = new Map<number, Partial<TransactionView>>();
  for (const row of placed) {
    const stored = fromRow(row);
    const event = decodeAccountEvent(stored);
    if (event.type !== 'HoldPlaced')
      throw new Error(`invariant: position ${stored.position} is not a hold's placement`);
    const changes = await db
      .selectFrom('events')
      .selectAll()
      .where('stream_id', '=', stored.streamId)
      .where('transaction_id', '=', event.data.transactionId)
      .where('type', 'in', HOLD_CHANGES)
      .where('position', '<=', atPosition)
      .orderBy('position')
      .execute();
    views.set(stored.position, foldHold(stored, event.data.legs, changes.map(fromRow)));
  }
  return views;
}

/** A hold's view after its placement and these changes (in log order). */
function foldHold(placement: StoredEvent, placed: Leg[], changes: StoredEvent[]): Partial<TransactionView> {
  const { effectiveAt, recordedAt, position } = placement;
  let held = placed;
  let view: Partial<TransactionView> = { status: 'PENDING', legs: placed, effectiveAt, recordedAt, position };
  for (const stored of changes) {
    const event = decodeAccountEvent(stored);
    if (event.type === 'HoldAdjusted') held = event.data.legs;
    else if (event.type === 'HoldCommitted' && !event.data.final)
      held = legsMinus(held, alignToHold(held, event.data.legs));
    else if (event.type === 'HoldCommitted' || event.type === 'HoldVoided' || event.type === 'HoldExpired') {
      const { captured } = event.data;
      if (event.type === 'HoldCommitted' || captured.length > 0)
        return {
          status: 'POSTED',
          legs: captured,
          effectiveAt: stored.effectiveAt,
          recordedAt: stored.recordedAt,
          position: stored.position,
        };
      return { ...view, status: event.type === 'HoldVoided' ? 'VOIDED' : 'EXPIRED' };
    }
    view = { ...view, legs: held };
  }
  return view;
}
