/** Each report as a ReportTable: the rows exports stream and the figures around them. */
import { AccountNotFound, ValidationError } from '../../domain/errors.js';
import { checkCode } from '../../domain/limits.js';
import { getAccounts, type AccountView } from '../../ledger/queries.js';
import type { Database } from '../../store/db.js';
import { DAILY_BALANCES, dailyBalancesOf } from '../../subscribers/daily-balances.js';
import { activeGeneration } from '../../subscribers/runner.js';
import { allAuditEvents, checkAuditFilter, type AuditFilter } from '../audit-trail.js';
import { balanceSheet, incomeStatement, trialBalance, type StatementSection } from '../balances.js';
import type { ReportCut } from '../cut.js';
import { allStatementLines, statementHeader } from '../statement.js';
import type { ReportTable, Row } from './table.js';

const cutSummary = (cut: ReportCut): Array<[string, string]> => [
  ['Known at', cut.knownAt],
  ['Log position', String(cut.atPosition)],
  ['Books closed through', cut.lockedThrough ?? 'no period closed'],
];

async function* from<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}

export async function statementTable(
  database: Database,
  account: AccountView,
  period: { from: string; to: string },
  cut: ReportCut,
): Promise<ReportTable> {
  const header = await statementHeader(database.db, account, period, cut);
  const currency = account.currency;
  async function* rows(): AsyncGenerator<Row> {
    for await (const line of allStatementLines(database.db, header)) {
      yield {
        effectiveAt: line.effectiveAt,
        recordedAt: line.recordedAt,
        transactionId: line.transactionId,
        description: line.description,
        counterAccounts: line.counterAccounts.join(' '),
        debit: line.direction === 'DEBIT' ? line.amount : null,
        credit: line.direction === 'CREDIT' ? line.amount : null,
        runningBalance: line.runningBalance,
        late: line.late,
      };
    }
  }
  return {
    kind: 'account-statement',
    title: `Statement of ${account.code} (${account.name})`,
    summary: [
      ['Account', `${account.code} — ${account.name} (${account.type}, ${currency})`],
      ['Period', `${period.from} to ${period.to} (end excluded)`],
      ...cutSummary(cut),
      ['Opening balance', `${header.opening} ${currency}`],
    ],
    columns: [
      { key: 'effectiveAt', label: 'Effective' },
      { key: 'recordedAt', label: 'Recorded' },
      { key: 'transactionId', label: 'Transaction' },
      { key: 'description', label: 'Description' },
      { key: 'counterAccounts', label: 'Counter-accounts' },
      { key: 'debit', label: 'Debit', numeric: true },
      { key: 'credit', label: 'Credit', numeric: true },
      { key: 'runningBalance', label: 'Balance', numeric: true },
      { key: 'late', label: 'Late' },
    ],
    rows: rows(),
    footer: () => [
      ['Total debits', `${header.totalDebits} ${currency}`],
      ['Total credits', `${header.totalCredits} ${currency}`],
      ['Closing balance', `${header.closing} ${currency}`],
      ['Entries', String(header.lineCount)],
    ],
    expectedRows: header.lineCount,
    chart: await statementChart(database, account, period, cut, header),
  };
}

/**
 * The statement's chart: the daily closing balances of the daily balance history when it has
 * applied exactly the statement's log position and the period is whole days (then both tell the
 * same story); otherwise the running balance, sampled from the lines as they stream.
 */
async function statementChart(
  database: Database,
  account: AccountView,
  period: { from: string; to: string },
  cut: ReportCut,
  header: { opening: string; closing: string },
): Promise<NonNullable<ReportTable['chart']>> {
  const chart = {
    x: 'effectiveAt',
    y: 'runningBalance',
    label: `Running balance (${account.currency})`,
    start: { at: period.from, value: header.opening },
    end: { at: period.to, value: header.closing },
  };
  const midnight = (at: string) => at.endsWith('T00:00:00.000Z');
  const days = (Date.parse(period.to) - Date.parse(period.from)) / 86_400_000;
  if (!midnight(period.from) || !midnight(period.to) || days < 1 || days > 3660) return chart;
  if ((await activeGeneration(database.db, DAILY_BALANCES)).position !== cut.atPosition) return chart;
  const history = await dailyBalancesOf(
    database.db,
    account,
    period.from.slice(0, 10),
    new Date(Date.parse(period.to) - 86_400_000).toISOString().slice(0, 10),
  );
  // A point at each day's end: the balance it closed with.
  const points = history.days.map((d) => ({
    at: new Date(Date.parse(`${d.day}T00:00:00.000Z`) + 86_400_000).toISOString(),
    value: d.balance,
  }));
  return { ...chart, label: `Daily closing balance (${account.currency})`, points };
}

