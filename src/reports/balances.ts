/**
 * Trial balance, balance sheet and income statement: every account's balance from the as-of
 * index at one fixed log position, then sums per currency (never across currencies).
 */
import { ACCOUNT_TYPES, normalSide, type AccountType } from '../domain/account.js';
import { Amount, ZERO, formatAmount, parseCurrency } from '../domain/money.js';
import { balanceAtPosition, listAccounts, type AccountView } from '../ledger/queries.js';
import type { Db } from '../store/db.js';
import { before, breathe, type ReportCut } from './cut.js';

export interface TrialBalanceLine {
  code: string;
  name: string;
  type: AccountType;
  currency: string;
  /** The balance on its debit or credit side: one of the two is zero. */
  debit: string;
  credit: string;
}

export interface Subtotal {
  /** An account type, or a code prefix ("assets", "assets:bank"). */
  key: string;
  currency: string;
  debit: string;
  credit: string;
}

export interface CurrencyTotal {
  currency: string;
  debit: string;
  credit: string;
  balanced: boolean;
}

export interface TrialBalance extends ReportCut {
  asOf: string;
  lines: TrialBalanceLine[];
  byType: Subtotal[];
  byPrefix: Subtotal[];
  totals: CurrencyTotal[];
  balanced: boolean;
}

/** Accounts as the log knew them at the cut and opened (effective) by `asOf`, in code order, with their balances then. */
export async function* balancesAt(
  db: Db,
  asOf: string,
  cut: ReportCut,
  types?: readonly AccountType[],
): AsyncGenerator<{ account: AccountView; balance: Amount }> {
  let afterCode: string | undefined;
  for (;;) {
    const page = await listAccounts(db, { afterCode, limit: 500 });
    for (const account of page.slice(0, 500)) {
      if (types && !types.includes(account.type)) continue;
      if (account.openedAt > asOf) continue;
      const balance = await balanceAtPosition(db, account, asOf, cut.atPosition);
      if (balance.version === 0) continue; // opened after the cut
      yield { account, balance: new Amount(balance.posted) };
    }
    if (page.length <= 500) return;
    afterCode = page[499]!.code;
    await breathe();
  }
}

/** Sums of debit and credit columns, per key and currency, formatted at each currency's scale. */
class Sums {
  private readonly sums = new Map<string, { key: string; currency: string; debit: Amount; credit: Amount }>();

  add(key: string, currency: string, debit: Amount, credit: Amount): void {
    const id = `${key}\u0000${currency}`;
    const sum = this.sums.get(id) ?? { key, currency, debit: ZERO, credit: ZERO };
    sum.debit = sum.debit.plus(debit);
    sum.credit = sum.credit.plus(credit);
    this.sums.set(id, sum);
  }

  list(): Subtotal[] {
    return [...this.sums.values()]
      .sort((a, b) =>
        a.key < b.key ? -1 : a.key > b.key ? 1 : a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0,
      )
      .map((s) => ({
        key: s.key,
        currency: s.currency,
        debit: money(s.debit, s.currency),
        credit: money(s.credit, s.currency),
      }));
  }
}

function money(value: Amount, currency: string): string {
  return formatAmount(value, parseCurrency(currency).scale);
}

/** "assets:bank:checking" → ["assets", "assets:bank"]: the account's proper prefixes. */
function prefixes(code: string): string[] {
  const parts = code.split(':');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join(':'));
}

export async function trialBalance(db: Db, asOf: string, cut: ReportCut): Promise<TrialBalance> {
  const lines: TrialBalanceLine[] = [];
  const byType = new Sums();
  const byPrefix = new Sums();
  const totals = new Sums();
  for await (const { account, balance } of balancesAt(db, asOf, cut)) {
    // A positive balance sits on the normal side; a negative one on the other.
    const onDebit = (normalSide(account.type) === 'DEBIT') === !balance.isNegative();
    const debit = onDebit ? balance.abs() : ZERO;
    const credit = onDebit ? ZERO : balance.abs();
    lines.push({
      code: account.code,
      name: account.name,
      type: account.type,
      currency: account.currency,
      debit: money(debit, account.currency),
      credit: money(credit, account.currency),
    });
    byType.add(account.type, account.currency, debit, credit);
    for (const prefix of prefixes(account.code)) byPrefix.add(prefix, account.currency, debit, credit);
    totals.add('', account.currency, debit, credit);
  }
  const currencyTotals = totals
    .list()
    .map(({ currency, debit, credit }) => ({ currency, debit, credit, balanced: new Amount(debit).eq(credit) }));
  const typeOrder = (s: Subtotal) => ACCOUNT_TYPES.indexOf(s.key as AccountType);
  return {
    ...cut,
    asOf,
    lines,
    byType: byType.list().sort((a, b) => typeOrder(a) - typeOrder(b)),
    byPrefix: byPrefix.list(),
    totals: currencyTotals,
    balanced: currencyTotals.every((t) => t.balanced),
  };
}

