/**
 * Valued reports tie, for random histories, exchanges and prices: in the trial balance and every section of
 * the balance sheet the valued lines plus the rounding line equal the valued total; valued debits
 * equal valued credits; the balance sheet balances with its unrealised line (and has none at
 * posting dates); and each line valued at the report date equals a brute-force round(balance ×
 * rate) from the prices the test recorded. On the real database of the run (SQLite or PostgreSQL).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Amount, ZERO } from '../../src/domain/money.js';
import { roundValue, type ValuationDate } from '../../src/domain/valuation.js';
import { balanceSheet, trialBalance } from '../../src/reports/balances.js';
import { reportCut } from '../../src/reports/cut.js';
import { valueBalanceSheet, valueTrialBalance } from '../../src/reports/valued-balances.js';
import { pricesKnownAt, Valuer } from '../../src/reports/valuation.js';
import { books, OPENED } from '../support/books.js';

const DAY = 86_400_000;
const START = Date.parse('2026-01-01T00:00:00.000Z');
const day = (n: number) => new Date(START + n * DAY).toISOString();
/** Pairs of accounts a transfer may go between, each pair in one currency. */
const MOVES = [
  ['assets:eur', 'equity:eur'],
  ['assets:eur', 'liabilities:eur'],
  ['assets:eur', 'revenue:eur'],
  ['liabilities:eur', 'assets:eur'],
  ['assets:yen', 'equity:yen'],
  ['expenses:yen', 'assets:yen'],
  ['assets:bank:checking', 'equity:capital'],
] as const;

const history = fc.record({
  transfers: fc.array(
    fc.record({
      move: fc.integer({ min: 0, max: MOVES.length - 1 }),
      minor: fc.integer({ min: 1, max: 9_999_999 }),
      day: fc.integer({ min: 0, max: 90 }),
    }),
    { minLength: 1, maxLength: 25 },
  ),
  // EUR → USD recorded directly; JPY only as USD → JPY (valued by dividing).
  eur: fc.array(fc.tuple(fc.integer({ min: 1, max: 90 }), fc.integer({ min: 5_000, max: 20_000 })), { maxLength: 6 }),
  jpy: fc.array(fc.tuple(fc.integer({ min: 1, max: 90 }), fc.integer({ min: 9_000, max: 19_999 })), { maxLength: 6 }),
  exchanges: fc.array(
    fc.record({
      eur: fc.integer({ min: 1, max: 999_999 }),
      usd: fc.integer({ min: 1, max: 999_999 }),
      day: fc.integer({ min: 0, max: 90 }),
    }),
    { maxLength: 3 },
  ),
  asOf: fc.integer({ min: 0, max: 100 }),
});

