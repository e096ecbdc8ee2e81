/**
 * `inkwell report <name>` (a text table on stdout) and `inkwell export <name> --format …`
 * (CSV, JSON Lines, HTML, or the hledger journal): every format streams, with a progress
 * bar on stderr when it is a terminal.
 */
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { reportCut } from '../reports/cut.js';
import { writeJournal } from '../reports/export/journal.js';
import { REPORTS, reportTable, type ReportName } from '../reports/export/tables.js';
import { FORMATS, streamSink, writeReport, type Format, type Progress } from '../reports/export/write.js';
import type { Database } from '../store/db.js';
import { cliInstant } from './dates.js';

export const EXPORT_USAGE = `  report <name> [options]       print a report as a text table
  export <name> --format csv|jsonl|html [--out FILE] [options]
  export journal [--known-at T] [--out FILE]
                     names: ${REPORTS.join(', ')}
                     options: --account CODE --from T --to T --as-of T --known-at T
                              (audit-trail: --actor NAME --transaction ID --type TYPE)
                     T: 2026-01-31T12:00:00Z, or a date 2026-01-31 (the start of that day, UTC)`;

const OPTIONS = {
  format: { type: 'string' },
  out: { type: 'string' },
  account: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  'as-of': { type: 'string' },
  'known-at': { type: 'string' },
  actor: { type: 'string' },
  transaction: { type: 'string' },
  type: { type: 'string' },
} as const;

export async function exportCommand(command: 'report' | 'export', args: string[], database: Database): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true });
  const name = positionals[0];
  const time = (value: string | undefined) => (value === undefined ? null : cliInstant(value));
  const now = new Date().toISOString();
  const cut = await reportCut(database.db, time(values['known-at']), now);
  const out = values.out ? createWriteStream(values.out) : process.stdout;
  const progress = process.stderr.isTTY ? progressBar() : undefined;
  let rows: number;
  if (command === 'export' && name === 'journal') {
    rows = await writeJournal(database.db, cut, streamSink(out), progress);
  } else {
    if (!REPORTS.includes(name as ReportName)) {
      console.error(
        `${name === undefined ? `${command} needs a report name` : `no report named "${name}"`}; usage:\n${EXPORT_USAGE}`,
      );
      return 2;
    }
    const format = (values.format ?? (command === 'report' ? 'text' : undefined)) as Format | undefined;
    if (!format || !FORMATS.includes(format)) {
      console.error(`export needs --format ${FORMATS.filter((f) => f !== 'text').join('|')}`);
      return 2;
    }
    const params = {
      account: values.account,
      from: time(values.from),
      to: time(values.to),
      asOf: time(values['as-of']),
      actor: values.actor,
      transaction: values.transaction,
      type: values.type,
    };
    const table = await reportTable(database, name as ReportName, params, cut, now);
    rows = await writeReport(table, format, streamSink(out), progress);
  }
  if (out !== process.stdout) {
    out.end();
    await finished(out);
  }
  if (progress) process.stderr.write('\n');
  if (command === 'export')
    console.error(
      `${rows} ${rows === 1 ? 'row' : 'rows'} at log position ${cut.atPosition} (known at ${cut.knownAt})${values.out ? ` written to ${values.out}` : ''}`,
    );
  return 0;
}

/** "\r[#######.......]  48%  480000/1000000" on a terminal, at most ten times a second. */
function progressBar(): Progress {
  let last = 0;
  return (rows, expected) => {
    const now = Date.now();
    if (now - last < 100 && rows !== expected) return;
    last = now;
    if (!expected) return void process.stderr.write(`\r${rows} rows`);
    const share = Math.min(1, rows / expected);
    const filled = Math.round(share * 30);
    process.stderr.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${String(Math.round(share * 100)).padStart(3)}%  ${rows}/${expected}`,
    );
  };
}
