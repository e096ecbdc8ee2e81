/**
 * Round trips: export a ledger's history (the hledger journal; the JSON Lines audit trail),
 * import it into an empty database, export again. The trial balances agree at every month end
 * and the journals are the same but for what only the new ledger can say (ids, log positions,
 * recorded times). Backdated entries, a reversal, two currencies in one transaction and a custom
 * asset and an exchange included; through the audit trail, a price and the exchange's rate too.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImport } from '../../src/ledger/import/importer.js';
import { journalSource } from '../../src/ledger/import/journal-source.js';
import { jsonlSource } from '../../src/ledger/import/jsonl-source.js';
import type { ImportSource } from '../../src/ledger/import/model.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { priceAt } from '../../src/ledger/prices.js';
import { getTransaction } from '../../src/ledger/queries.js';
import { trialBalance } from '../../src/reports/balances.js';
import { checkAuditFilter } from '../../src/reports/audit-trail.js';
import { reportCut } from '../../src/reports/cut.js';
import { writeJournal } from '../../src/reports/export/journal.js';
import { auditTrailTable } from '../../src/reports/export/tables.js';
import { stringSink, writeReport } from '../../src/reports/export/write.js';
import type { Database } from '../../src/store/db.js';
import { books } from '../support/books.js';
import { seedExchange, seedHistory } from '../support/history.js';
import { tempDatabase, type TempDatabase } from '../support/server.js';

const ctx = { actor: 'import', requestId: 'round-trip' };
const MONTH_ENDS = ['2025-12-31', '2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30'].map(
  (d) => `${d}T23:59:59.999Z`,
);
let original: Awaited<ReturnType<typeof books>>;
let dir: string;

beforeAll(async () => {
  original = await books();
  dir = mkdtempSync(join(tmpdir(), 'inkwell-import-'));
  await seedHistory(original);
  const price = { base: 'BTC/8', quote: 'USD', rate: '40000.125', effectiveAt: '2026-02-01T00:00:00.000Z' };
  await original.ledger.setPrice(price, ctx);
  // An exchange: the ledger adds the conversion legs (and opens their accounts) itself.
  await seedExchange(original);
  // Two identical transactions: two postings, each with its own ordinal in its idempotency key.
  for (let i = 0; i < 2; i++)
    await original.post('2026-03-04T00:00:00Z', 'assets:bank:checking', 'revenue:sales', '0.01', {
      description: 'Same again',
    });
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await original.temp.dispose();
});

async function journalOf(database: Database): Promise<string> {
  const now = new Date().toISOString();
  const sink = stringSink(1 << 20);
  await writeJournal(database.db, await reportCut(database.db, now, now), sink);
  return sink.text();
}

/** What only the ledger that posted can say: the header's cut, log positions, ids and recorded times. */
function comparable(journal: string): string {
  return journal
    .split('\n')
    .filter((line) => !line.startsWith('; '))
    .join('\n')
    .replace(/^(\d{4}-\d\d-\d\d) \(\d+\)/gm, '$1')
    .replace(/id:[0-9a-f-]+, /g, '')
    .replace(/, recorded:\S+/g, '');
}

/**
 * Every month end's trial balance. Through a journal, only the lines with a balance (an account it
 * never names is not in it) and without names (a journal has none; types follow from the names).
 */
async function monthEnds(database: Database, asOpened: boolean) {
  const now = new Date().toISOString();
  const cut = await reportCut(database.db, now, now);
  const all = [];
  for (const asOf of MONTH_ENDS) {
    const tb = await trialBalance(database.db, asOf, cut);
    all.push({
      asOf,
      lines: tb.lines
        .filter((l) => asOpened || Number(l.debit) !== 0 || Number(l.credit) !== 0)
        .map(({ name, ...line }) => (asOpened ? { name, ...line } : line)),
      totals: tb.totals.filter((t) => asOpened || Number(t.debit) !== 0),
    });
  }
  return all;
}

async function importInto(source: ImportSource): Promise<TempDatabase> {
  const copy = await tempDatabase();
  const summary = await runImport(new Ledger(copy.database), source, { dryRun: false, ctx, batchSize: 4 });
  expect(summary).toMatchObject({ read: 11, posted: 11, skipped: 0 });
  return copy;
}

