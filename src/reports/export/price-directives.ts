/**
 * The journal's `P` directives: every price known at the cut, with its UTC effective date, so
 * `hledger bal -X CUR` values as Inkwell's valuation does. hledger keeps, per date, the directive
 * it read last: each pair's prices are written in effective order (the correction known last at
 * an instant only), so the last of a day is the one Inkwell uses at that day's end.
 */
import type { Db } from '../../store/db.js';
import type { ReportCut } from '../cut.js';
import { priceHistory } from '../valuation.js';
import { commoditySymbol } from './commodity.js';
import type { Sink } from './write.js';

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
    for await (const page of priceHistory(db, base, quote, cut.knownAt)) {
      const lines = page.map(
        (p) =>
          `P ${p.effectiveAt.slice(0, 10)} ${commoditySymbol(base)} ${p.rate} ${commoditySymbol(quote)}  ; effective:${p.effectiveAt}\n`,
      );
      await sink.write(lines.join(''));
    }
  }
}
