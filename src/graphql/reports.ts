/**
 * Reports: the account statement, trial balance, balance sheet, income statement (read) and
 * the audit trail (audit). Each states the `knownAt` and log position (`atPosition`) it was
 * computed at; the cursors of a paged report carry both, so later pages use the same cut.
 */
import { checkCode } from '../domain/limits.js';
import { parseInstant } from '../domain/time.js';
import { auditEvents, checkAuditFilter, type AuditEvent } from '../reports/audit-trail.js';
import {
  balanceSheet,
  incomeStatement,
  trialBalance,
  type BalanceSheet,
  type IncomeStatement,
  type Subtotal,
  type TrialBalance,
} from '../reports/balances.js';
import { loadBooks } from '../ledger/books.js';
import { reportCut, type ReportCut } from '../reports/cut.js';
import { statementHeader, statementLines, type LineKey, type StatementLine } from '../reports/statement.js';
import {
  valueStatement,
  valueStatementLines,
  type ValuedStatementHeader,
  type ValuedStatementLine,
} from '../reports/valued-statement.js';
import { builder, type GraphQLContext } from './builder.js';
import { connectionType, decodeCursor, encodeCursor, pageSize, toPage, type Page } from './connection.js';
import { AccountRef } from './types/account-ref.js';
import { AccountTypeRef } from './types/account.js';
import { TransactionRef } from './types/entry.js';
import { LedgerEventRef } from './types/event.js';
import { DirectionRef, MoneyRef, moneyField } from './types/money.js';
import { asInput, badInput } from './bad-input.js';
import { SAY } from './limit-text.js';
import { MAX_POSITION } from '../domain/limits.js';
import { valueBalanceSheet, valueIncomeStatement, valueTrialBalance } from '../reports/valued-balances.js';
import type {
  BalanceSheetValuation,
  IncomeStatementValuation,
  TrialBalanceValuation,
  ValuedSection,
  ValuedTrialBalanceLine,
} from '../reports/valued-balances.js';
import {
  BalanceSheetValuationRef,
  IncomeStatementValuationRef,
  priced,
  StatementValuationRef,
  TrialBalanceValuationRef,
  ValuationInputRef,
  valuerFor,
  ValuedMoneyRef,
  ValuedStatementLineRef,
  ValuedTotalRef,
  ValuedTrialBalanceLineRef,
} from './valuation.js';

const code = (value: string, field: string) => asInput(() => checkCode(value, field));

function period(from: string, to: string): { from: string; to: string } {
  if (from >= to) throw badInput(`from (${from}) must be before to (${to})`);
  return { from, to };
}

/** A paged report's cursor: the cut and the key, so every page counts the same events. */
function encodeReportCursor(kind: string, cut: ReportCut, key: string): string {
  return encodeCursor(kind, `${cut.knownAt}|${cut.atPosition}|${key}`);
}

function decodeReportCursor(kind: string, cursor: string | null | undefined): { cut: ReportCut; key: string } | null {
  const text = decodeCursor(kind, cursor, 'string');
  if (text === undefined) return null;
  const invalid = () => badInput(`after: not a cursor of this list (${kind})`);
  const match = /^([^|]{24})\|(\d{1,10})\|(.+)$/.exec(text);
  if (!match || Number(match[2]) > MAX_POSITION) throw invalid();
  try {
    return { cut: { knownAt: parseInstant(match[1]), atPosition: Number(match[2]) }, key: match[3]! };
  } catch {
    throw invalid();
  }
}

const cutFields = (t: any) => ({
  knownAt: t.expose('knownAt', {
    type: 'DateTime',
    description: 'The recorded time the ledger’s knowledge is taken at (never after now).',
  }),
  atPosition: t.exposeInt('atPosition', {
    description: 'The last log position counted: every figure of the report is as of this one position.',
  }),
  lockedThrough: t.field({
    type: 'DateTime',
    nullable: true,
    description: 'The books were closed through this instant at that position (null: no period closed).',
    resolve: async (r: ReportCut, _args: unknown, ctx: GraphQLContext) =>
      r.lockedThrough ?? (await loadBooks(ctx.ledger.database.db, r.atPosition)).lockedThrough,
  }),
});

