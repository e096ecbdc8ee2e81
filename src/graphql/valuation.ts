/**
 * Valuation in reports (issue 22, point 3): the `valuation` argument, the valued fields the
 * trial balance, balance sheet and income statement gain, and PriceNotFound as a query error
 * with extensions.code PRICE_NOT_FOUND naming the pair and date.
 */
import { GraphQLError } from 'graphql';
import { parseCurrency } from '../domain/money.js';
import { PriceNotFound, type PriceUsed, type Valuation, type ValuationDate } from '../domain/valuation.js';
import type { ReportCut } from '../reports/cut.js';
import type {
  BalanceSheetValuation,
  IncomeStatementValuation,
  TrialBalanceValuation,
  ValuedMoney,
  ValuedSides,
  ValuedTotal,
} from '../reports/valued-balances.js';
import { pricesKnownAt, Valuer } from '../reports/valuation.js';
import type { StatementValuation, ValuedStatementLine } from '../reports/valued-statement.js';
import { asInput } from './bad-input.js';
import { builder, type GraphQLContext, type InkwellTypes } from './builder.js';
import { MoneyRef, moneyField } from './types/money.js';

export const ValuationDateRef = builder.enumType('ValuationDate', {
  description: 'Which date a valuation takes its prices at.',
  values: {
    REPORT_DATE: { description: 'Each balance at the report’s date (its asOf, or the end of its period).' },
    POSTING_DATE: {
      description: 'Each posting at its own effective time: a valued balance is the sum of its valued postings.',
    },
  } as const satisfies Record<ValuationDate, unknown>,
});

export const ValuationInputRef = builder.inputType('ValuationInput', {
  description: 'Show every amount also in `currency`, at the prices of `at` (docs/api.md, Valuation).',
  fields: (t) => ({
    currency: t.string({ required: true, description: 'The currency to value in: ISO 4217 or a custom CODE/SCALE.' }),
    at: t.field({ type: ValuationDateRef, required: true, description: 'REPORT_DATE or POSTING_DATE.' }),
  }),
});

export const PriceUsedRef = builder.objectRef<PriceUsed>('PriceUsed').implement({
  description:
    'The recorded price a value used: one `base` is worth `rate` `quote`. When `inverse`, only the reverse pair was recorded and the amount was divided by the rate.',
  fields: (t) => ({
    base: t.exposeString('base', { description: 'The base currency of the recorded price.' }),
    quote: t.exposeString('quote', { description: 'The quote currency of the recorded price.' }),
    rate: t.expose('rate', { type: 'Decimal', description: 'The recorded rate, exact.' }),
    effectiveAt: t.expose('effectiveAt', { type: 'DateTime', description: 'When the price took effect.' }),
    inverse: t.exposeBoolean('inverse', { description: 'Whether the amount was divided by the rate.' }),
  }),
});

export const ValuedMoneyRef = builder.objectRef<ValuedMoney>('ValuedMoney').implement({
  description: 'An amount valued in the valuation currency, rounded half to even to its scale.',
  fields: (t) => ({
    value: moneyField(t, 'amount', 'The value.'),
    price: t.field({
      type: PriceUsedRef,
      nullable: true,
      description: 'The price used; null when already in that currency, or valued posting by posting (POSTING_DATE).',
      resolve: (v) => v.price,
    }),
  }),
});

export const ValuedTotalRef = builder.objectRef<ValuedTotal>('ValuedTotal').implement({
  description: 'A valued total and its rounding line: the valued lines plus `rounding` equal `total`.',
  fields: (t) => ({
    total: moneyField(t, 'total', 'The exact sum of the lines’ exact values, rounded once.'),
    rounding: moneyField(t, 'rounding', 'The total less the sum of the rounded lines.'),
  }),
});

export const ValuedTrialBalanceLineRef = builder.objectRef<ValuedSides>('ValuedTrialBalanceLine').implement({
  description: 'A trial balance line valued: its value on the debit or credit side (the other is zero).',
  fields: (t) => ({
    debit: moneyField(t, 'debit', 'A debit value, or zero.'),
    credit: moneyField(t, 'credit', 'A credit value, or zero.'),
    price: t.field({
      type: PriceUsedRef,
      nullable: true,
      description: 'The price used; null when already in that currency, or valued posting by posting.',
      resolve: (v) => v.price,
    }),
  }),
});

const headFields = <T extends Valuation>(t: PothosSchemaTypes.ObjectFieldBuilder<InkwellTypes, T>) => ({
  currency: t.string({ description: 'The valuation currency.', resolve: (v: T) => v.currency }),
  at: t.field({ type: ValuationDateRef, description: 'REPORT_DATE or POSTING_DATE.', resolve: (v: T) => v.at }),
});

