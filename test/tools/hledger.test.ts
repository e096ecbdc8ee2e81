/**
 * hledger, the tool accountants already trust, reads Inkwell's journal export and must find
 * the same balance for every account as Inkwell's trial balance, at several dates and at two
 * knownAt cuts — backdated entries, several currencies and a custom asset included — and
 * `hledger check --strict` accepts it (accounts declared with their types, commodities declared).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Amount } from '../../src/domain/money.js';
import { trialBalance } from '../../src/reports/balances.js';
import { before, reportCut, type ReportCut } from '../../src/reports/cut.js';
import type { Db } from '../../src/store/db.js';
import { books } from '../support/books.js';
import { exportJournalAt, hledgerBalances } from '../support/hledger.js';
import { seedHistory } from '../support/history.js';

/** Inkwell's trial balance at the start of `date`, in the same form (zero balances left out, as hledger does). */
async function inkwellBalances(db: Db, date: string, cut: ReportCut): Promise<Map<string, string>> {
  const tb = await trialBalance(db, before(`${date}T00:00:00.000Z`), cut);
  const balances = new Map<string, string>();
  for (const line of tb.lines) {
    const raw = new Amount(line.debit).minus(line.credit);
    if (!raw.isZero()) balances.set(line.code, `${raw.toString()} ${line.currency}`);
  }
  return balances;
}

describe('the hledger journal export', () => {
  it('gives hledger the balances of the trial balance at every date and cut', async () => {
    const b = await books();
    const { temp } = b;
    const dir = mkdtempSync(join(tmpdir(), 'inkwell-hledger-'));
    const db = temp.database.db;
    try {
      // Recorded from January to March: the first cut (mid-February) misses the backdated sale,
      // the multi-currency transaction and the reversal; the later one has them all.
      await seedHistory(b);
      const firstCut = '2026-02-15T00:00:00.000Z';
      let compared = 0;
      for (const knownAt of [firstCut, '2026-04-01T00:00:00.000Z']) {
        const { cut, file } = await exportJournalAt(db, dir, knownAt);
        // hledger's strictest reading: every account and commodity declared, the transactions balanced.
        const check = spawnSync('hledger', ['-f', file, 'check', '--strict'], { encoding: 'utf8' });
        expect(check.status, `hledger check --strict known at ${knownAt}: ${check.stderr}`).toBe(0);
        const journal = readFileSync(file, 'utf8');
        expect(journal).toMatch(/^account assets:bank:checking {2}; type: A$/m);
        expect(journal).toMatch(/^account revenue:\S+ {2}; type: R$/m);
        // Each account the journal posts to is declared once, with a type.
        const declared = [...journal.matchAll(/^account (\S+) {2}; type: [ALERX]$/gm)].map((m) => m[1]!);
        expect(new Set(declared).size).toBe(declared.length);
        for (const [, account] of journal.matchAll(/^ {4}([^\s;]\S*) {2}/gm)) expect(declared).toContain(account);
        for (const date of [
          '2026-01-01',
          '2026-01-11',
          '2026-01-21',
          '2026-02-01',
          '2026-02-02',
          '2026-03-03',
          '2026-03-04',
          '2027-01-01',
        ]) {
          const expected = await inkwellBalances(db, date, cut);
          expect(hledgerBalances(file, date), `${date} known at ${knownAt}`).toEqual(expected);
          compared += expected.size;
        }
      }
      expect(compared).toBeGreaterThan(30);
      // The backdated sale is in the later cut only.
      expect(
        (
          await inkwellBalances(
            db,
            '2026-02-01',
            await reportCut(db, '2026-04-01T00:00:00.000Z', '2030-01-01T00:00:00.000Z'),
          )
        ).get('assets:bank:savings'),
      ).toBe('99.99 USD');
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await temp.dispose();
    }
  });
});