const money = (amount: string, currency: string) => ({ amount, currency });

// ----- Account statement ----------------------------------------------------------------------

const StatementLineRef = builder
  .objectRef<StatementLine & { currency: string; valued?: ValuedStatementLine }>('StatementLine')
  .implement({
    description: 'One entry of a statement, with the balance after it.',
    fields: (t) => ({
      effectiveAt: t.expose('effectiveAt', { type: 'DateTime', description: 'When it counts.' }),
      recordedAt: t.expose('recordedAt', { type: 'DateTime', description: 'When the ledger recorded it.' }),
      transaction: t.field({
        type: TransactionRef,
        description: 'Its transaction.',
        resolve: async (l, _a, ctx) => (await ctx.transactions.load(l.transactionId))!,
      }),
      description: t.exposeString('description', { nullable: true, description: 'The transaction’s description.' }),
      counterAccounts: t.exposeStringList('counterAccounts', { description: 'The other accounts of the transaction.' }),
      direction: t.field({
        type: DirectionRef,
        description: 'Debit or credit to this account.',
        resolve: (l) => l.direction,
      }),
      amount: moneyField(t, 'amount', 'The amount of the entry.'),
      runningBalance: moneyField(t, 'runningBalance', 'The balance after it, on the account’s normal side.'),
      late: t.exposeBoolean('late', {
        description: 'Recorded at or after the end of the period (backdated into it after it closed).',
      }),
      valued: t.field({
        type: ValuedStatementLineRef,
        nullable: true,
        description: 'Its amount and running balance in the valuation currency (null without `valuation`).',
        resolve: (l) => l.valued ?? null,
      }),
    }),
  });

type StatementValue = ValuedStatementHeader;
const StatementLineConnection = connectionType('StatementLine', StatementLineRef, 'statement line');

const AccountStatementRef = builder.objectRef<StatementValue>('AccountStatement').implement({
  description: 'An account’s entries for [from, to) in effective-time order, with running balances.',
  fields: (t) => ({
    ...cutFields(t),
    account: t.field({ type: AccountRef, description: 'The account.', resolve: (s) => s.account }),
    from: t.expose('from', { type: 'DateTime', description: 'Start of the period (inclusive).' }),
    to: t.expose('to', { type: 'DateTime', description: 'End of the period (exclusive).' }),
    opening: t.field({
      type: MoneyRef,
      description: 'The balance of everything effective before `from`.',
      resolve: (s) => money(s.opening, s.account.currency),
    }),
    closing: t.field({
      type: MoneyRef,
      description: 'The balance of everything effective before `to`.',
      resolve: (s) => money(s.closing, s.account.currency),
    }),
    totalDebits: t.field({
      type: MoneyRef,
      description: 'Sum of the period’s debits.',
      resolve: (s) => money(s.totalDebits, s.account.currency),
    }),
    totalCredits: t.field({
      type: MoneyRef,
      description: 'Sum of the period’s credits.',
      resolve: (s) => money(s.totalCredits, s.account.currency),
    }),
    lineCount: t.exposeInt('lineCount', { description: 'Entries in the period.' }),
    valuation: t.field({
      type: StatementValuationRef,
      nullable: true,
      description: 'Opening, closing and totals in the valuation currency (null without `valuation`).',
      resolve: (s) => s.valuation ?? null,
    }),
    lines: t.field({
      type: StatementLineConnection,
      description: 'The entries, in effective-time order (then recording order).',
      args: {
        first: t.arg.int({ description: SAY.pageSize }),
        after: t.arg.string({ description: 'A cursor from a previous page.' }),
      },
      resolve: async (s, args, ctx) => {
        const limit = pageSize(args.first);
        const after = decodeReportCursor('statementLine', args.after);
        if (after && after.cut.atPosition !== s.atPosition)
          throw badInput(
            `after: this cursor belongs to the statement at log position ${after.cut.atPosition}: pass atPosition: ${after.cut.atPosition}`,
          );
        const key = after ? parseLineKey(after.key) : null;
        const rows = await statementLines(ctx.ledger.database.db, s, key, limit + 1);
        const valuer = s.valuer;
        const valued = valuer ? await priced(() => valueStatementLines(ctx.ledger.database.db, s, valuer, rows)) : [];
        const lines = rows.map((l, i) => ({ ...l, currency: s.account.currency, valued: valued[i] }));
        return toPage(lines, limit, args.after, (l) =>
          encodeReportCursor('statementLine', s, `${l.effectiveAt}|${l.position}|${l.legIndex}`),
        );
      },
    }),
  }),
});

