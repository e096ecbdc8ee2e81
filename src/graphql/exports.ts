/**
 * `exportReport`: any report as a CSV, JSON Lines, HTML or text file, or the hledger journal,
 * returned inline up to EXPORT_MAX_BYTES. Bigger exports stream from `inkwell export`.
 */
import { LedgerError } from '../domain/errors.js';
import { reportCut } from '../reports/cut.js';
import { writeJournal } from '../reports/export/journal.js';
import { reportTable, type ReportName } from '../reports/export/tables.js';
import { ExportTooLarge, stringSink, writeReport, type Format } from '../reports/export/write.js';
import { builder } from './builder.js';
import { badInput } from './bad-input.js';

export const EXPORT_MAX_BYTES = 5 * 1024 * 1024;

const ExportReportRef = builder.enumType('ExportReport', {
  description: 'What to export.',
  values: {
    ACCOUNT_STATEMENT: { value: 'account-statement', description: 'Needs account, from and to.' },
    TRIAL_BALANCE: { value: 'trial-balance', description: 'As of asOf (default now).' },
    BALANCE_SHEET: { value: 'balance-sheet', description: 'As of asOf (default now).' },
    INCOME_STATEMENT: { value: 'income-statement', description: 'Needs from and to.' },
    AUDIT_TRAIL: {
      value: 'audit-trail',
      description: 'Optionally filtered by from, to, actor, account, transaction, type.',
    },
    JOURNAL: {
      value: 'journal',
      description: 'The hledger journal of every transaction known at knownAt (format HLEDGER).',
    },
  },
});

const ExportFormatRef = builder.enumType('ExportFormat', {
  description: 'The file format.',
  values: {
    CSV: {
      value: 'csv',
      description: 'RFC 4180; text that would run as a spreadsheet formula is prefixed with an apostrophe.',
    },
    JSONL: { value: 'jsonl', description: 'JSON Lines: a report record, one record per row, a footer.' },
    HTML: { value: 'html', description: 'A self-contained printable page (the statement with its balance chart).' },
    TEXT: { value: 'text', description: 'Tab-separated text with the summary and footer.' },
    HLEDGER: { value: 'hledger', description: 'An hledger journal (only for JOURNAL).' },
  },
});

const ExportInput = builder.inputType('ExportInput', {
  description: 'A report and its parameters.',
  fields: (t) => ({
    report: t.field({ type: ExportReportRef, required: true, description: 'Which report.' }),
    format: t.field({ type: ExportFormatRef, required: true, description: 'The file format.' }),
    account: t.string({ description: 'An account code (statement, audit trail).' }),
    from: t.field({
      type: 'DateTime',
      description: 'Period start (statement, income statement: effective; audit trail: recorded).',
    }),
    to: t.field({ type: 'DateTime', description: 'Period end, excluded.' }),
    asOf: t.field({ type: 'DateTime', description: 'Effective time (trial balance, balance sheet); default now.' }),
    knownAt: t.field({ type: 'DateTime', description: 'Recorded time the report is taken at; default now.' }),
    actor: t.string({ description: 'Audit trail: only this actor.' }),
    transaction: t.id({ description: 'Audit trail: only this transaction.' }),
    type: t.string({ description: 'Audit trail: only this event type.' }),
  }),
});

interface ExportFile {
  filename: string;
  contentType: string;
  content: string;
  rows: number;
  knownAt: string;
  atPosition: number;
}

const ExportFileRef = builder.objectRef<ExportFile>('ExportFile').implement({
  description: 'An exported report.',
  fields: (t) => ({
    filename: t.exposeString('filename', { description: 'A suggested file name.' }),
    contentType: t.exposeString('contentType', { description: 'Its media type.' }),
    content: t.exposeString('content', { description: `The file, at most ${EXPORT_MAX_BYTES} bytes.` }),
    rows: t.exposeInt('rows', { description: 'Rows (or transactions) written.' }),
    knownAt: t.expose('knownAt', { type: 'DateTime', description: 'The recorded time the report was taken at.' }),
    atPosition: t.exposeInt('atPosition', { description: 'The last log position counted.' }),
  }),
});

const TYPES: Record<string, [string, string]> = {
  csv: ['text/csv; charset=utf-8', 'csv'],
  jsonl: ['application/jsonl; charset=utf-8', 'jsonl'],
  html: ['text/html; charset=utf-8', 'html'],
  text: ['text/plain; charset=utf-8', 'txt'],
  hledger: ['text/plain; charset=utf-8', 'journal'],
};

builder.queryField('exportReport', (t) =>
  t.field({
    type: ExportFileRef,
    authScopes: { audit: true },
    description: `Any report as a file, computed at one log position. Auditor and admin keys. Inline up to ${EXPORT_MAX_BYTES} bytes; \`inkwell export\` streams any size.`,
    args: { input: t.arg({ type: ExportInput, required: true, description: 'The report.' }) },
    resolve: async (_root, { input }, ctx) => {
      const journal = input.report === 'journal';
      if (journal !== (input.format === 'hledger'))
        throw badInput('the JOURNAL report is exported, and only exported, in the HLEDGER format');
      const db = ctx.ledger.database;
      const cut = await reportCut(db.db, input.knownAt, ctx.now);
      const sink = stringSink(EXPORT_MAX_BYTES);
      try {
        const rows = journal
          ? await writeJournal(db.db, cut, sink)
          : await writeReport(
              await reportTable(db, input.report as ReportName, input, cut, ctx.now),
              input.format as Format,
              sink,
            );
        const [contentType, extension] = TYPES[input.format]!;
        return {
          filename: `${input.report}-${cut.atPosition}.${extension}`,
          contentType,
          content: sink.text(),
          rows,
          ...cut,
        };
      } catch (error) {
        if (error instanceof LedgerError || error instanceof ExportTooLarge) throw badInput(error.message);
        throw error;
      }
    },
  }),
);