describe('a round trip through an export', () => {
  it('through the hledger journal: the same trial balances and the same journal', async () => {
    const file = join(dir, 'books.journal');
    const exported = await journalOf(original.temp.database);
    writeFileSync(file, exported);
    const copy = await importInto(journalSource(file));
    try {
      expect(await monthEnds(copy.database, false)).toEqual(await monthEnds(original.temp.database, false));
      const again = await journalOf(copy.database);
      expect(comparable(again)).toBe(comparable(exported));
      expect(comparable(again)).toContain('effective:2026-01-20T12:00:00.000Z');
    } finally {
      await copy.dispose();
    }
  });

  it('through the JSON Lines audit trail: every account as opened, the same balances and journal', async () => {
    const database = original.temp.database;
    const now = new Date().toISOString();
    const sink = stringSink(1 << 22);
    const table = await auditTrailTable(database, checkAuditFilter({}), await reportCut(database.db, now, now));
    await writeReport(table, 'jsonl', sink);
    const file = join(dir, 'audit.jsonl');
    writeFileSync(file, sink.text());
    const copy = await importInto(jsonlSource(file));
    try {
      const query = {
        base: 'BTC/8',
        quote: 'USD',
        asOf: '2026-03-01T00:00:00.000Z',
        knownAt: new Date().toISOString(),
      };
      expect((await priceAt(copy.database.db, query))?.rate).toBe('40000.125');
      const yen = await copy.database.db
        .selectFrom('transactions')
        .select('id')
        .where('description', '=', 'Yen bought')
        .executeTakeFirstOrThrow();
      expect((await getTransaction(copy.database.db, yen.id))!.exchanges).toEqual([
        { from: { amount: '10.00', currency: 'USD' }, to: { amount: '1500', currency: 'JPY' } },
      ]);
      // The accounts open when they opened: even the zero lines agree.
      expect(await monthEnds(copy.database, true)).toEqual(await monthEnds(database, true));
      expect(comparable(await journalOf(copy.database))).toBe(comparable(await journalOf(database)));
    } finally {
      await copy.dispose();
    }
  });
});

describe('what the export writes for exchanges and prices', () => {
  it('reads a commented exchange with its conversion legs back as the exchange, and a price at its exact time', async () => {
    const file = join(dir, 'exported.journal');
    writeFileSync(
      file,
      'commodity 1000.00 USD\ncommodity 1000. JPY\n\n' +
        'P 2026-03-01 USD 150 JPY  ; effective:2026-03-01T12:00:00.000Z\n\n' +
        '2026-03-05 (9) Yen bought\n' +
        '    ; id:019cb624-f000-70fe-b82e-dc9509cc2f9f, effective:2026-03-05T00:00:00.000Z, recorded:2026-03-05T00:00:00.000Z\n' +
        '    ; exchange: 10.00 USD -> 1500 JPY, rate 150\n' +
        '    assets:yen  1500 JPY\n    assets:bank:checking  -10.00 USD\n' +
        '    equity:conversion:jpy-usd:usd  10.00 USD\n    equity:conversion:jpy-usd:jpy  -1500 JPY\n',
    );
    const copy = await tempDatabase();
    try {
      await runImport(new Ledger(copy.database), journalSource(file), { dryRun: false, ctx });
      const row = await copy.database.db.selectFrom('transactions').select('id').executeTakeFirstOrThrow();
      const tx = (await getTransaction(copy.database.db, row.id))!;
      expect(tx.exchanges).toEqual([
        { from: { amount: '10.00', currency: 'USD' }, to: { amount: '1500', currency: 'JPY' } },
      ]);
      expect(tx.legs.map((l) => `${l.account} ${l.direction} ${l.amount}`)).toEqual([
        'assets:yen DEBIT 1500',
        'assets:bank:checking CREDIT 10.00',
        'equity:conversion:jpy-usd:usd DEBIT 10.00',
        'equity:conversion:jpy-usd:jpy CREDIT 1500',
      ]);
      const known = new Date().toISOString();
      const at = { base: 'USD', quote: 'JPY', knownAt: known };
      expect(await priceAt(copy.database.db, { ...at, asOf: '2026-03-01T11:59:59.999Z' })).toBeNull();
      expect((await priceAt(copy.database.db, { ...at, asOf: '2026-03-01T12:00:00.000Z' }))?.rate).toBe('150');
    } finally {
      await copy.dispose();
    }
  });
});
