/**
 * The hledger journal: every transaction the ledger knew at a cut, with its UTC effective date,
 * description, legs and exact amounts, so accountants can check Inkwell with hledger.
 * Transactions come in log order (hledger sorts by date itself); ids and exact times are comments.
 * Every commodity is declared first and every account last (with its type), so that
 * `hledger check --strict` passes.
 */
import type { Leg } from '../../domain/account.js';
import { rateOf, type Exchange } from '../../domain/exchanges.js';
import { parseCurrency } from '../../domain/money.js';
import type { Db } from '../../store/db.js';
import { breathe, type ReportCut } from '../cut.js';
import { writeAccountDirectives } from './account-directives.js';
import { commoditySymbol } from './commodity.js';
import { pricedPairs, writePriceDirectives } from './price-directives.js';
import type { Progress, Sink } from './write.js';

export { commoditySymbol };

/**
 * The exchanges a transaction made, as comments: their conversion legs (on the conversion
 * accounts, as hledger's --infer-equity writes them) are among its legs already.
 */
function exchangeComments(stored: string | null): string {
  if (stored === null) return '';
  return (JSON.parse(stored) as Exchange[])
    .map(
      (e) =>
        `    ; exchange: ${e.from.amount} ${commoditySymbol(e.from.currency)} -> ${e.to.amount} ${commoditySymbol(e.to.currency)}, rate ${rateOf(e)}\n`,
    )
    .join('');
}

/** A description on one line, without what hledger would read as a comment. */
function oneLine(text: string | null): string {
  return (text ?? '')
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/;/g, ',')
    .trim();
}

export async function writeJournal(db: Db, cut: ReportCut, sink: Sink, progress?: Progress): Promise<number> {
  await sink.write(
    `; Inkwell journal: every transaction known at ${cut.knownAt} (log position ${cut.atPosition}).\n` +
      `; Dates are UTC effective dates; each transaction's code is its log position.\n\n`,
  );
  // Commodity directives fix each currency's decimal places (a zero-decimal one needs the trailing "."),
  // those only priced included, so that `hledger bal -X CUR` shows CUR at its scale.
  const accountCurrencies = await db.selectFrom('accounts').select('currency').distinct().execute();
  const pairs = await pricedPairs(db, cut);
  const currencies = new Set([...accountCurrencies.map((c) => c.currency), ...pairs.flatMap((p) => [p.base, p.quote])]);
  for (const currency of [...currencies].sort()) {
    const { scale } = parseCurrency(currency);
    await sink.write(`commodity 1000${scale > 0 ? `.${'0'.repeat(scale)}` : '.'} ${commoditySymbol(currency)}\n`);
  }
  await writePriceDirectives(db, cut, pairs, sink);
  let after = 0;
  let count = 0;
  const used = new Set<string>();
  for (;;) {
    const rows = await db
      .selectFrom('transactions')
      .select(['id', 'position', 'effective_at', 'recorded_at', 'description', 'legs', 'exchanges'])
      .where('position', '>', after)
      .where('position', '<=', cut.atPosition)
      .orderBy('position')
      .limit(1000)
      .execute();
    for (const row of rows) {
      const legs = JSON.parse(row.legs) as Leg[];
      for (const leg of legs) used.add(leg.account);
      const lines = legs.map(
        (leg) =>
          `    ${leg.account}  ${leg.direction === 'DEBIT' ? '' : '-'}${leg.amount} ${commoditySymbol(leg.currency)}`,
      );
      await sink.write(
        `\n${row.effective_at.slice(0, 10)} (${row.position}) ${oneLine(row.description)}\n` +
          `    ; id:${row.id}, effective:${row.effective_at}, recorded:${row.recorded_at}\n` +
          exchangeComments(row.exchanges) +
          `${lines.join('\n')}\n`,
      );
      count += 1;
    }
    progress?.(count, null);
    if (rows.length < 1000) {
      await writeAccountDirectives(db, used, sink);
      return count;
    }
    after = Number(rows[rows.length - 1]!.position);
    await breathe();
  }
}
