/**
 * Listing accounts by a filter (issue 19, point 4): SQL narrows by prefix, type, status and
 * currency; the pattern and the balance bound are judged in code — the balance as of the times
 * asked for — reading on in code order until the page is full.
 */
import { accountMatches, literalPrefix, type AccountFilter } from '../domain/filters.js';
import { Amount } from '../domain/money.js';
import { sql } from 'kysely';
import type { Db } from '../store/db.js';
import { metadataConditions, type IndexRef } from './metadata-filter.js';
import { balanceAtPosition, codeAtOrBelow, pendingOf, toAccountView, type AccountView } from './queries.js';
import { scan } from './scan.js';

export interface AccountSearch {
  filter: AccountFilter;
  afterCode?: string;
  limit: number;
  /** Where a balance bound is judged: effective time, and the log position known then. */
  asOf: string;
  atPosition: number;
  /** The request's time when asOf and knownAt are now (holds then count); null otherwise. */
  now: string | null;
  /** The index read for each metadata path of the filter (subscribers/metadata-index.ts indexesAt). */
  indexes?: ReadonlyMap<string, IndexRef>;
}

/** Up to `limit + 1` accounts in code order (one more tells there is a next page). */
export async function searchAccounts(db: Db, search: AccountSearch): Promise<AccountView[]> {
  return scan(
    (last, size) => candidates(db, search, last?.code ?? search.afterCode, size),
    async (account) => accountMatches(search.filter, await factsOf(db, account, search)),
    search.limit + 1,
  );
}

/** The account as the filter reads it; balances only when a bound needs them. */
async function factsOf(db: Db, account: AccountView, search: AccountSearch) {
  const facts = { ...account, posted: '0', available: '0' };
  if (search.filter.balance === undefined) return facts;
  const { posted } = await balanceAtPosition(db, account, search.asOf, search.atPosition);
  const pending = search.now === null ? '0' : await pendingOf(db, account, search.now);
  return { ...facts, posted, available: new Amount(posted).minus(pending).toFixed() };
}

async function candidates(db: Db, search: AccountSearch, afterCode: string | undefined, limit: number) {
  const { filter } = search;
  let query = db.selectFrom('accounts').selectAll();
  // The metadata as known at the position read (an account's metadata changes only as it is recorded).
  if (filter.metadata !== undefined)
    query = query.where(
      metadataConditions(sql.ref('accounts.code'), filter.metadata, search.indexes!, search.atPosition),
    );
  if (afterCode !== undefined) query = query.where('code', '>', afterCode);
  const prefix = filter.prefix ?? (filter.pattern === undefined ? null : literalPrefix(filter.pattern));
  if (prefix) query = query.where(codeAtOrBelow(prefix));
  if (filter.type !== undefined) query = query.where('type', '=', filter.type);
  if (filter.status !== undefined) {
    if (filter.status.length === 0) return [];
    query = query.where('status', 'in', [...filter.status]);
  }
  if (filter.currency !== undefined) query = query.where('currency', '=', filter.currency);
  const rows = await query.orderBy('code').limit(limit).execute();
  return rows.map(toAccountView);
}