function parseLineKey(key: string): LineKey {
  const invalid = () => badInput('after: not a cursor of this list (statementLine)');
  const match = /^([^|]{24})\|(\d{1,10})\|(\d{1,3})$/.exec(key);
  if (!match || Number(match[2]) > MAX_POSITION) throw invalid();
  try {
    return { effectiveAt: parseInstant(match[1]), position: Number(match[2]), legIndex: Number(match[3]) };
  } catch {
    throw invalid();
  }
}

// ----- Trial balance, balance sheet, income statement ------------------------------------------

const TrialBalanceLineRef = builder.objectRef<ValuedTrialBalanceLine>('TrialBalanceLine').implement({
  description: 'One account’s balance on its debit or credit side (the other is zero).',
  fields: (t) => ({
    code: t.exposeString('code', { description: 'The account code.' }),
    name: t.exposeString('name', { description: 'The account name.' }),
    type: t.field({ type: AccountTypeRef, description: 'The account type.', resolve: (l) => l.type }),
    debit: moneyField(t, 'debit', 'A debit balance, or zero.'),
    credit: moneyField(t, 'credit', 'A credit balance, or zero.'),
    valued: t.field({
      type: ValuedTrialBalanceLineRef,
      nullable: true,
      description: 'Its value in the valuation currency (null without `valuation`).',
      resolve: (l) => l.valued ?? null,
    }),
  }),
});

const SubtotalRef = builder.objectRef<Subtotal>('Subtotal').implement({
  description: 'Debit and credit sums of a group of accounts in one currency.',
  fields: (t) => ({
    key: t.exposeString('key', {
      description: 'The group: an account type, or a code prefix ("assets", "assets:bank").',
    }),
    debit: moneyField(t, 'debit', 'Sum of debit balances.'),
    credit: moneyField(t, 'credit', 'Sum of credit balances.'),
  }),
});

const CurrencyTotalRef = builder.objectRef<TrialBalance['totals'][number]>('TrialBalanceTotal').implement({
  description: 'The debit and credit totals of one currency.',
  fields: (t) => ({
    debit: moneyField(t, 'debit', 'Total of debit balances.'),
    credit: moneyField(t, 'credit', 'Total of credit balances.'),
    balanced: t.exposeBoolean('balanced', { description: 'Whether they are equal.' }),
  }),
});

const TrialBalanceRef = builder
  .objectRef<TrialBalance & { valuation?: TrialBalanceValuation }>('TrialBalance')
  .implement({
    description: 'Every account’s balance as of an instant, with subtotals and per-currency totals.',
    fields: (t) => ({
      ...cutFields(t),
      asOf: t.expose('asOf', { type: 'DateTime', description: 'Effective time of the balances (inclusive).' }),
      lines: t.field({
        type: [TrialBalanceLineRef],
        description: 'One line per account opened by asOf, in code order.',
        resolve: (r) => r.lines,
      }),
      byType: t.field({
        type: [SubtotalRef],
        description: 'Subtotals per account type and currency.',
        resolve: (r) => r.byType,
      }),
      byPrefix: t.field({
        type: [SubtotalRef],
        description: 'Subtotals per code prefix and currency.',
        resolve: (r) => r.byPrefix,
      }),
      totals: t.field({ type: [CurrencyTotalRef], description: 'Totals per currency.', resolve: (r) => r.totals }),
      balanced: t.exposeBoolean('balanced', { description: 'Whether debits equal credits in every currency.' }),
      valuation: t.field({
        type: TrialBalanceValuationRef,
        nullable: true,
        description: 'The valued totals and their rounding lines (null without `valuation`).',
        resolve: (r) => r.valuation ?? null,
      }),
    }),
  });

