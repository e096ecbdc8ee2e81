/**
 * The valuer of one report: finds the price of each currency in the target currency at a date,
 * as known at the report's cut, and values balances at one date or posting by posting.
 *
 * Which price: the latest price of the pair (base → target) effective at or before the date; when
 * the pair has none by then, the latest of the reverse pair (target → base), divided by — as hledger
 * does, and a direct price is preferred even to a newer reverse one, as hledger 1.25 also does.
 * Chains (GBP → EUR → USD) are not followed: every value names the one price it used, and a pair
 * with neither price is PriceNotFound, never a silent zero.
 */
import { signedOnNormalSide, type AccountType } from '../domain/account.js';
import type { RecordedPrice } from '../domain/prices.js';
import { type Amount, ZERO, parseCurrency } from '../domain/money.js';
import { exactValue, PriceNotFound, type PriceUsed, type Valuation } from '../domain/valuation.js';
import { priceAt, priceSeries } from '../ledger/prices.js';
import { entriesAfter } from '../ledger/queries.js';
import type { Db } from '../store/db.js';
import { breathe, FIRST_INSTANT, LAST_INSTANT, type ReportCut } from './cut.js';

export interface PricePoint {
  rate: string;
  effectiveAt: string;
}

/** The recorded prices a report reads, as known at its cut. */
export interface PriceSource {
  /** The latest price of base in quote effective at or before asOf, or null. */
  at(base: string, quote: string, asOf: string): Promise<PricePoint | null>;
  /** Every price of the pair, one per effective instant (the correction known last), in effective order. */
  history(base: string, quote: string): Promise<PricePoint[]>;
}

/** The last point effective at or before asOf, by binary search. */
function latestBy(points: readonly PricePoint[], asOf: string): PricePoint | null {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.effectiveAt <= asOf) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? points[lo - 1]! : null;
}

/** A posting's place in effective-time order (a statement line's key). */
export interface PostingKey {
  effectiveAt: string;
  position: number;
  legIndex: number;
}

export interface Valued {
  exact: Amount;
  /** The price used; undefined when the amount is already in the target currency or was valued posting by posting. */
  price?: PriceUsed;
}

export class Valuer {
  readonly scale: number;
  private readonly prices = new Map<string, Promise<PriceUsed>>();
  private readonly histories = new Map<string, Promise<PricePoint[]>>();

  constructor(
    readonly valuation: Valuation,
    private readonly source: PriceSource,
  ) {
    this.scale = parseCurrency(valuation.currency).scale;
  }

  get currency(): string {
    return this.valuation.currency;
  }

  /** The price of `currency` in the target currency at `asOf` (undefined: it is the target). Cached per report. */
  price(currency: string, asOf: string): Promise<PriceUsed> | undefined {
    if (currency === this.currency) return undefined;
    const key = `${currency}\u0000${asOf}`;
    let price = this.prices.get(key);
    if (!price) {
      price = this.find(currency, asOf);
      this.prices.set(key, price);
    }
    return price;
  }

  /**
   * One price: at REPORT_DATE a report needs a few, each one indexed lookup; posting by posting it
   * needs one per distinct effective time, so the pair's history is read once and searched in memory.
   */
  private lookup(base: string, quote: string, asOf: string): Promise<PricePoint | null> {
    if (this.valuation.at === 'REPORT_DATE') return this.source.at(base, quote, asOf);
    const key = `${base}\u0000${quote}`;
    let history = this.histories.get(key);
    if (!history) {
      history = this.source.history(base, quote);
      this.histories.set(key, history);
    }
    return history.then((points) => latestBy(points, asOf));
  }

  private async find(base: string, asOf: string): Promise<PriceUsed> {
    const quote = this.currency;
    const direct = await this.lookup(base, quote, asOf);
    if (direct) return { base, quote, rate: direct.rate, effectiveAt: direct.effectiveAt, inverse: false };
    const reverse = await this.lookup(quote, base, asOf);
    if (reverse)
      return { base: quote, quote: base, rate: reverse.rate, effectiveAt: reverse.effectiveAt, inverse: true };
    throw new PriceNotFound(base, quote, asOf);
  }

