/**
 * Prices, read (issue 22, point 1): the stable interface valuation and import build on.
 *
 * Every answer is bitemporal: a price counts when `effectiveAt <= asOf` and `recordedAt <=
 * knownAt` (both inclusive, as balances count events), and between two prices of one pair at the
 * same effectiveAt the later-recorded one (a correction) wins. Only recorded pairs are answered:
 * EUR/USD never answers USD/EUR (domain/prices.ts says why). Times are the stored form
 * (parseInstant: UTC with milliseconds), which orders as text.
 */
import type { RecordedPrice } from '../domain/prices.js';
import type { Db } from '../store/db.js';
import type { PricesTable } from '../store/schema.js';

export interface PriceAnswer {
  /** Exact decimal text, canonical (no trailing zeros). */
  rate: string;
  effectiveAt: string;
  recordedAt: string;
}

export interface PriceQuery {
  base: string;
  quote: string;
  asOf: string;
  knownAt: string;
}

export const pairKey = (base: string, quote: string): string => `${base}:${quote}`;

export function toRecorded(row: PricesTable): RecordedPrice {
  return {
    base: row.base,
    quote: row.quote,
    rate: row.rate,
    effectiveAt: row.effective_at,
    recordedAt: row.recorded_at,
    position: Number(row.position),
  };
}

const answer = (p: RecordedPrice): PriceAnswer => ({
  rate: p.rate,
  effectiveAt: p.effectiveAt,
  recordedAt: p.recordedAt,
});

/** The latest price of base in quote effective at or before asOf, as known at knownAt; null when none. */
export async function priceAt(db: Db, query: PriceQuery): Promise<PriceAnswer | null> {
  const row = await db
    .selectFrom('prices')
    .selectAll()
    .where('base', '=', query.base)
    .where('quote', '=', query.quote)
    .where('effective_at', '<=', query.asOf)
    .where('recorded_at', '<=', query.knownAt)
    .orderBy('effective_at', 'desc')
    .orderBy('position', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? answer(toRecorded(row)) : null;
}

/**
 * priceAt for many pairs at once (a report's currencies), keyed by pairKey(base, quote): one
 * indexed lookup per distinct pair, each answered as priceAt answers it; null where none.
 */
export async function pricesUpTo(
  db: Db,
  pairs: ReadonlyArray<{ base: string; quote: string }>,
  asOf: string,
  knownAt: string,
): Promise<Map<string, PriceAnswer | null>> {
  const out = new Map<string, PriceAnswer | null>();
  for (const { base, quote } of pairs) {
    const key = pairKey(base, quote);
    if (!out.has(key)) out.set(key, await priceAt(db, { base, quote, asOf, knownAt }));
  }
  return out;
}

/**
 * A pair's prices effective in [from, to] as known at knownAt, in effective order: one per
 * effective instant (the correction known last wins), at most `limit`, after the instant `after`
 * (exclusive; a page's cursor). The history a POSTING_DATE valuation or a journal's P directives read.
 */
export async function priceSeries(
  db: Db,
  query: { base: string; quote: string; from: string; to: string; knownAt: string; after?: string; limit?: number },
): Promise<RecordedPrice[]> {
  const { base, quote, from, to, knownAt } = query;
  let select = db
    .selectFrom('prices as p')
    .selectAll('p')
    .where('p.base', '=', base)
    .where('p.quote', '=', quote)
    .where('p.effective_at', '>=', from)
    .where('p.effective_at', '<=', to)
    .where('p.recorded_at', '<=', knownAt)
    // The last correction known at knownAt for that instant: no later one recorded by then.
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('prices as q')
            .select('q.position')
            .whereRef('q.base', '=', 'p.base')
            .whereRef('q.quote', '=', 'p.quote')
            .whereRef('q.effective_at', '=', 'p.effective_at')
            .whereRef('q.position', '>', 'p.position')
            .where('q.recorded_at', '<=', knownAt),
        ),
      ),
    )
    .orderBy('p.effective_at');
  if (query.after !== undefined) select = select.where('p.effective_at', '>', query.after);
  if (query.limit !== undefined) select = select.limit(query.limit);
  return (await select.execute()).map(toRecorded);
}

/** Every recorded price of a pair at one effective instant (all corrections), for the command. */
export async function pricesAtInstant(
  db: Db,
  base: string,
  quote: string,
  effectiveAt: string,
): Promise<RecordedPrice[]> {
  const rows = await db
    .selectFrom('prices')
    .selectAll()
    .where('base', '=', base)
    .where('quote', '=', quote)
    .where('effective_at', '=', effectiveAt)
    .orderBy('position')
    .execute();
  return rows.map(toRecorded);
}

/** The version of the pair's stream: its events so far (0 when none). */
export async function priceStreamVersion(db: Db, base: string, quote: string): Promise<number> {
  const row = await db
    .selectFrom('prices')
    .select((eb) => eb.fn.max('version').as('version'))
    .where('base', '=', base)
    .where('quote', '=', quote)
    .executeTakeFirst();
  return Number(row?.version ?? 0);
}
