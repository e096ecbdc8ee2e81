/**
 * The account statement valued in one currency: opening, closing and the period's debits and
 * credits valued (each total tied to its lines by a rounding line), and each line's amount and
 * running balance. At REPORT_DATE everything is at the price in force at the end of the period;
 * at POSTING_DATE each entry at its own effective time, the opening being everything before.
 */
import { normalSide, signedOnNormalSide } from '../domain/account.js';
import { Amount, ZERO, formatAmount } from '../domain/money.js';
import { exactValue, roundValue, tie, type ValuationDate } from '../domain/valuation.js';
import type { Db } from '../store/db.js';
import { before, FIRST_INSTANT } from './cut.js';
import { allStatementLines, type StatementHeader, type StatementLine } from './statement.js';
import type { ValuedMoney, ValuedTotal } from './valued-balances.js';
import type { Valuer } from './valuation.js';

export interface StatementValuation {
  currency: string;
  at: ValuationDate;
  opening: ValuedMoney;
  closing: ValuedMoney;
  totalDebits: ValuedTotal;
  totalCredits: ValuedTotal;
  /** closing − (opening + the valued movement of the rounded totals). */
  rounding: string;
}

export type ValuedStatementHeader = StatementHeader & { valuation?: StatementValuation; valuer?: Valuer };

export interface ValuedStatementLine {
  amount: ValuedMoney;
  runningBalance: { amount: string; currency: string };
}

/** The exact value of one entry of the statement. */
async function lineValue(valuer: Valuer, header: StatementHeader, line: Pick<StatementLine, 'amount' | 'effectiveAt'>) {
  const date = valuer.valuation.at === 'REPORT_DATE' ? before(header.to) : line.effectiveAt;
  const price = await valuer.price(header.account.currency, date);
  return { exact: exactValue(new Amount(line.amount), price), price };
}

/** The exact value of the balance before `from`. */
async function openingValue(db: Db, valuer: Valuer, header: StatementHeader) {
  const account = header.account;
  if (valuer.valuation.at === 'REPORT_DATE')
    return valuer.atDate(new Amount(header.opening), account.currency, before(header.to));
  if (header.from <= FIRST_INSTANT) return { exact: ZERO };
  return valuer.atPostings(db, account, { asOf: before(header.from) }, header);
}

export async function valueStatement(db: Db, header: StatementHeader, valuer: Valuer): Promise<ValuedStatementHeader> {
  const fmt = (v: Amount) => formatAmount(v, valuer.scale);
  const currency = valuer.currency;
  const opening = await openingValue(db, valuer, header);
  const debits: Amount[] = [];
  const credits: Amount[] = [];
  for await (const line of allStatementLines(db, header)) {
    const { exact } = await lineValue(valuer, header, line);
    (line.direction === 'DEBIT' ? debits : credits).push(exact);
  }
  const d = tie(debits, valuer.scale);
  const c = tie(credits, valuer.scale);
  const debitNormal = normalSide(header.account.type) === 'DEBIT';
  const movement = (dr: Amount, cr: Amount) => (debitNormal ? dr.minus(cr) : cr.minus(dr));
  const exactClosing = opening.exact.plus(
    movement(
      debits.reduce((s, v) => s.plus(v), ZERO),
      credits.reduce((s, v) => s.plus(v), ZERO),
    ),
  );
  const [ro, rc] = [roundValue(opening.exact, valuer.scale), roundValue(exactClosing, valuer.scale)];
  // At REPORT_DATE one price serves every figure; at POSTING_DATE the closing has several.
  const price = valuer.valuation.at === 'REPORT_DATE' ? (opening.price ?? null) : null;
  return {
    ...header,
    valuer,
    valuation: {
      ...valuer.valuation,
      opening: { amount: fmt(ro), currency, price },
      closing: { amount: fmt(rc), currency, price },
      totalDebits: { currency, total: fmt(d.total), rounding: fmt(d.rounding) },
      totalCredits: { currency, total: fmt(c.total), rounding: fmt(c.rounding) },
      rounding: fmt(rc.minus(ro.plus(movement(d.total, c.total)))),
    },
  };
}

/** A page of lines valued: each amount, and the running balance valued from everything up to it. */
export async function valueStatementLines(
  db: Db,
  header: StatementHeader,
  valuer: Valuer,
  lines: StatementLine[],
): Promise<ValuedStatementLine[]> {
  const fmt = (v: Amount) => formatAmount(roundValue(v, valuer.scale), valuer.scale);
  const currency = valuer.currency;
  const first = lines[0];
  if (!first) return [];
  const account = header.account;
  // The exact valued balance before the page: everything up to the line before the first.
  let running =
    valuer.valuation.at === 'REPORT_DATE'
      ? (
          await valuer.atDate(
            new Amount(first.runningBalance).minus(signedOnNormalSide(account.type, first)),
            account.currency,
            before(header.to),
          )
        ).exact
      : (await valuer.atPostings(db, account, { asOf: first.effectiveAt, through: first }, header)).exact.minus(
          signedExact(account.type, first, await lineValue(valuer, header, first)),
        );
  const out: ValuedStatementLine[] = [];
  for (const line of lines) {
    const value = await lineValue(valuer, header, line);
    running = running.plus(signedExact(account.type, line, value));
    out.push({
      amount: { amount: fmt(value.exact), currency, price: value.price ?? null },
      runningBalance: { amount: fmt(running), currency },
    });
  }
  return out;
}

function signedExact(
  type: StatementHeader['account']['type'],
  line: Pick<StatementLine, 'direction'>,
  value: { exact: Amount },
): Amount {
  return line.direction === normalSide(type) ? value.exact : value.exact.negated();
}