export async function trialBalanceTable(database: Database, asOf: string, cut: ReportCut): Promise<ReportTable> {
  const tb = await trialBalance(database.db, asOf, cut);
  const rows: Row[] = [
    ...tb.lines.map((l) => ({
      section: 'account',
      key: l.code,
      name: l.name,
      type: l.type,
      currency: l.currency,
      debit: l.debit,
      credit: l.credit,
    })),
    ...tb.byType.map((s) => ({
      section: 'type',
      key: s.key,
      name: null,
      type: s.key,
      currency: s.currency,
      debit: s.debit,
      credit: s.credit,
    })),
    ...tb.byPrefix.map((s) => ({
      section: 'prefix',
      key: s.key,
      name: null,
      type: null,
      currency: s.currency,
      debit: s.debit,
      credit: s.credit,
    })),
    ...tb.totals.map((t) => ({
      section: 'total',
      key: t.balanced ? 'balanced' : 'NOT BALANCED',
      name: null,
      type: null,
      currency: t.currency,
      debit: t.debit,
      credit: t.credit,
    })),
  ];
  return {
    kind: 'trial-balance',
    title: `Trial balance as of ${asOf}`,
    summary: [['As of', asOf], ...cutSummary(cut)],
    columns: [
      { key: 'section', label: 'Line' },
      { key: 'key', label: 'Account / group' },
      { key: 'name', label: 'Name' },
      { key: 'type', label: 'Type' },
      { key: 'currency', label: 'Currency' },
      { key: 'debit', label: 'Debit', numeric: true },
      { key: 'credit', label: 'Credit', numeric: true },
    ],
    rows: from(rows),
    footer: () => [['Balanced', tb.balanced ? 'yes: debits equal credits in every currency' : 'NO']],
    expectedRows: rows.length,
  };
}

/** Financial statements: each section's accounts, then its totals per currency. */
function sectionRows(sections: StatementSection[]): Row[] {
  return sections.flatMap((s) => [
    ...s.lines.map((l) => ({ section: s.type, code: l.code, name: l.name, currency: l.currency, amount: l.amount })),
    ...s.totals.map((t) => ({
      section: s.type,
      code: `total ${s.type.toLowerCase()}`,
      name: null,
      currency: t.currency,
      amount: t.amount,
    })),
  ]);
}

const SECTION_COLUMNS = [
  { key: 'section', label: 'Section' },
  { key: 'code', label: 'Account' },
  { key: 'name', label: 'Name' },
  { key: 'currency', label: 'Currency' },
  { key: 'amount', label: 'Amount', numeric: true },
];

export async function balanceSheetTable(database: Database, asOf: string, cut: ReportCut): Promise<ReportTable> {
  const sheet = await balanceSheet(database.db, asOf, cut);
  const rows: Row[] = [
    ...sectionRows(sheet.sections),
    // Revenue less expenses not yet closed into equity, and the check of the equation, per currency.
    ...sheet.totals.flatMap((t) => [
      { section: 'EARNINGS', code: 'revenue less expenses', name: null, currency: t.currency, amount: t.earnings },
      {
        section: 'CHECK',
        code: t.balanced ? 'balanced' : 'NOT BALANCED',
        name: 'assets = liabilities + equity + earnings',
        currency: t.currency,
        amount: t.assets,
      },
    ]),
  ];
  return {
    kind: 'balance-sheet',
    title: `Balance sheet as of ${asOf}`,
    summary: [['As of', asOf], ...cutSummary(cut)],
    columns: SECTION_COLUMNS,
    rows: from(rows),
    footer: () =>
      sheet.totals.map((t) => [
        `${t.currency}`,
        `assets ${t.assets} = liabilities ${t.liabilities} + equity ${t.equity} + earnings ${t.earnings}: ${t.balanced ? 'balanced' : 'NOT BALANCED'}`,
      ]),
    expectedRows: rows.length,
  };
}

export async function incomeStatementTable(
  database: Database,
  period: { from: string; to: string },
  cut: ReportCut,
): Promise<ReportTable> {
  const income = await incomeStatement(database.db, period, cut);
  const rows = sectionRows(income.sections);
  return {
    kind: 'income-statement',
    title: `Income statement ${period.from} to ${period.to}`,
    summary: [['Period', `${period.from} to ${period.to} (end excluded)`], ...cutSummary(cut)],
    columns: SECTION_COLUMNS,
    rows: from(rows),
    footer: () =>
      income.totals.map((t) => [
        t.currency,
        `revenue ${t.revenue} − expenses ${t.expenses} = net income ${t.netIncome}`,
      ]),
    expectedRows: rows.length,
  };
}