  /** An amount of `currency` valued at one date. */
  async atDate(amount: Amount, currency: string, asOf: string): Promise<Valued> {
    const price = await this.price(currency, asOf);
    return { exact: exactValue(amount, price), price };
  }

  /**
   * An account's movement over [from, asOf], signed on its normal side, valued posting by posting
   * at each posting's own effective time: the exact sum of the exact values of its postings.
   */
  async atPostings(
    db: Db,
    account: { code: string; type: AccountType; currency: string },
    period: { from?: string; asOf: string; through?: PostingKey },
    cut: ReportCut,
  ): Promise<Valued> {
    let exact = ZERO;
    const through = period.through;
    let after = { position: 0, legIndex: -1 };
    for (;;) {
      let query = db
        .selectFrom('entries')
        .select(['position', 'leg_index', 'direction', 'amount', 'effective_at'])
        .where('account_code', '=', account.code)
        .where('effective_at', '<=', period.asOf)
        .where('position', '<=', cut.atPosition)
        .where(entriesAfter(after));
      if (period.from) query = query.where('effective_at', '>=', period.from);
      // Up to a statement line (its keyset: effective time, then log order), that line included.
      if (through)
        query = query.where((eb) =>
          eb.or([
            eb('effective_at', '<', through.effectiveAt),
            eb.and([eb('effective_at', '=', through.effectiveAt), eb('position', '<', through.position)]),
            eb.and([
              eb('effective_at', '=', through.effectiveAt),
              eb('position', '=', through.position),
              eb('leg_index', '<=', through.legIndex),
            ]),
          ]),
        );
      const rows = await query.orderBy('position').orderBy('leg_index').limit(1000).execute();
      for (const row of rows) {
        const amount = signedOnNormalSide(account.type, { direction: row.direction, amount: row.amount });
        exact = exact.plus(exactValue(amount, await this.price(account.currency, row.effective_at)));
      }
      if (rows.length < 1000) return { exact };
      const last = rows[rows.length - 1]!;
      after = { position: Number(last.position), legIndex: Number(last.leg_index) };
      await breathe();
    }
  }

  /** A balance valued as `at` says: at the report date, or posting by posting. */
  value(
    db: Db,
    account: { code: string; type: AccountType; currency: string },
    balance: Amount,
    period: { from?: string; asOf: string },
    cut: ReportCut,
  ): Promise<Valued> {
    return this.valuation.at === 'REPORT_DATE'
      ? this.atDate(balance, account.currency, period.asOf)
      : this.atPostings(db, account, period, cut);
  }
}

/** The prices a report reads: as known at its cut (a price recorded later does not change it). */
export function pricesKnownAt(db: Db, cut: ReportCut): PriceSource {
  return {
    at: (base, quote, asOf) => priceAt(db, { base, quote, asOf, knownAt: cut.knownAt }),
    history: async (base, quote) => {
      const points: PricePoint[] = [];
      for await (const page of priceHistory(db, base, quote, cut.knownAt))
        for (const p of page) points.push({ rate: p.rate, effectiveAt: p.effectiveAt });
      return points;
    },
  };
}

/** A pair's prices as known at knownAt, one per effective instant, in effective order, in pages of 1,000. */
export async function* priceHistory(
  db: Db,
  base: string,
  quote: string,
  knownAt: string,
): AsyncGenerator<RecordedPrice[]> {
  let after: string | undefined;
  for (;;) {
    const page = await priceSeries(db, {
      base,
      quote,
      from: FIRST_INSTANT,
      to: LAST_INSTANT,
      knownAt,
      after,
      limit: 1000,
    });
    if (page.length > 0) yield page;
    if (page.length < 1000) return;
    after = page[page.length - 1]!.effectiveAt;
    await breathe();
  }
}
