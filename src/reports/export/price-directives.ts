/**
 * The journal's `P` directives: every price known at the cut, with its UTC effective date, so
 * `hledger bal -X CUR` values as Inkwell's valuation does. hledger keeps, per date, the directive
 * it read last: each pair's prices are written in effective order (the correction known last at
 * an instant only), so the last of a day is the one Inkwell uses at that day's end.
 */
import { priceSeries } from '../../ledger/prices.js';
import type { Db } from '../../store/db.js';
import { breathe, FIRST_INSTANT, type ReportCut } from '../cut.js';
import { commoditySymbol } from './commodity.js';
import type { Sink } from './write.js';

const LAST_INSTANT = '9999-12-31T23:59:59.999Z';

/** The pairs priced at the cut, in order. */
export async function pricedPairs(db: Db, cut: ReportCut): Promise<Array<{ base: string; quote: string }>> {
  return db
    .selectFrom('prices')
    .select(['base', 'quote'])
    .distinct()
    .where('position', '<=', cut.atPosition)
    .orderBy('base')
    .orderBy('quote')
    .execute();
}

export async function writePriceDirectives(
  db: Db,
  cut: ReportCut,
  pairs: ReadonlyArray<{ base: string; quote: string }>,
  sink: Sink,
): Promise<void> {
  if (pairs.length > 0) await sink.write('\n; Prices: one base unit is worth the amount (effective date, UTC).\n');
  for (const { base, quote } of pairs) {
    let after: string | undefined;
    for (;;) {
      const page = await priceSeries(db, {
        base,
        quote,
        from: FIRST_INSTANT,
        to: LAST_INSTANT,
        knownAt: cut.knownAt,
        after,
        limit: 1000,
      });
      const lines = page.map(
        (p) =>
          `P ${p.effectiveAt.slice(0, 10)} ${commoditySymbol(base)} ${p.rate} ${commoditySymbol(quote)}  ; effective:${p.effectiveAt}\n`,
      );
      if (lines.length > 0) await sink.write(lines.join(''));
      if (page.length < 1000) break;
      after = page[page.length - 1]!.effectiveAt;
      await breathe();
    }
  }
}