export const TrialBalanceValuationRef = builder.objectRef<TrialBalanceValuation>('TrialBalanceValuation').implement({
  description: 'The valued totals of a trial balance, each with its rounding line.',
  fields: (t) => ({
    ...headFields(t),
    debit: t.field({ type: ValuedTotalRef, description: 'Valued debits.', resolve: (v) => v.debit }),
    credit: t.field({
      type: ValuedTotalRef,
      description: 'Valued credits.',
      resolve: (v) => v.credit,
    }),
    balanced: t.exposeBoolean('balanced', {
      description: 'Whether the exact valued debits equal the exact valued credits.',
    }),
  }),
});

export const BalanceSheetValuationRef = builder.objectRef<BalanceSheetValuation>('BalanceSheetValuation').implement({
  description:
    'The accounting equation valued: assets and liabilities at the valuation date, equity and earnings at their posting dates, and the unrealised exchange gains and losses between them (docs/audit.md).',
  fields: (t) => ({
    ...headFields(t),
    assets: moneyField(t, 'assets', 'Total assets, valued.'),
    liabilities: moneyField(t, 'liabilities', 'Total liabilities, valued.'),
    equity: moneyField(t, 'equity', 'Total equity, valued at its posting dates.'),
    earnings: moneyField(t, 'earnings', 'Revenue less expenses to date, valued at their posting dates.'),
    unrealised: moneyField(
      t,
      'unrealised',
      'Unrealised exchange gains (positive) or losses: (assets − liabilities) at the valuation date less the same at their posting dates.',
    ),
    rounding: moneyField(
      t,
      'rounding',
      'assets − (liabilities + equity + earnings + unrealised), of the rounded figures.',
    ),
    balanced: t.exposeBoolean('balanced', {
      description: 'Whether assets = liabilities + equity + earnings + unrealised, exactly before rounding.',
    }),
  }),
});

export const IncomeStatementValuationRef = builder
  .objectRef<IncomeStatementValuation>('IncomeStatementValuation')
  .implement({
    description: 'Revenue, expenses and net income valued, with the rounding line of net income.',
    fields: (t) => ({
      ...headFields(t),
      revenue: moneyField(t, 'revenue', 'Revenue over the period, valued.'),
      expenses: moneyField(t, 'expenses', 'Expenses over the period, valued.'),
      netIncome: moneyField(t, 'netIncome', 'The exact valued revenue less expenses, rounded once.'),
      rounding: moneyField(t, 'rounding', 'netIncome − (revenue − expenses), of the rounded figures.'),
    }),
  });

export const ValuedStatementLineRef = builder.objectRef<ValuedStatementLine>('ValuedStatementLine').implement({
  description: 'A statement line valued: its amount (with the price used) and the running balance.',
  fields: (t) => ({
    amount: t.field({ type: ValuedMoneyRef, description: 'The entry’s amount, valued.', resolve: (v) => v.amount }),
    runningBalance: t.field({
      type: MoneyRef,
      description: 'The exact valued balance after it, rounded once (not a sum of rounded lines).',
      resolve: (v) => v.runningBalance,
    }),
  }),
});

export const StatementValuationRef = builder.objectRef<StatementValuation>('StatementValuation').implement({
  description: 'A statement’s opening, closing and totals valued, with the rounding line that ties them.',
  fields: (t) => ({
    ...headFields(t),
    opening: t.field({ type: ValuedMoneyRef, description: 'The opening balance, valued.', resolve: (v) => v.opening }),
    closing: t.field({ type: ValuedMoneyRef, description: 'The closing balance, valued.', resolve: (v) => v.closing }),
    totalDebits: t.field({
      type: ValuedTotalRef,
      description: 'The period’s debits valued, tied to its lines.',
      resolve: (v) => v.totalDebits,
    }),
    totalCredits: t.field({
      type: ValuedTotalRef,
      description: 'The period’s credits valued, tied to its lines.',
      resolve: (v) => v.totalCredits,
    }),
    rounding: t.field({
      type: MoneyRef,
      description: 'closing − (opening + the movement of the valued totals on the account’s normal side).',
      resolve: (v) => ({ amount: v.rounding, currency: v.currency }),
    }),
  }),
});

/** The report's valuer, or null without a valuation; an unknown currency is a client error. */
export function valuerFor(
  ctx: GraphQLContext,
  valuation: { currency: string; at: ValuationDate } | null | undefined,
  cut: ReportCut,
): Valuer | null {
  if (!valuation) return null;
  const currency = asInput(() => parseCurrency(valuation.currency).code);
  return new Valuer({ currency, at: valuation.at }, pricesKnownAt(ctx.ledger.database.db, cut));
}

/** Runs a valuation: a missing price is the query's PRICE_NOT_FOUND error, naming the pair and date. */
export async function priced<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof PriceNotFound)
      throw new GraphQLError(error.message, {
        extensions: { code: error.code, base: error.base, quote: error.quote, asOf: error.asOf },
      });
    throw error;
  }
}