describe('valued reports (property)', () => {
  it('tie with their rounding lines, and the valued balance sheet balances with unrealised gains', async () => {
    await fc.assert(
      fc.asyncProperty(history, async (h) => {
        const { temp, ledger, post, setNow } = await books();
        const db = temp.database.db;
        const ctx = { actor: 'property', requestId: 'valuation' };
        try {
          for (const [code, type] of [
            ['assets:eur', 'ASSET'],
            ['liabilities:eur', 'LIABILITY'],
            ['equity:eur', 'EQUITY'],
            ['revenue:eur', 'REVENUE'],
          ] as const)
            await ledger.openAccount({ code, name: code, type, currency: 'EUR', effectiveAt: OPENED }, ctx);
          await ledger.openAccount(
            { code: 'expenses:yen', name: 'yen', type: 'EXPENSE', currency: 'JPY', effectiveAt: OPENED },
            ctx,
          );
          setNow('2026-12-31T00:00:00Z');
          const eurRates: Array<[number, string]> = [
            [0, '1.1'],
            ...h.eur.map(([d, r]) => [d, (r / 10_000).toString()] as [number, string]),
          ];
          const jpyRates: Array<[number, string]> = [
            [0, '150'],
            ...h.jpy.map(([d, r]) => [d, (r / 100).toString()] as [number, string]),
          ];
          for (const [d, rate] of eurRates)
            await ledger.setPrice({ base: 'EUR', quote: 'USD', rate, effectiveAt: day(d) }, ctx);
          for (const [d, rate] of jpyRates)
            await ledger.setPrice({ base: 'USD', quote: 'JPY', rate, effectiveAt: day(d) }, ctx);
          let exchanges = 0;
          // In effective order: a conversion account opens with its first exchange, and takes nothing earlier.
          for (const ex of [...h.exchanges].sort((a, b) => a.day - b.day)) {
            // EUR sold for USD at any rate: the conversion accounts (EQUITY) keep each currency balanced.
            const [eur, usd] = [new Amount(ex.eur).div(100).toFixed(2), new Amount(ex.usd).div(100).toFixed(2)];
            await ledger.postTransaction(
              {
                idempotencyKey: `x${++exchanges}`,
                effectiveAt: day(ex.day),
                entries: [
                  { account: 'assets:eur', direction: 'CREDIT', amount: eur },
                  { account: 'assets:bank:checking', direction: 'DEBIT', amount: usd },
                ],
                exchanges: [{ from: { amount: eur, currency: 'EUR' }, to: { amount: usd, currency: 'USD' } }],
              },
              ctx,
            );
          }
          for (const t of h.transfers) {
            const [debit, credit] = MOVES[t.move]!;
            const amount = debit.includes('yen') ? String(t.minor) : new Amount(t.minor).div(100).toFixed(2);
            await post('2026-12-31T00:00:00Z', debit, credit, amount, { effectiveAt: day(t.day) });
          }
          const cut = await reportCut(db, null, '2027-01-01T00:00:00.000Z');
          const asOf = day(h.asOf);
          // The latest recorded rate at or before asOf: the last set for that day wins (a correction).
          const rateAt = (rates: Array<[number, string]>) =>
            new Amount(rates.filter(([d]) => d <= h.asOf).reduce((best, r) => (r[0] >= best[0] ? r : best))[1]);
          for (const at of ['REPORT_DATE', 'POSTING_DATE'] as ValuationDate[]) {
            const valuer = () => new Valuer({ currency: 'USD', at }, pricesKnownAt(db, cut));
            const tb = await valueTrialBalance(db, await trialBalance(db, asOf, cut), valuer());
            const sum = (xs: string[]) => xs.reduce((s, x) => s.plus(x), ZERO);
            const v = tb.valuation;
            expect(
              sum(tb.lines.map((l) => l.valued!.debit))
                .plus(v.debit.rounding)
                .eq(v.debit.total),
            ).toBe(true);
            expect(
              sum(tb.lines.map((l) => l.valued!.credit))
                .plus(v.credit.rounding)
                .eq(v.credit.total),
            ).toBe(true);
            expect(v.debit.total).toBe(v.credit.total);
            expect(v.balanced).toBe(true);
            if (at === 'REPORT_DATE')
              for (const line of tb.lines) {
                const raw = new Amount(line.debit).minus(line.credit);
                const exact =
                  line.currency === 'EUR'
                    ? raw.times(rateAt(eurRates))
                    : line.currency === 'JPY'
                      ? raw.div(rateAt(jpyRates))
                      : raw;
                expect(
                  new Amount(line.valued!.debit).minus(line.valued!.credit).eq(roundValue(exact, 2)),
                  line.code,
                ).toBe(true);
              }
            const bs = await valueBalanceSheet(db, await balanceSheet(db, asOf, cut), valuer());
            for (const section of bs.sections)
              expect(
                sum(section.lines.map((l) => l.valued!.amount))
                  .plus(section.valuedTotal!.rounding)
                  .eq(section.valuedTotal!.total),
              ).toBe(true);
            const b = bs.valuation;
            expect(b.balanced).toBe(true);
            expect(
              new Amount(b.liabilities)
                .plus(b.equity)
                .plus(b.earnings)
                .plus(b.unrealised)
                .plus(b.rounding)
                .eq(b.assets),
            ).toBe(true);
            // Rounding five figures once each moves the equation by at most 2.5 cents.
            expect(new Amount(b.rounding).abs().lte('0.03')).toBe(true);
            if (at === 'POSTING_DATE') expect(b.unrealised).toBe('0.00');
          }
        } finally {
          await temp.dispose();
        }
      }),
      { numRuns: 12 },
    );
  });
});
