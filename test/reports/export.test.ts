/** The export writers: CSV (quoting, no formula injection), JSON Lines, HTML (escaped, with its chart), text, and the size cap. */
import { describe, expect, it } from 'vitest';
import { reportCut } from '../../src/reports/cut.js';
import { reportTable } from '../../src/reports/export/tables.js';
import { csvCell, ExportTooLarge, stringSink, writeReport, type Format } from '../../src/reports/export/write.js';
import { books } from '../support/books.js';

async function history() {
  const b = await books();
  await b.post('2026-01-02T00:00:00Z', 'assets:bank:checking', 'equity:capital', '100.00', {
    description: '=HYPERLINK("http://evil.example","click")',
  });
  await b.post('2026-01-03T00:00:00Z', 'expenses:rent', 'assets:bank:checking', '250.00', {
    description: 'Rent, "January"\nsecond line <script>alert(1)</script>',
  });
  await b.post('2026-02-10T00:00:00Z', 'assets:bank:checking', 'revenue:sales', '7.50', {
    effectiveAt: '2026-01-04T00:00:00.000Z',
    description: '-backdated',
  });
  return b;
}

async function render(
  b: Awaited<ReturnType<typeof books>>,
  report: Parameters<typeof reportTable>[1],
  format: Format,
  params = {},
) {
  const db = b.temp.database;
  const cut = await reportCut(db.db, null, '2026-03-01T00:00:00.000Z');
  const sink = stringSink(1 << 20);
  const rows = await writeReport(await reportTable(db, report, params, cut, '2026-03-01T00:00:00.000Z'), format, sink);
  return { rows, text: sink.text(), cut };
}

const STATEMENT = { account: 'assets:bank:checking', from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' };

describe('exports', () => {
  it('CSV: RFC 4180 quoting, formula-looking text defused, amounts as written', async () => {
    const b = await history();
    try {
      const { rows, text } = await render(b, 'account-statement', 'csv', STATEMENT);
      expect(rows).toBe(3);
      const lines = text.split('\r\n');
      expect(lines[0]).toBe('Effective,Recorded,Transaction,Description,Counter-accounts,Debit,Credit,Balance,Late');
      expect(lines[1]).toContain(
        `,"'=HYPERLINK(""http://evil.example"",""click"")",equity:capital,100.00,,100.00,false`,
      );
      expect(text).toContain(
        `"Rent, ""January""\nsecond line <script>alert(1)</script>",expenses:rent,,250.00,-150.00,false`,
      );
      expect(text).toContain(`,'-backdated,revenue:sales,7.50,,-142.50,true`);
      expect(csvCell('-142.50', true)).toBe('-142.50');
      expect(csvCell('@SUM(A1)', false)).toBe("'@SUM(A1)");
      expect(csvCell(null, false)).toBe('');
    } finally {
      await b.temp.dispose();
    }
  });

  it('JSON Lines: a report record, one record per row, a footer with the closing figures', async () => {
    const b = await history();
    try {
      const { text, cut } = await render(b, 'account-statement', 'jsonl', STATEMENT);
      const records = text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(records[0]).toMatchObject({
        record: 'report',
        report: 'account-statement',
        summary: { 'Opening balance': '0.00 USD', 'Log position': String(cut.atPosition) },
      });
      expect(records.slice(1, -1).map((r) => [r.record, r.runningBalance, r.late])).toEqual([
        ['row', '100.00', false],
        ['row', '-150.00', false],
        ['row', '-142.50', true],
      ]);
      expect(records.at(-1)).toEqual({
        record: 'footer',
        'Total debits': '107.50 USD',
        'Total credits': '250.00 USD',
        'Closing balance': '-142.50 USD',
        Entries: '3',
      });
    } finally {
      await b.temp.dispose();
    }
  });

  it('HTML: one self-contained page, text escaped, late rows marked, the running balance as an SVG', async () => {
    const b = await history();
    try {
      const { text } = await render(b, 'account-statement', 'html', STATEMENT);
      expect(text).toMatch(/^<!doctype html>/);
      expect(text).not.toMatch(/<script|src=|href=|@import|url\(/i);
      expect(text).toContain('second line &lt;script&gt;alert(1)&lt;/script&gt;');
      expect(text.match(/<tr class="late">/g)).toHaveLength(1);
      expect(text).toMatch(/<svg role="img" aria-label="Running balance from 0 to -142.5"/);
      expect(text).toContain('data-points="5"');
    } finally {
      await b.temp.dispose();
    }
  });

  it('every report in every format, and the audit trail holds every event', async () => {
    const b = await history();
    try {
      for (const format of ['csv', 'jsonl', 'html', 'text'] as const) {
        expect((await render(b, 'trial-balance', format, { asOf: '2026-01-31T00:00:00.000Z' })).text).toMatch(
          /assets:bank:checking/,
        );
        expect((await render(b, 'balance-sheet', format)).text).toMatch(/balanced/);
        expect(
          (
            await render(b, 'income-statement', format, {
              from: '2026-01-01T00:00:00.000Z',
              to: '2026-02-01T00:00:00.000Z',
            })
          ).text,
        ).toMatch(/expenses:rent/);
        const audit = await render(b, 'audit-trail', format);
        expect(audit.rows).toBe(audit.cut.atPosition);
      }
      const alice = await render(b, 'audit-trail', 'jsonl', { actor: 'admin', type: 'AccountOpened' });
      expect(alice.rows).toBe(8);
    } finally {
      await b.temp.dispose();
    }
  });

  it('refuses what a report needs and did not get, and caps in-memory exports', async () => {
    const b = await history();
    try {
      await expect(render(b, 'account-statement', 'csv', { from: STATEMENT.from, to: STATEMENT.to })).rejects.toThrow(
        /needs an account/,
      );
      await expect(render(b, 'account-statement', 'csv', { ...STATEMENT, account: 'assets:none' })).rejects.toThrow(
        /does not exist/,
      );
      await expect(render(b, 'income-statement', 'csv', { from: STATEMENT.to, to: STATEMENT.from })).rejects.toThrow(
        /must be before/,
      );
      const sink = stringSink(100);
      const cut = await reportCut(b.temp.database.db, null, '2026-03-01T00:00:00.000Z');
      await expect(
        writeReport(await reportTable(b.temp.database, 'audit-trail', {}, cut, cut.knownAt), 'csv', sink),
      ).rejects.toBeInstanceOf(ExportTooLarge);
    } finally {
      await b.temp.dispose();
    }
  });
});