export interface StatementSection {
  type: AccountType;
  lines: Array<{ code: string; name: string; currency: string; amount: string }>;
  totals: Array<{ currency: string; amount: string }>;
}

export interface BalanceSheet extends ReportCut {
  asOf: string;
  sections: StatementSection[];
  /** Per currency: assets, liabilities, equity, revenue less expenses not yet closed into equity, and whether A = L + E + earnings. */
  totals: Array<{
    currency: string;
    assets: string;
    liabilities: string;
    equity: string;
    earnings: string;
    balanced: boolean;
  }>;
}

export interface IncomeStatement extends ReportCut {
  from: string;
  to: string;
  sections: StatementSection[];
  totals: Array<{ currency: string; revenue: string; expenses: string; netIncome: string }>;
}

/** Sections per type, with amounts signed on each account's normal side. */
function sections(
  types: readonly AccountType[],
  items: Array<{ account: AccountView; amount: Amount }>,
): StatementSection[] {
  return types.map((type) => {
    const lines = items.filter((i) => i.account.type === type);
    const totals = new Sums();
    for (const { account, amount } of lines) totals.add('', account.currency, amount, ZERO);
    return {
      type,
      lines: lines.map(({ account, amount }) => ({
        code: account.code,
        name: account.name,
        currency: account.currency,
        amount: money(amount, account.currency),
      })),
      totals: totals.list().map((t) => ({ currency: t.currency, amount: t.debit })),
    };
  });
}

function totalOf(section: StatementSection | undefined, currency: string): Amount {
  return new Amount(section?.totals.find((t) => t.currency === currency)?.amount ?? 0);
}

export async function balanceSheet(db: Db, asOf: string, cut: ReportCut): Promise<BalanceSheet> {
  const items: Array<{ account: AccountView; amount: Amount }> = [];
  for await (const { account, balance } of balancesAt(db, asOf, cut)) items.push({ account, amount: balance });
  const [assets, liabilities, equity, revenue, expenses] = sections(ACCOUNT_TYPES, items);
  const currencies = [...new Set(items.map((i) => i.account.currency))].sort();
  return {
    ...cut,
    asOf,
    sections: [assets!, liabilities!, equity!],
    totals: currencies.map((currency) => {
      const a = totalOf(assets, currency);
      const l = totalOf(liabilities, currency);
      const e = totalOf(equity, currency);
      const earnings = totalOf(revenue, currency).minus(totalOf(expenses, currency));
      return {
        currency,
        assets: money(a, currency),
        liabilities: money(l, currency),
        equity: money(e, currency),
        earnings: money(earnings, currency),
        balanced: a.eq(l.plus(e).plus(earnings)),
      };
    }),
  };
}

export async function incomeStatement(
  db: Db,
  period: { from: string; to: string },
  cut: ReportCut,
): Promise<IncomeStatement> {
  const types = ['REVENUE', 'EXPENSE'] as const;
  const items: Array<{ account: AccountView; amount: Amount }> = [];
  for await (const { account, balance } of balancesAt(db, before(period.to), cut, types)) {
    const opening =
      account.openedAt < period.from
        ? new Amount((await balanceAtPosition(db, account, before(period.from), cut.atPosition)).posted)
        : ZERO;
    items.push({ account, amount: balance.minus(opening) });
  }
  const [revenue, expenses] = sections(types, items);
  const currencies = [...new Set(items.map((i) => i.account.currency))].sort();
  return {
    ...cut,
    ...period,
    sections: [revenue!, expenses!],
    totals: currencies.map((currency) => {
      const r = totalOf(revenue, currency);
      const x = totalOf(expenses, currency);
      return {
        currency,
        revenue: money(r, currency),
        expenses: money(x, currency),
        netIncome: money(r.minus(x), currency),
      };
    }),
  };
}
