/**
 * `inkwell report` and `inkwell export` as an operator runs them, on SQLite and on PostgreSQL:
 * every format to stdout or a file, the journal read by hledger, and clear refusals.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/ledger/ledger.js';
import { BIN, processDb, run, type ProcessDb } from '../support/process.js';

let db: ProcessDb;
let outDir: string;
let positions: number;

beforeAll(async () => {
  db = await processDb();
  const database = await db.open();
  const ledger = new Ledger(database);
  const ctx = { actor: 'seed', requestId: 'seed' };
  for (const [code, type] of [
    ['assets:bank', 'ASSET'],
    ['equity:capital', 'EQUITY'],
    ['revenue:sales', 'REVENUE'],
  ] as const) {
    await ledger.openAccount({ code, name: code, type, currency: 'USD', effectiveAt: '2026-01-01T00:00:00Z' }, ctx);
  }
  for (let i = 1; i <= 5; i++) {
    await ledger.transfer(
      {
        idempotencyKey: `s${i}`,
        debitAccount: 'assets:bank',
        creditAccount: i === 1 ? 'equity:capital' : 'revenue:sales',
        amount: `${i}0.00`,
        effectiveAt: `2026-01-0${i + 1}T00:00:00Z`,
        description: `sale ${i}`,
      },
      ctx,
    );
  }
  positions = Number(
    (
      await database.db
        .selectFrom('events')
        .select((eb) => eb.fn.max('position').as('p'))
        .executeTakeFirstOrThrow()
    ).p,
  );
  await database.close();
  outDir = db.file === 'unused.db' ? (await import('node:os')).tmpdir() : join(db.file, '..');
});
afterAll(() => db.dispose());

const inkwell = (...args: string[]) => run(args, db.file, db.env);
const PERIOD = ['--from', '2026-01-01T00:00:00Z', '--to', '2026-02-01T00:00:00Z'];

describe('inkwell export and report', () => {
  it('exports a statement as CSV on stdout, and says what it wrote on stderr', () => {
    const result = inkwell('export', 'account-statement', '--format', 'csv', '--account', 'assets:bank', ...PERIOD);
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\r\n');
    expect(lines).toHaveLength(6);
    // Recorded today, after the January period ended: late.
    expect(lines.at(-1)).toMatch(/,sale 5,revenue:sales,50\.00,,150\.00,true$/);
    expect(result.stderr).toMatch(new RegExp(`^5 rows at log position ${positions} \\(known at \\S+\\)`));
  });

  it('exports the whole audit trail as JSON Lines to a file', () => {
    const file = join(outDir, `audit-${process.pid}.jsonl`);
    const result = inkwell('export', 'audit-trail', '--format', 'jsonl', '--out', file);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    const records = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records).toHaveLength(positions + 2);
    expect(records[1]).toMatchObject({ record: 'row', position: 1, type: 'AccountOpened', actor: 'seed' });
    expect(records.at(-1)).toEqual({ record: 'footer', Events: String(positions) });
  });

  it('exports HTML and the hledger journal, and prints a report as text', () => {
    const html = inkwell('export', 'account-statement', '--format', 'html', '--account', 'assets:bank', ...PERIOD);
    expect(html.stdout).toMatch(/^<!doctype html>[\s\S]*<svg[\s\S]*<\/html>\n$/);
    const file = join(outDir, `books-${process.pid}.journal`);
    expect(inkwell('export', 'journal', '--out', file).status).toBe(0);
    // hledger reads it in test/tools/hledger.test.ts; here, the transactions are all there.
    const journal = readFileSync(file, 'utf8');
    expect(journal.match(/^2026-01-0\d \(\d+\) sale \d$/gm)).toHaveLength(5);
    expect(journal).toContain('    assets:bank  50.00 USD\n    revenue:sales  -50.00 USD\n');
    const text = inkwell('report', 'trial-balance', '--as-of', '2026-01-04T00:00:00Z');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^Trial balance as of 2026-01-04T00:00:00.000Z\n/);
    expect(text.stdout).toMatch(/Balanced: yes/);
    expect(text.stdout).not.toContain('\t');
    // An aligned table: a header, a rule of dashes per column, and rows cut at the same places.
    const lines = text.stdout.split('\n');
    const rule = lines.findIndex((l) => /^-+( +-+)+$/.test(l));
    expect(rule).toBeGreaterThan(0);
    const columns = [...lines[rule]!.matchAll(/-+/g)].map((m) => [m.index!, m.index! + m[0].length] as const);
    const body = lines.slice(rule + 1, lines.indexOf('', rule));
    expect(body.length).toBeGreaterThanOrEqual(3);
    for (const line of [lines[rule - 1]!, ...body]) {
      expect(line.length).toBeLessThanOrEqual(columns.at(-1)![1]);
      // Between columns there are only spaces.
      for (let c = 1; c < columns.length; c++) expect(line.slice(columns[c - 1]![1], columns[c]![0]).trim()).toBe('');
    }
    const bank = body.find((l) => l.includes('assets:bank'))!;
    // Numbers right-aligned: the debit column's last character is its last digit.
    const debit = columns[columns.length - 2]!;
    expect(bank.slice(debit[0], debit[1])).toMatch(/^ *60\.00$/);
    expect(bank.trimEnd().endsWith('0.00')).toBe(true);
  });

  it('takes a plain date where a day is meant: the start of that day, UTC', () => {
    // The same cut for both: the header says when the report was known.
    const known = ['--known-at', new Date().toISOString()];
    const withTimes = inkwell('report', 'income-statement', ...PERIOD, ...known);
    const withDates = inkwell('report', 'income-statement', '--from', '2026-01-01', '--to', '2026-02-01', ...known);
    expect(withDates.status, withDates.stderr).toBe(0);
    expect(withDates.stdout).toBe(withTimes.stdout);
    expect(withDates.stdout).toMatch(/2026-01-01T00:00:00\.000Z/);
    const csv = inkwell('export', 'trial-balance', '--format', 'csv', '--as-of', '2026-01-04');
    expect(csv.stdout).toBe(
      inkwell('export', 'trial-balance', '--format', 'csv', '--as-of', '2026-01-04T00:00:00Z').stdout,
    );
  });

  it('draws a progress bar on stderr when it is a terminal, and none when it is not', () => {
    const file = join(outDir, `progress-${process.pid}.csv`);
    // script(1) (util-linux, essential in Debian) runs the command on a pseudo-terminal.
    const env = { ...process.env, INKWELL_DB: db.file, DATABASE_URL: db.env.DATABASE_URL ?? '' };
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} export audit-trail --format csv --out ${JSON.stringify(file)}`;
    const tty = spawnSync('script', ['-qfec', command, '/dev/null'], { env, encoding: 'utf8' });
    expect(tty.status, tty.stdout).toBe(0);
    expect(tty.stdout).toMatch(new RegExp(`\\[#{30}\\] 100%  ${positions}/${positions}`));
    const piped = inkwell('export', 'audit-trail', '--format', 'csv', '--out', file);
    expect(piped.stderr).not.toMatch(/\[#/);
  });

  it('refuses unknown reports, missing formats and parameters, and bad times', () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['export', 'ledger-dump', '--format', 'csv'], 2, /^no report named "ledger-dump"; usage/],
      [['report'], 2, /^report needs a report name; usage/],
      [['report', 'income-statement'], 1, /needs a period: from and to \(--from T --to T on the command line\)/],
      [['export', 'trial-balance'], 2, /needs --format csv\|jsonl\|html/],
      [['export', 'trial-balance', '--format', 'xlsx'], 2, /needs --format/],
      [['export', 'account-statement', '--format', 'csv', ...PERIOD], 1, /needs an account/],
      [['export', 'account-statement', '--format', 'csv', '--account', 'assets:none', ...PERIOD], 1, /does not exist/],
      [['report', 'income-statement', '--from', 'yesterday', '--to', '2026-02-01T00:00:00Z'], 1, /not RFC 3339/],
      [['report', 'income-statement', '--from', '2026-02-30', '--to', '2026-03-01'], 1, /not a real calendar instant/],
      [['report', 'income-statement', '--from', '2026-1-1', '--to', '2026-03-01'], 1, /or give a date, YYYY-MM-DD/],
      [['report', 'income-statement', '--from', '2026-01-01junk', '--to', '2026-03-01'], 1, /not RFC 3339/],
      [['report', 'income-statement', '--from', '2026-01-01 ', '--to', '2026-03-01'], 1, /not RFC 3339/],
      [['report', 'trial-balance', '--as-of', '0000-01-01'], 1, /out of range|not a real/],
      [['report', 'trial-balance', '--colour'], 1, /Unknown option/],
    ];
    for (const [args, status, message] of cases) {
      const result = inkwell(...args);
      expect(result.status, args.join(' ')).toBe(status);
      expect(result.stderr).toMatch(message);
    }
  });
});