const SectionLineRef = builder.objectRef<ValuedSection['lines'][number]>('FinancialStatementLine').implement({
  description: 'One account in a financial statement, signed on its normal side.',
  fields: (t) => ({
    code: t.exposeString('code', { description: 'The account code.' }),
    name: t.exposeString('name', { description: 'The account name.' }),
    amount: moneyField(t, 'amount', 'Its balance (or movement over the period).'),
    valued: t.field({
      type: ValuedMoneyRef,
      nullable: true,
      description: 'Its value in the valuation currency, with the price used (null without `valuation`).',
      resolve: (l) => l.valued ?? null,
    }),
  }),
});

const SectionRef = builder.objectRef<ValuedSection>('FinancialStatementSection').implement({
  description: 'The accounts of one type, and their totals per currency.',
  fields: (t) => ({
    type: t.field({ type: AccountTypeRef, description: 'The account type.', resolve: (s) => s.type }),
    lines: t.field({ type: [SectionLineRef], description: 'Its accounts in code order.', resolve: (s) => s.lines }),
    totals: t.field({
      type: [MoneyRef],
      description: 'Totals per currency.',
      resolve: (s) => s.totals.map((x) => money(x.amount, x.currency)),
    }),
    valuedTotal: t.field({
      type: ValuedTotalRef,
      nullable: true,
      description: 'The valued total of its lines and its rounding line (null without `valuation`).',
      resolve: (s) => s.valuedTotal ?? null,
    }),
  }),
});

const BalanceSheetTotalRef = builder.objectRef<BalanceSheet['totals'][number]>('BalanceSheetTotal').implement({
  description: 'The accounting equation in one currency.',
  fields: (t) => ({
    assets: moneyField(t, 'assets', 'Total assets.'),
    liabilities: moneyField(t, 'liabilities', 'Total liabilities.'),
    equity: moneyField(t, 'equity', 'Total equity.'),
    earnings: moneyField(t, 'earnings', 'Revenue less expenses to date (not yet closed into equity).'),
    balanced: t.exposeBoolean('balanced', { description: 'Whether assets = liabilities + equity + earnings.' }),
  }),
});

const BalanceSheetRef = builder
  .objectRef<BalanceSheet & { valuation?: BalanceSheetValuation }>('BalanceSheet')
  .implement({
    description: 'Assets, liabilities and equity as of an instant.',
    fields: (t) => ({
      ...cutFields(t),
      asOf: t.expose('asOf', { type: 'DateTime', description: 'Effective time (inclusive).' }),
      sections: t.field({
        type: [SectionRef],
        description: 'ASSET, LIABILITY and EQUITY.',
        resolve: (r) => r.sections,
      }),
      totals: t.field({ type: [BalanceSheetTotalRef], description: 'Per currency.', resolve: (r) => r.totals }),
      valuation: t.field({
        type: BalanceSheetValuationRef,
        nullable: true,
        description: 'The equation valued, with unrealised exchange gains and losses (null without `valuation`).',
        resolve: (r) => r.valuation ?? null,
      }),
    }),
  });

const IncomeTotalRef = builder.objectRef<IncomeStatement['totals'][number]>('IncomeStatementTotal').implement({
  description: 'Revenue, expenses and net income in one currency.',
  fields: (t) => ({
    revenue: moneyField(t, 'revenue', 'Revenue over the period.'),
    expenses: moneyField(t, 'expenses', 'Expenses over the period.'),
    netIncome: moneyField(t, 'netIncome', 'Revenue less expenses.'),
  }),
});

const IncomeStatementRef = builder
  .objectRef<IncomeStatement & { valuation?: IncomeStatementValuation }>('IncomeStatement')
  .implement({
    description: 'Revenue and expenses over [from, to): each account’s movement in the period.',
    fields: (t) => ({
      ...cutFields(t),
      from: t.expose('from', { type: 'DateTime', description: 'Start (inclusive).' }),
      to: t.expose('to', { type: 'DateTime', description: 'End (exclusive).' }),
      sections: t.field({ type: [SectionRef], description: 'REVENUE and EXPENSE.', resolve: (r) => r.sections }),
      totals: t.field({ type: [IncomeTotalRef], description: 'Per currency.', resolve: (r) => r.totals }),
      valuation: t.field({
        type: IncomeStatementValuationRef,
        nullable: true,
        description: 'Revenue, expenses and net income valued (null without `valuation`).',
        resolve: (r) => r.valuation ?? null,
      }),
    }),
  });

