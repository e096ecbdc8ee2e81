/**
 * hledger values Inkwell's journal export as Inkwell does: `hledger bal -X USD` on the export
 * (its `P` directives) gives every account the value of Inkwell's valued trial balance at the
 * report date, at several dates and at two knownAt cuts — with a backdated price and a corrected
 * one known only to the later cut, a reverse pair (USD → JPY) divided by, and a custom asset.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Amount } from '../../src/domain/money.js';
import { trialBalance } from '../../src/reports/balances.js';
import { before, reportCut, type ReportCut } from '../../src/reports/cut.js';
import { valueTrialBalance } from '../../src/reports/valued-balances.js';
import { pricesKnownAt, Valuer } from '../../src/reports/valuation.js';
import type { Db } from '../../src/store/db.js';
import { books, OPENED } from '../support/books.js';
import { exportJournalAt, hledgerBalances } from '../support/hledger.js';

/** Inkwell's valued trial balance at the start of `date`, in the same form: debits positive. */
async function inkwellValued(db: Db, date: string, cut: ReportCut, currency: string): Promise<Map<string, string>> {
  const tb = await trialBalance(db, before(`${date}T00:00:00.000Z`), cut);
  const valuer = new Valuer({ currency, at: 'REPORT_DATE' }, pricesKnownAt(db, cut));
  const valued = await valueTrialBalance(db, tb, valuer);
  const balances = new Map<string, string>();
  for (const line of valued.lines) {
    if (new Amount(line.debit).eq(line.credit)) continue; // a zero balance: hledger leaves it out
    const raw = new Amount(line.valued!.debit).minus(line.valued!.credit);
    balances.set(line.code, `${raw.toString()} ${currency}`);
  }
  return balances;
}

describe('hledger bal -X on the journal export', () => {
  it('equals Inkwell’s valued trial balance at every date and cut', async () => {
    const { temp, ledger, post, setNow } = await books();
    const dir = mkdtempSync(join(tmpdir(), 'inkwell-hledger-x-'));
    const db = temp.database.db;
    const ctx = { actor: 'test', requestId: 'hledger-x' };
    const price = (base: string, quote: string, rate: string, effectiveAt: string) =>
      ledger.setPrice({ base, quote, rate, effectiveAt }, ctx);
    try {
      for (const [code, type, currency] of [
        ['assets:eur', 'ASSET', 'EUR'],
        ['liabilities:eur', 'LIABILITY', 'EUR'],
        ['revenue:eur', 'REVENUE', 'EUR'],
        ['assets:btc', 'ASSET', 'BTC/8'],
        ['equity:btc', 'EQUITY', 'BTC/8'],
      ] as const) {
        await ledger.openAccount({ code, name: code, type, currency, effectiveAt: OPENED }, ctx);
      }
      setNow('2026-01-01T00:00:00Z');
      await price('EUR', 'USD', '1.0834', '2025-12-31T00:00:00Z');
      await price('USD', 'JPY', '148.37', '2025-12-31T00:00:00Z');
      await price('BTC/8', 'USD', '42123.456789', '2025-12-31T00:00:00Z');
      await post('2026-01-02T09:30:00Z', 'assets:bank:checking', 'equity:capital', '1000.00');
      await post('2026-01-03T00:00:00Z', 'assets:eur', 'revenue:eur', '333.33');
      await post('2026-01-04T00:00:00Z', 'assets:eur', 'liabilities:eur', '0.07');
      await post('2026-01-05T00:00:00Z', 'assets:yen', 'equity:yen', '123457');
      await post('2026-01-06T00:00:00Z', 'assets:btc', 'equity:btc', '0.12345678');
      // An exchange: 100.00 EUR sold for 108.50 USD; its conversion legs are exported as postings.
      setNow('2026-01-08T00:00:00Z');
      await ledger.postTransaction(
        {
          idempotencyKey: 'exchange',
          effectiveAt: '2026-01-08T00:00:00.000Z',
          description: 'Sell EUR',
          entries: [
            { account: 'assets:eur', direction: 'CREDIT', amount: '100.00' },
            { account: 'assets:bank:checking', direction: 'DEBIT', amount: '108.50' },
          ],
          exchanges: [{ from: { amount: '100.00', currency: 'EUR' }, to: { amount: '108.50', currency: 'USD' } }],
        },
        ctx,
      );
      setNow('2026-01-15T02:00:00Z');
      await price('EUR', 'USD', '1.0921', '2026-01-15T00:00:00Z');
      // Two prices on one day: the later one holds at the day's end, in hledger too.
      await price('USD', 'JPY', '149.05', '2026-01-15T01:00:00Z');
      setNow('2026-01-16T00:00:00Z');
      await price('USD', 'JPY', '151.2', '2026-01-15T20:00:00Z');
      await post('2026-01-20T00:00:00Z', 'assets:eur', 'revenue:eur', '12.34');
      const firstCut = '2026-02-01T00:00:00.000Z';
      setNow('2026-03-01T00:00:00Z');
      // Known in March only: a backdated price, and a correction of January 15th's.
      await price('EUR', 'USD', '1.1111', '2026-01-10T00:00:00Z');
      await price('BTC/8', 'USD', '39999.99', '2026-01-10T00:00:00Z');
      await price('EUR', 'USD', '1.0999', '2026-01-15T00:00:00Z');
      let compared = 0;
      for (const knownAt of [firstCut, '2026-04-01T00:00:00.000Z']) {
        const { cut, file } = await exportJournalAt(db, dir, knownAt);
        const journal = readFileSync(file, 'utf8');
        // Only the correction known at the cut is written for an instant.
        const [shown, hidden] = knownAt === firstCut ? ['1.0921', '1.0999'] : ['1.0999', '1.0921'];
        expect(journal).toContain(`P 2026-01-15 EUR ${shown} USD`);
        expect(journal).not.toContain(`P 2026-01-15 EUR ${hidden} USD`);
        expect(journal).toContain('; exchange: 100.00 EUR -> 108.50 USD, rate 1.085');
        expect(journal).toContain('    equity:conversion:eur-usd:eur  100.00 EUR');
        for (const date of [
          '2026-01-03',
          '2026-01-07',
          '2026-01-11',
          '2026-01-15',
          '2026-01-16',
          '2026-01-21',
          '2027-01-01',
        ]) {
          const expected = await inkwellValued(db, date, cut, 'USD');
          expect(hledgerBalances(file, date, { args: ['-X', 'USD'] }), `${date} known at ${knownAt}`).toEqual(expected);
          compared += expected.size;
        }
      }
      expect(compared).toBeGreaterThan(50);
      // The backdated and corrected prices changed the later cut's values, and only its:
      // 233.40 EUR on January 10th at 1.0834, then (known in March) at 1.1111.
      const eurOn = async (date: string, knownAt: string) =>
        (await inkwellValued(db, date, await reportCut(db, knownAt, '2030-01-01T00:00:00.000Z'), 'USD')).get(
          'assets:eur',
        );
      expect(await eurOn('2026-01-11', firstCut)).toBe('252.87 USD');
      expect(await eurOn('2026-01-11', '2026-04-01T00:00:00.000Z')).toBe('259.33 USD');
      expect(await eurOn('2026-01-16', firstCut)).toBe('254.9 USD');
      expect(await eurOn('2026-01-16', '2026-04-01T00:00:00.000Z')).toBe('256.72 USD');
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await temp.dispose();
    }
  });
});
