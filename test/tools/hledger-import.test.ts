/**
 * A journal written by hand in hledger's own syntax — several commodities, a price, balance
 * assertions, comments, tags, an inferred amount, exchanges (@, @@ and an implied rate) — imports
 * into Inkwell (the price too), and its balances
 * are exactly `hledger bal`'s at several dates; a second import posts nothing.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runImport } from '../../src/ledger/import/importer.js';
import { journalSource } from '../../src/ledger/import/journal-source.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { priceAt } from '../../src/ledger/prices.js';
import { getTransaction } from '../../src/ledger/queries.js';
import { hledgerBalances, inkwellBalances } from '../support/hledger.js';
import { tempDatabase } from '../support/server.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/hand-written.journal', import.meta.url));
const ctx = { actor: 'import', requestId: 'import-test' };
/** The journal's own names: a commodity hledger calls BTC is Inkwell's custom asset BTC/8. */
const symbol = (currency: string) => currency.replace(/\/\d+$/, '');

async function eventCount(ledger: Ledger): Promise<number> {
  const row = await ledger.database.db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('importing a hand-written hledger journal', () => {
  it('gives the balances hledger gives, at every date, and a second run posts nothing', async () => {
    const temp = await tempDatabase();
    try {
      const ledger = new Ledger(temp.database);
      const first = await runImport(ledger, journalSource(FIXTURE), { dryRun: false, ctx });
      expect(first).toMatchObject({ read: 13, posted: 12, skipped: 0, assertions: 5, prices: 1 });
      const known = new Date().toISOString();
      const btc = { base: 'BTC/8', quote: 'USD', asOf: '2026-03-01T00:00:00.000Z', knownAt: known };
      expect((await priceAt(temp.database.db, btc))?.rate).toBe('40000');
      let compared = 0;
      for (const date of ['2026-01-02', '2026-01-16', '2026-01-21', '2026-02-01', '2026-02-03', '2026-03-02', null]) {
        // Costs become exchanges: Inkwell's conversion accounts are hledger's --infer-equity postings.
        const expected = hledgerBalances(FIXTURE, date, { inferEquity: true });
        expect(await inkwellBalances(temp.database.db, date, symbol), `before ${date}`).toEqual(expected);
        compared += expected.size;
      }
      expect(compared).toBeGreaterThan(45);
      // The inferred amount, the custom asset's scale, tags and the source line, as the journal has them.
      const row = await temp.database.db
        .selectFrom('transactions')
        .select('id')
        .where('description', '=', 'Groceries')
        .executeTakeFirstOrThrow();
      const groceries = await getTransaction(temp.database.db, row.id);
      expect(groceries!.effectiveAt).toBe('2026-01-05T00:00:00.000Z');
      expect(groceries!.metadata).toEqual({
        importedFrom: { file: 'hand-written.journal', line: 28 },
        tags: { kind: 'food', shop: 'market', statement: 'jan' },
        code: '101',
      });
      const events = await eventCount(ledger);
      const second = await runImport(ledger, journalSource(FIXTURE), { dryRun: false, ctx });
      expect(second).toMatchObject({ read: 13, posted: 0, skipped: 12 });
      expect(await eventCount(ledger)).toBe(events);
    } finally {
      await temp.dispose();
    }
  });
});
