/**
 * An import stops at the first transaction it cannot post — unbalanced, a failing balance
 * assertion, one the ledger refuses — naming its line, with everything before it posted and
 * nothing after; run again once fixed, it posts the rest and skips what is in. A dry run writes
 * nothing and stops at the same line.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runImport, type ImportOptions } from '../../src/ledger/import/importer.js';
import { journalSource } from '../../src/ledger/import/journal-source.js';
import { ImportRefused } from '../../src/ledger/import/refusal.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { tempDatabase, type TempDatabase } from '../support/server.js';

let temp: TempDatabase;
let ledger: Ledger;
let dir: string;
const ctx = { actor: 'import', requestId: 'refusals' };

beforeEach(async () => {
  temp = await tempDatabase();
  ledger = new Ledger(temp.database);
  dir = mkdtempSync(join(tmpdir(), 'inkwell-refusals-'));
});
afterEach(async () => {
  rmSync(dir, { recursive: true, force: true });
  await temp.dispose();
});

/** A journal of transactions from the bank to capital, one a day; `odd` replaces the postings of one. */
function journal(descriptions: string[], odd: Record<string, string> = {}): string {
  const file = join(dir, 'books.journal');
  const blocks = descriptions.map(
    (d, i) =>
      `2026-01-${String(i + 1).padStart(2, '0')} ${d}\n` +
      (odd[d] ?? `    assets:bank  10.00 USD = ${(i + 1) * 10}.00 USD\n    equity:capital  -10.00 USD\n`),
  );
  // Each block is 3 lines and a blank: transaction i starts on line 3 + 4i.
  writeFileSync(file, `commodity 1000.00 USD\n\n${blocks.join('\n')}`);
  return file;
}

async function posted(): Promise<string[]> {
  const rows = await temp.database.db.selectFrom('transactions').select('description').orderBy('position').execute();
  return rows.map((r) => r.description ?? '');
}

async function refusal(file: string, options: Partial<ImportOptions> = {}, text?: string): Promise<ImportRefused> {
  if (text !== undefined) writeFileSync(file, text);
  const error = await runImport(ledger, journalSource(file), { dryRun: false, ctx, ...options }).catch((e) => e);
  expect(error).toBeInstanceOf(ImportRefused);
  return error as ImportRefused;
}

describe('an import that meets a transaction it cannot post', () => {
  it('stops at an unbalanced one, naming its line; fixed, the same run posts the rest', async () => {
    const unbalanced = '    assets:bank  10.00 USD\n    equity:capital  -9.99 USD\n';
    const file = journal(['one', 'two', 'three', 'four', 'five'], { four: unbalanced });
    const error = await refusal(file, { batchSize: 2 });
    expect(error.line).toBe(15);
    expect(error.reason).toBe('the transaction is unbalanced: its postings sum to 0.01 USD');
    expect(await posted()).toEqual(['one', 'two', 'three']);
    const fixed = journal(['one', 'two', 'three', 'four', 'five'], {
      four: '    assets:bank  10.00 USD\n    equity:capital\n',
    });
    const again = await runImport(ledger, journalSource(fixed), { dryRun: false, ctx, batchSize: 2 });
    expect(again).toMatchObject({ read: 5, posted: 2, skipped: 3 });
    expect(await posted()).toEqual(['one', 'two', 'three', 'four', 'five']);
  });

  it('stops at a failing balance assertion, naming the posting line, within a batch', async () => {
    const wrong = '    assets:bank  10.00 USD = 40.01 USD\n    equity:capital  -10.00 USD\n';
    const file = journal(['one', 'two', 'three', 'four', 'five'], { four: wrong });
    const error = await refusal(file);
    expect(error.line).toBe(16);
    expect(error.reason).toBe('balance assertion failed: assets:bank is 40 USD after this posting, not 40.01');
    expect(await posted()).toEqual(['one', 'two', 'three']);
  });

  it('stops where the ledger refuses, having posted what came before it in the same batch', async () => {
    const file = journal(['one', 'two', 'x'.repeat(1001), 'four']);
    const error = await refusal(file, { batchSize: 10 });
    expect(error.line).toBe(11);
    expect(error.reason).toMatch(/^refused by the ledger: .*1000.* \(VALIDATION_ERROR\)$/);
    expect(await posted()).toEqual(['one', 'two']);
  });

  it('refuses on a dry run at the same line, and a dry run that passes writes nothing', async () => {
    const wrong = '    assets:bank  10.00 USD = 40.01 USD\n    equity:capital  -10.00 USD\n';
    const error = await refusal(journal(['one', 'two', 'three', 'four'], { four: wrong }), { dryRun: true });
    expect(error.line).toBe(16);
    const summary = await runImport(ledger, journalSource(journal(['one', 'two', 'three'])), { dryRun: true, ctx });
    expect(summary).toMatchObject({
      read: 3,
      posted: 3,
      assertions: 3,
      accountsOpened: ['assets:bank', 'equity:capital'],
    });
    expect(summary.changes.get('assets:bank')).toMatchObject({ currency: 'USD', postings: 3 });
    expect(summary.changes.get('assets:bank')!.net.toString()).toBe('30');
    const events = await temp.database.db.selectFrom('events').select('position').execute();
    expect(events).toEqual([]);
  });
});