export async function auditTrailTable(database: Database, filter: AuditFilter, cut: ReportCut): Promise<ReportTable> {
  let count = 0;
  async function* rows(): AsyncGenerator<Row> {
    for await (const e of allAuditEvents(database, filter, cut)) {
      count += 1;
      const m = e.metadata;
      yield {
        position: e.stored.position,
        recordedAt: e.stored.recordedAt,
        effectiveAt: e.stored.effectiveAt,
        stream: e.stored.streamId,
        version: e.stored.version,
        type: e.stored.type,
        schemaVersion: e.stored.schemaVersion,
        transactionId: e.stored.transactionId,
        actor: m.actor,
        command: m.command,
        requestId: m.requestId,
        correlationId: m.correlationId,
        causationId: m.causationId,
        idempotencyKey: m.idempotencyKey,
        clientAddress: m.clientAddress,
        hash: e.stored.hash,
        data: e.stored.data,
      };
    }
  }
  const filters = Object.entries(filter)
    .filter(([, v]) => v != null)
    .map(([k, v]) => `${k}=${v}`);
  return {
    kind: 'audit-trail',
    title: 'Audit trail',
    summary: [['Filters', filters.length ? filters.join(', ') : 'none'], ...cutSummary(cut)],
    columns: [
      { key: 'position', label: 'Position', numeric: true },
      { key: 'recordedAt', label: 'Recorded' },
      { key: 'effectiveAt', label: 'Effective' },
      { key: 'stream', label: 'Stream' },
      { key: 'version', label: 'Version', numeric: true },
      { key: 'type', label: 'Type' },
      { key: 'schemaVersion', label: 'Schema', numeric: true },
      { key: 'transactionId', label: 'Transaction' },
      { key: 'actor', label: 'Actor' },
      { key: 'command', label: 'Command' },
      { key: 'requestId', label: 'Request' },
      { key: 'correlationId', label: 'Correlation' },
      { key: 'causationId', label: 'Causation' },
      { key: 'idempotencyKey', label: 'Idempotency key' },
      { key: 'clientAddress', label: 'Client' },
      { key: 'hash', label: 'Hash' },
      { key: 'data', label: 'Data (as stored)' },
    ],
    rows: rows(),
    footer: () => [['Events', String(count)]],
    // Unfiltered, the count is the cut itself; filtered, unknown until done.
    expectedRows: Object.values(filter).every((v) => v == null) ? cut.atPosition : null,
  };
}

export const REPORTS = [
  'account-statement',
  'trial-balance',
  'balance-sheet',
  'income-statement',
  'audit-trail',
] as const;
export type ReportName = (typeof REPORTS)[number];

export interface ReportParams {
  account?: string | null;
  from?: string | null;
  to?: string | null;
  asOf?: string | null;
  actor?: string | null;
  transaction?: string | null;
  type?: string | null;
}

/** A report by name, with what it needs checked: the one entry point of the CLI and GraphQL exports. */
export async function reportTable(
  database: Database,
  report: ReportName,
  params: ReportParams,
  cut: ReportCut,
  now: string,
): Promise<ReportTable> {
  const period = (): { from: string; to: string } => {
    if (!params.from || !params.to)
      throw new ValidationError('from', `${report} needs a period: from and to (--from T --to T on the command line)`);
    if (params.from >= params.to)
      throw new ValidationError('from', `from (${params.from}) must be before to (${params.to})`);
    return { from: params.from, to: params.to };
  };
  switch (report) {
    case 'account-statement': {
      if (!params.account) throw new ValidationError('account', 'an account statement needs an account');
      const account = (await getAccounts(database.db, [checkCode(params.account, 'account')])).get(params.account);
      if (!account) throw new AccountNotFound(params.account);
      return statementTable(database, account, period(), cut);
    }
    case 'trial-balance':
      return trialBalanceTable(database, params.asOf ?? now, cut);
    case 'balance-sheet':
      return balanceSheetTable(database, params.asOf ?? now, cut);
    case 'income-statement':
      return incomeStatementTable(database, period(), cut);
    case 'audit-trail':
      return auditTrailTable(
        database,
        checkAuditFilter({
          from: params.from,
          to: params.to,
          actor: params.actor,
          account: params.account,
          transaction: params.transaction,
          type: params.type,
        }),
        cut,
      );
  }
}
