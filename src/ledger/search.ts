/**
 * Searching the journal's entries across accounts, pinned to a log position: what was posted at or
 * before `atPosition`, filtered (domain/filters.ts), in log order. Entries never change once
 * written, so a search pinned to one position answers the same however the log grows — paging
 * never skips or repeats. SQL narrows by every indexed field; exact amount bounds are compared as
 * decimals in code (amounts are stored as text), reading on until the page is full.
 */
import { entryMatches, literalPrefix, matchesPattern, type SearchFilter } from '../domain/filters.js';
import { sql } from 'kysely';
import type { Db } from '../store/db.js';
import { leadingPositions, metadataConditions, type IndexRef } from './metadata-filter.js';
import { codeAtOrBelow, toEntryView, type EntryView } from './queries.js';
import { scan } from './scan.js';

export type SortOrder = 'ASC' | 'DESC';

/** An entry as searches read it: with its transaction's idempotency key. */
type EntryRow = EntryView & { idempotencyKey: string };

/** An entry's place in the log: the key of its cursor. */
export interface EntryKey {
  position: number;
  legIndex: number;
}

export interface EntrySearch {
  filter: SearchFilter;
  atPosition: number;
  /** The index read for each metadata path of the filter (subscribers/metadata-index.ts indexesAt). */
  indexes?: ReadonlyMap<string, IndexRef>;
  order: SortOrder;
  after?: EntryKey;
  limit: number;
}

/** Up to `limit + 1` entries (one more tells there is a next page). */
export async function searchEntries(db: Db, search: EntrySearch): Promise<EntryView[]> {
  const query = await entryQuery(db, search);
  if (!query) return [];
  const { filter, order, limit } = search;
  // Without amount bounds SQL judges everything: read exactly one page (and one more row).
  if (filter.minAmount === undefined && filter.maxAmount === undefined)
    return page(query, order, search.after, limit + 1);
  return scan<EntryRow>(
    (after, size) => page(query, order, after ?? search.after, size),
    (row) => entryMatches(filter, row),
    limit + 1,
  );
}

/** How many entries match, at that position. */
export async function countEntries(
  db: Db,
  filter: SearchFilter,
  atPosition: number,
  indexes?: ReadonlyMap<string, IndexRef>,
): Promise<number> {
  const query = await entryQuery(db, { filter, atPosition, indexes });
  if (!query) return 0;
  if (filter.minAmount === undefined && filter.maxAmount === undefined) {
    const { count } = await query
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .executeTakeFirstOrThrow();
    return Number(count);
  }
  const rows = await scan<EntryRow>(
    (after, size) => page(query, 'ASC', after, size),
    (row) => entryMatches(filter, row),
    Infinity,
  );
  return rows.length;
}

/** The account codes a pattern stands for (null: no pattern); accounts are few beside entries. */
async function codesFor(db: Db, filter: SearchFilter): Promise<string[] | null> {
  const pattern = filter.accountPattern;
  if (pattern === undefined) return null;
  const prefix = literalPrefix(pattern);
  let query = db.selectFrom('accounts').select('code');
  if (prefix !== null) query = query.where(codeAtOrBelow(prefix));
  const rows = await query.execute();
  return rows.map((r) => r.code).filter((code) => matchesPattern(pattern, code));
}

type EntriesQuery = ReturnType<typeof baseQuery>;

function baseQuery(db: Db) {
  return db.selectFrom('entries').innerJoin('transactions', 'transactions.id', 'entries.transaction_id');
}

/** Every SQL-able condition of the filter; null when nothing can match. */
async function entryQuery(
  db: Db,
  { filter, atPosition, indexes }: Omit<EntrySearch, 'order' | 'after' | 'limit'>,
): Promise<EntriesQuery | null> {
  if (filter.status !== undefined && !filter.status.includes('POSTED')) return null;
  const codes = await codesFor(db, filter);
  if (codes !== null && codes.length === 0) return null;
  let query = baseQuery(db).where('entries.position', '<=', atPosition);
  if (codes !== null) query = query.where('entries.account_code', 'in', codes);
  if (filter.account !== undefined) query = query.where('entries.account_code', '=', filter.account);
  const prefix = filter.accountPrefix;
  if (prefix !== undefined) {
    const [from, to] = belowRange(prefix);
    query = query.where((eb) =>
      eb.or([
        eb('entries.account_code', '=', prefix),
        eb.and([eb('entries.account_code', '>=', from), eb('entries.account_code', '<', to)]),
      ]),
    );
  }
  if (filter.effectiveFrom !== undefined) query = query.where('entries.effective_at', '>=', filter.effectiveFrom);
  if (filter.effectiveTo !== undefined) query = query.where('entries.effective_at', '<=', filter.effectiveTo);
  if (filter.effectiveBefore !== undefined) query = query.where('entries.effective_at', '<', filter.effectiveBefore);
  if (filter.recordedFrom !== undefined) query = query.where('entries.recorded_at', '>=', filter.recordedFrom);
  if (filter.recordedTo !== undefined) query = query.where('entries.recorded_at', '<=', filter.recordedTo);
  if (filter.currency !== undefined) query = query.where('entries.currency', '=', filter.currency);
  if (filter.idempotencyKey !== undefined)
    query = query.where('transactions.idempotency_key', '=', filter.idempotencyKey);
  if (filter.metadata !== undefined) {
    query = query.where(metadataConditions(sql.ref('entries.transaction_id'), filter.metadata, indexes!, atPosition));
    const leading = await leadingPositions(db, sql.ref('entries.position'), filter.metadata, indexes!, atPosition);
    if (leading) query = query.where(leading);
  }
  return query;
}

/** The codes below a prefix, as an index range: ":" sorts just before ";". */
function belowRange(prefix: string): [string, string] {
  return [`${prefix}:`, `${prefix};`];
}

async function page(
  query: EntriesQuery,
  order: SortOrder,
  after: EntryKey | undefined,
  limit: number,
): Promise<EntryRow[]> {
  let q = query;
  if (after) {
    const beyond = order === 'ASC' ? '>' : '<';
    q = q.where((eb) =>
      eb.or([
        eb('entries.position', beyond, after.position),
        eb.and([eb('entries.position', '=', after.position), eb('entries.leg_index', beyond, after.legIndex)]),
      ]),
    );
  }
  const direction = order === 'ASC' ? 'asc' : 'desc';
  const rows = await q
    .selectAll('entries')
    .select('transactions.idempotency_key')
    .orderBy('entries.position', direction)
    .orderBy('entries.leg_index', direction)
    .limit(limit)
    .execute();
  return rows.map((row) => ({ ...toEntryView(row), idempotencyKey: row.idempotency_key }));
}