describe('wide transactions', () => {
  /** `count` transactions of `width` postings: width - 1 expenses and the bank, inferred. */
  function wide(count: number, width: number): string {
    const file = join(dir, `wide-${width}.journal`);
    const postings = Array.from({ length: width - 1 }, (_, i) => `    expenses:e${i}  1.00 USD\n`).join('');
    const blocks = Array.from({ length: count }, (_, i) => `2026-02-01 wide ${i}\n${postings}    assets:bank\n`);
    writeFileSync(file, `commodity 1000.00 USD\n\n${blocks.join('\n')}`);
    return file;
  }

  it('are posted in batches cut by the write path bound on legs', async () => {
    const summary = await runImport(ledger, journalSource(wide(60, 80)), { dryRun: false, ctx });
    expect(summary).toMatchObject({ read: 60, posted: 60 });
    expect((await posted()).length).toBe(60);
  });

  it('over 100 postings are refused with their line', async () => {
    const error = await refusal(wide(1, 101));
    expect(error.line).toBe(3);
    expect(error.reason).toBe('101 postings: a transaction has at most 100');
  });
});

describe('exchanges that cannot be read exactly', () => {
  const head = 'commodity 1000.00 USD\ncommodity 1000.00 EUR\ncommodity 1000. JPY\n\n';

  it('refuses three unbalanced commodities (no rate to infer) with the transaction line', async () => {
    const text = `${head}2026-01-01 three ways\n    assets:usd  -10.00 USD\n    assets:eur  9.00 EUR\n    assets:yen  1500 JPY\n`;
    const error = await refusal(join(dir, 'three.journal'), {}, text);
    expect(error.line).toBe(5);
    expect(error.reason).toBe('the transaction is unbalanced: its postings sum to -10 USD, 9 EUR, 1500 JPY');
  });

  it('refuses a cost that would need rounding, with the posting line', async () => {
    const text = `${head}2026-01-01 fine rate\n    assets:eur  3.33 EUR @ 1.111 USD\n    assets:usd\n`;
    const error = await refusal(join(dir, 'rate.journal'), {}, text);
    expect(error.line).toBe(6);
    expect(error.reason).toBe(
      'the cost comes to 3.69963 USD, more decimals than it allows (2); amounts are never rounded',
    );
    expect(await posted()).toEqual([]);
  });

  it('takes a unit price finer than the currency when the total fits', async () => {
    const file = join(dir, 'fine.journal');
    writeFileSync(file, `${head}2026-01-01 fine rate\n    assets:eur  2.00 EUR @ 1.105 USD\n    assets:usd\n`);
    const summary = await runImport(ledger, journalSource(file), { dryRun: false, ctx });
    expect(summary.changes.get('assets:usd')!.net.toString()).toBe('-2.21');
    expect(summary.changes.get('equity:conversion:eur-usd:usd')!.net.toString()).toBe('2.21');
  });
});