// ----- Audit trail -----------------------------------------------------------------------------

type AuditPage = Page<AuditEvent> & ReportCut;
const AuditEventConnection = connectionType<AuditEvent, AuditPage>(
  'AuditEvent',
  LedgerEventRef,
  'audit event',
  cutFields,
);

// ----- Root fields -----------------------------------------------------------------------------

const cut = (ctx: GraphQLContext, knownAt: string | null | undefined) =>
  reportCut(ctx.ledger.database.db, knownAt, ctx.now);

/** A cut named by its position (from an earlier page): it must exist; knownAt is when that event was recorded. */
async function cutAtPosition(ctx: GraphQLContext, atPosition: number): Promise<ReportCut> {
  const db = ctx.ledger.database.db;
  const head = Number(
    (
      await db
        .selectFrom('events')
        .select((eb) => eb.fn.max('position').as('p'))
        .executeTakeFirst()
    )?.p ?? 0,
  );
  if (atPosition < 0 || atPosition > head)
    throw badInput(`atPosition: ${atPosition} is not a position of the log (0 to ${head})`);
  const event =
    atPosition === 0
      ? undefined
      : await db.selectFrom('events').select('recorded_at').where('position', '=', atPosition).executeTakeFirst();
  return {
    knownAt: event?.recorded_at ?? ctx.now,
    atPosition,
    lockedThrough: (await loadBooks(db, atPosition)).lockedThrough,
  };
}

builder.queryFields((t) => ({
  accountStatement: t.field({
    type: AccountStatementRef,
    nullable: true,
    authScopes: { read: true },
    description:
      'An account’s statement for [from, to): opening, entries with running balances, closing, totals. Null for an unknown account.',
    args: {
      account: t.arg.string({ required: true, description: 'The account code.' }),
      from: t.arg({ type: 'DateTime', required: true, description: 'Start (inclusive), effective time.' }),
      to: t.arg({ type: 'DateTime', required: true, description: 'End (exclusive), effective time.' }),
      knownAt: t.arg({ type: 'DateTime', description: 'Recorded time the report is taken at; default now.' }),
      atPosition: t.arg.int({
        description:
          'Read the statement at this log position (the atPosition of its first page, to read on with its cursors); overrides knownAt.',
      }),
      valuation: t.arg({
        type: ValuationInputRef,
        description: 'Show every amount also in this currency, at these prices (docs/api.md, Valuation).',
      }),
    },
    resolve: async (_root, args, ctx) => {
      const account = await ctx.accounts.load(code(args.account, 'account'));
      if (!account) return null;
      const reportAt =
        args.atPosition == null ? await cut(ctx, args.knownAt) : await cutAtPosition(ctx, args.atPosition);
      const valuer = valuerFor(ctx, args.valuation, reportAt);
      const header = await statementHeader(ctx.ledger.database.db, account, period(args.from, args.to), reportAt);
      return valuer ? priced(() => valueStatement(ctx.ledger.database.db, header, valuer)) : header;
    },
  }),
  trialBalance: t.field({
    type: TrialBalanceRef,
    authScopes: { read: true },
    description:
      'Every account’s debit or credit balance effective at asOf, with subtotals by type and code prefix and totals per currency.',
    args: {
      asOf: t.arg({ type: 'DateTime', description: 'Effective time (inclusive); default now.' }),
      knownAt: t.arg({ type: 'DateTime', description: 'Recorded time the report is taken at; default now.' }),
      valuation: t.arg({
        type: ValuationInputRef,
        description: 'Show every amount also in this currency, at these prices (docs/api.md, Valuation).',
      }),
    },
    resolve: async (_root, args, ctx) => {
      const reportAt = await cut(ctx, args.knownAt);
      const valuer = valuerFor(ctx, args.valuation, reportAt);
      const report = await trialBalance(ctx.ledger.database.db, args.asOf ?? ctx.now, reportAt);
      return valuer ? priced(() => valueTrialBalance(ctx.ledger.database.db, report, valuer)) : report;
    },
  }),
  balanceSheet: t.field({
    type: BalanceSheetRef,
    authScopes: { read: true },
    description: 'Assets, liabilities and equity effective at asOf, from the account types.',
    args: {
      asOf: t.arg({ type: 'DateTime', description: 'Effective time (inclusive); default now.' }),
      knownAt: t.arg({ type: 'DateTime', description: 'Recorded time the report is taken at; default now.' }),
      valuation: t.arg({
        type: ValuationInputRef,
        description: 'Show every amount also in this currency, at these prices (docs/api.md, Valuation).',
      }),
    },
    resolve: async (_root, args, ctx) => {
      const reportAt = await cut(ctx, args.knownAt);
      const valuer = valuerFor(ctx, args.valuation, reportAt);
      const report = await balanceSheet(ctx.ledger.database.db, args.asOf ?? ctx.now, reportAt);
      return valuer ? priced(() => valueBalanceSheet(ctx.ledger.database.db, report, valuer)) : report;
    },
  }),
  incomeStatement: t.field({
    type: IncomeStatementRef,
    authScopes: { read: true },
    description: 'Revenue and expenses over [from, to), from the account types.',
    args: {
      from: t.arg({ type: 'DateTime', required: true, description: 'Start (inclusive).' }),
      to: t.arg({ type: 'DateTime', required: true, description: 'End (exclusive).' }),
      knownAt: t.arg({ type: 'DateTime', description: 'Recorded time the report is taken at; default now.' }),
      valuation: t.arg({
        type: ValuationInputRef,
        description: 'Show every amount also in this currency, at these prices (docs/api.md, Valuation).',
      }),
    },
    resolve: async (_root, args, ctx) => {
      const reportAt = await cut(ctx, args.knownAt);
      const valuer = valuerFor(ctx, args.valuation, reportAt);
      const report = await incomeStatement(ctx.ledger.database.db, period(args.from, args.to), reportAt);
      return valuer ? priced(() => valueIncomeStatement(ctx.ledger.database.db, report, valuer)) : report;
    },
  }),
}));

