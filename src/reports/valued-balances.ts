/**
 * The trial balance, balance sheet and income statement valued in one currency: each line gains
 * its value (and the price used), each total its rounding line (domain/valuation.ts states the
 * rule), and the balance sheet its unrealised exchange gains and losses — see docs/audit.md.
 */
import { normalSide, type AccountType } from '../domain/account.js';
import { Amount, ZERO, formatAmount } from '../domain/money.js';
import { agree, tie, type PriceUsed, type ValuationDate } from '../domain/valuation.js';
import type { Db } from '../store/db.js';
import {
  balancesAt,
  type BalanceSheet,
  type IncomeStatement,
  type StatementSection,
  type TrialBalance,
  type TrialBalanceLine,
} from './balances.js';
import { before, type ReportCut } from './cut.js';
import type { Valued, Valuer } from './valuation.js';

export interface ValuedMoney {
  /** The value in the target currency, at its scale. */
  amount: string;
  currency: string;
  /** The price used (null: already in the target currency, or valued posting by posting). */
  price: PriceUsed | null;
}

export interface ValuedTotal {
  currency: string;
  total: string;
  /** total − Σ the valued lines. */
  rounding: string;
}

interface Head {
  currency: string;
  at: ValuationDate;
}

export interface ValuedSides {
  debit: string;
  credit: string;
  currency: string;
  price: PriceUsed | null;
}

export type ValuedTrialBalanceLine = TrialBalanceLine & { valued?: ValuedSides };

export interface TrialBalanceValuation extends Head {
  debit: ValuedTotal;
  credit: ValuedTotal;
  balanced: boolean;
}

export type ValuedSection = Omit<StatementSection, 'lines'> & {
  lines: Array<StatementSection['lines'][number] & { valued?: ValuedMoney }>;
  valuedTotal?: ValuedTotal;
};

export interface BalanceSheetValuation extends Head {
  assets: string;
  liabilities: string;
  equity: string;
  earnings: string;
  unrealised: string;
  /** assets − (liabilities + equity + earnings + unrealised), of the rounded figures. */
  rounding: string;
  balanced: boolean;
}

export interface IncomeStatementValuation extends Head {
  revenue: string;
  expenses: string;
  netIncome: string;
  /** netIncome − (revenue − expenses), of the rounded figures. */
  rounding: string;
}

const sum = (values: readonly Amount[]) => values.reduce((s, v) => s.plus(v), ZERO);

function signedNormal(type: AccountType, debit: string, credit: string): Amount {
  const raw = new Amount(debit).minus(credit);
  return normalSide(type) === 'DEBIT' ? raw : raw.negated();
}

export async function valueTrialBalance(
  db: Db,
  tb: TrialBalance,
  valuer: Valuer,
): Promise<Omit<TrialBalance, 'lines'> & { lines: ValuedTrialBalanceLine[]; valuation: TrialBalanceValuation }> {
  const fmt = (v: Amount) => formatAmount(v, valuer.scale);
  const values: Valued[] = [];
  for (const line of tb.lines) {
    const balance = signedNormal(line.type, line.debit, line.credit);
    values.push(await valuer.value(db, line, balance, { asOf: tb.asOf }, tb));
  }
  // The value's side, from its exact sign (on the debit side when positive on a debit-normal account).
  const debitSigned = values.map((v, i) => (normalSide(tb.lines[i]!.type) === 'DEBIT' ? v.exact : v.exact.negated()));
  const debits = tie(
    debitSigned.map((v) => (v.isPositive() && !v.isZero() ? v : ZERO)),
    valuer.scale,
  );
  const credits = tie(
    debitSigned.map((v) => (v.isNegative() && !v.isZero() ? v.negated() : ZERO)),
    valuer.scale,
  );
  const lines = tb.lines.map((line, i) => ({
    ...line,
    valued: {
      debit: fmt(debits.lines[i]!),
      credit: fmt(credits.lines[i]!),
      currency: valuer.currency,
      price: values[i]!.price ?? null,
    },
  }));
  return {
    ...tb,
    lines,
    valuation: {
      ...valuer.valuation,
      debit: { currency: valuer.currency, total: fmt(debits.total), rounding: fmt(debits.rounding) },
      credit: { currency: valuer.currency, total: fmt(credits.total), rounding: fmt(credits.rounding) },
      balanced: agree(sum(debitSigned), ZERO, valuer.scale),
    },
  };
}

/** A section's lines valued, and its tied total; returns the exact total too. */
async function valueSection(
  section: StatementSection,
  valuer: Valuer,
  value: (line: StatementSection['lines'][number]) => Promise<Valued>,
): Promise<{ section: ValuedSection; exact: Amount }> {
  const values: Valued[] = [];
  for (const line of section.lines) values.push(await value(line));
  const tied = tie(
    values.map((v) => v.exact),
    valuer.scale,
  );
  const fmt = (v: Amount) => formatAmount(v, valuer.scale);
  return {
    section: {
      ...section,
      lines: section.lines.map((line, i) => ({
        ...line,
        valued: { amount: fmt(tied.lines[i]!), currency: valuer.currency, price: values[i]!.price ?? null },
      })),
      valuedTotal: { currency: valuer.currency, total: fmt(tied.total), rounding: fmt(tied.rounding) },
    },
    exact: sum(values.map((v) => v.exact)),
  };
}

