/**
 * Writers for a ReportTable: CSV, JSON Lines, HTML and plain text (text-table.ts), each streaming rows to a
 * Sink as they come (the HTML chart keeps one point per row — see html.ts).
 */
import type { Writable } from 'node:stream';
import { htmlPage } from './html.js';
import { textTable } from './text-table.js';
import type { Cell, ReportTable, Row } from './table.js';

export const FORMATS = ['csv', 'jsonl', 'html', 'text'] as const;
export type Format = (typeof FORMATS)[number];

export interface Sink {
  write(chunk: string): Promise<void>;
}

/** A Node stream as a Sink that waits for `drain`: memory stays flat however big the export. */
export function streamSink(out: Writable): Sink {
  return {
    write: (chunk) =>
      new Promise<void>((resolve, reject) => {
        if (out.write(chunk)) return resolve();
        const done = (error?: Error) => {
          out.off('drain', done);
          out.off('error', done);
          if (error) reject(error);
          else resolve();
        };
        out.once('drain', done);
        out.once('error', done);
      }),
  };
}

/** An in-memory Sink with a size cap (GraphQL answers are not streams). */
export function stringSink(maxBytes: number): Sink & { text(): string } {
  const parts: string[] = [];
  let size = 0;
  return {
    async write(chunk) {
      size += Buffer.byteLength(chunk);
      if (size > maxBytes) throw new ExportTooLarge(maxBytes);
      parts.push(chunk);
    },
    text: () => parts.join(''),
  };
}

export class ExportTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`the export is larger than ${maxBytes} bytes: use \`inkwell export\`, which streams any size`);
  }
}

export type Progress = (rows: number, expected: number | null) => void;

export async function writeReport(
  table: ReportTable,
  format: Format,
  sink: Sink,
  progress?: Progress,
): Promise<number> {
  if (format === 'html') return htmlPage(table, sink, progress);
  if (format === 'text') return textTable(table, sink, progress);
  let rows = 0;
  if (format === 'csv') await sink.write(`${table.columns.map((c) => csvCell(c.label, false)).join(',')}\r\n`);
  if (format === 'jsonl')
    await sink.write(
      `${JSON.stringify({ record: 'report', report: table.kind, title: table.title, summary: Object.fromEntries(table.summary) })}\n`,
    );
  for await (const row of table.rows) {
    rows += 1;
    if (format === 'csv')
      await sink.write(`${table.columns.map((c) => csvCell(row[c.key] ?? null, c.numeric ?? false)).join(',')}\r\n`);
    else await sink.write(`${JSON.stringify({ record: 'row', ...row })}\n`);
    if (progress && rows % 1000 === 0) progress(rows, table.expectedRows);
  }
  if (format === 'jsonl')
    await sink.write(`${JSON.stringify({ record: 'footer', ...Object.fromEntries(table.footer()) })}\n`);
  progress?.(rows, table.expectedRows);
  return rows;
}

/**
 * RFC 4180 quoting, and no formula injection: a text cell a spreadsheet would run as a
 * formula (=, +, -, @, tab, CR first) gets a leading apostrophe. Amounts are numeric
 * columns and stay as written, minus sign included.
 */
export function csvCell(value: Cell, numeric: boolean): string {
  if (value === null) return '';
  let text = String(value);
  if (!numeric && typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export type { Row };