builder.queryFields((t) => ({
  auditTrail: t.field({
    type: AuditEventConnection,
    authScopes: { audit: true },
    description:
      'Events recorded in [from, to), optionally of one actor, account, transaction or event type, in log order, with metadata, stored schema version and hash. Auditor and admin keys.',
    args: {
      from: t.arg({ type: 'DateTime', description: 'Recorded at or after.' }),
      to: t.arg({ type: 'DateTime', description: 'Recorded before.' }),
      actor: t.arg.string({ description: 'Only events of this actor (an API key name).' }),
      account: t.arg.string({ description: 'Only events of this account’s stream.' }),
      transaction: t.arg.id({ description: 'Only events of this transaction.' }),
      type: t.arg.string({ description: 'Only events of this type, e.g. TransactionPosted.' }),
      knownAt: t.arg({ type: 'DateTime', description: 'Recorded time the report is taken at; default now.' }),
      first: t.arg.int({ description: SAY.pageSize }),
      after: t.arg.string({ description: 'A cursor from a previous page.' }),
    },
    resolve: async (_root, args, ctx) => {
      const limit = pageSize(args.first);
      const after = decodeReportCursor('audit', args.after);
      const reportAt = after ? await cutAtPosition(ctx, after.cut.atPosition) : await cut(ctx, args.knownAt);
      const afterPosition = after ? Number(/^\d{1,15}$/.test(after.key) ? after.key : NaN) : 0;
      if (Number.isNaN(afterPosition)) throw badInput('after: not a cursor of this list (audit)');
      const rows = await auditEvents(
        ctx.ledger.database,
        asInput(() => checkAuditFilter(args)),
        reportAt,
        afterPosition,
        limit + 1,
      );
      return {
        ...toPage(rows, limit, args.after, (e) => encodeReportCursor('audit', reportAt, String(e.stored.position))),
        ...reportAt,
      };
    },
  }),
}));