/**
 * Assets and liabilities valued as `at` says; equity and earnings always at their posting dates
 * (what they were worth when they happened). The unrealised exchange gain or loss is
 * (assets at the valuation date − assets at posting dates) − (the same for liabilities): with it,
 * assets = liabilities + equity + earnings + unrealised holds exactly. Zero when at is POSTING_DATE.
 */
export async function valueBalanceSheet(
  db: Db,
  sheet: BalanceSheet,
  valuer: Valuer,
): Promise<Omit<BalanceSheet, 'sections'> & { sections: ValuedSection[]; valuation: BalanceSheetValuation }> {
  const asOf = sheet.asOf;
  const historical = (type: AccountType) => (line: StatementSection['lines'][number]) =>
    valuer.atPostings(db, { ...line, type }, { asOf }, sheet);
  const current = (type: AccountType) => (line: StatementSection['lines'][number]) =>
    valuer.value(db, { ...line, type }, new Amount(line.amount), { asOf }, sheet);
  const [assets, liabilities, equity] = sheet.sections as [StatementSection, StatementSection, StatementSection];
  const a = await valueSection(assets, valuer, current('ASSET'));
  const l = await valueSection(liabilities, valuer, current('LIABILITY'));
  const e = await valueSection(equity, valuer, historical('EQUITY'));
  // At posting dates, for the unrealised line (the same figures when at is POSTING_DATE).
  const historicalTotal = async (section: StatementSection) => {
    if (valuer.valuation.at === 'POSTING_DATE') return null;
    let total = ZERO;
    for (const line of section.lines) total = total.plus((await historical(section.type)(line)).exact);
    return total;
  };
  const aThen = (await historicalTotal(assets)) ?? a.exact;
  const lThen = (await historicalTotal(liabilities)) ?? l.exact;
  let earnings = ZERO;
  for await (const { account } of balancesAt(db, asOf, sheet, ['REVENUE', 'EXPENSE'])) {
    const { exact } = await valuer.atPostings(db, account, { asOf }, sheet);
    earnings = account.type === 'REVENUE' ? earnings.plus(exact) : earnings.minus(exact);
  }
  const unrealised = a.exact.minus(aThen).minus(l.exact.minus(lThen));
  const round = (v: Amount) => tie([v], valuer.scale).total;
  const [ra, rl, re, rx, ru] = [a.exact, l.exact, e.exact, earnings, unrealised].map(round) as Amount[];
  const fmt = (v: Amount) => formatAmount(v, valuer.scale);
  return {
    ...sheet,
    sections: [a.section, l.section, e.section],
    valuation: {
      ...valuer.valuation,
      assets: fmt(ra!),
      liabilities: fmt(rl!),
      equity: fmt(re!),
      earnings: fmt(rx!),
      unrealised: fmt(ru!),
      rounding: fmt(ra!.minus(rl!).minus(re!).minus(rx!).minus(ru!)),
      // Before any rounding (up to quotients' 100 digits): the historical equation holds because every transaction balances per currency.
      balanced:
        agree(a.exact, l.exact.plus(e.exact).plus(earnings).plus(unrealised), valuer.scale) &&
        agree(aThen, lThen.plus(e.exact).plus(earnings), valuer.scale),
    },
  };
}

/** Each account's movement over [from, to), valued at the end of the period or posting by posting. */
export async function valueIncomeStatement(
  db: Db,
  statement: IncomeStatement,
  valuer: Valuer,
): Promise<Omit<IncomeStatement, 'sections'> & { sections: ValuedSection[]; valuation: IncomeStatementValuation }> {
  const period = { from: statement.from, asOf: before(statement.to) };
  const byType = (type: AccountType) => (line: StatementSection['lines'][number]) =>
    valuer.value(db, { ...line, type }, new Amount(line.amount), period, statement as ReportCut);
  const [revenue, expenses] = statement.sections as [StatementSection, StatementSection];
  const r = await valueSection(revenue, valuer, byType('REVENUE'));
  const x = await valueSection(expenses, valuer, byType('EXPENSE'));
  const round = (v: Amount) => tie([v], valuer.scale).total;
  const [rr, rx, rn] = [r.exact, x.exact, r.exact.minus(x.exact)].map(round) as Amount[];
  const fmt = (v: Amount) => formatAmount(v, valuer.scale);
  return {
    ...statement,
    sections: [r.section, x.section],
    valuation: {
      ...valuer.valuation,
      revenue: fmt(rr!),
      expenses: fmt(rx!),
      netIncome: fmt(rn!),
      rounding: fmt(rn!.minus(rr!.minus(rx!))),
    },
  };
}
