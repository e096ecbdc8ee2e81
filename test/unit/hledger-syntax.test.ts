/** The journal syntax the import reads, pure: amounts as hledger writes them, and blocks. */
import { describe, expect, it } from 'vitest';
import { parseJournalAmount } from '../../src/domain/hledger-amount.js';
import { JournalSyntaxError, parseBlock } from '../../src/domain/hledger-journal.js';

const amount = (text: string) => {
  const parsed = parseJournalAmount(text);
  return typeof parsed === 'string' ? parsed : `${parsed.quantity.toString()} ${parsed.symbol} /${parsed.decimals}`;
};

describe('hledger amounts', () => {
  it('reads the forms hledger writes, exactly', () => {
    expect(amount('-12.50 USD')).toBe('-12.5 USD /2');
    expect(amount('USD -12.50')).toBe('-12.5 USD /2');
    expect(amount('-USD 12.50')).toBe('-12.5 USD /2');
    expect(amount('1,000,000.001 EUR')).toBe('1000000.001 EUR /3');
    expect(amount('"BTC/8" 0.00000001')).toBe('0.00000001 BTC/8 /8');
    expect(amount('1000. JPY')).toBe('1000 JPY /0');
  });

  it('refuses what could be read two ways, or not at all', () => {
    expect(amount('1,5 EUR')).toMatch(/is not a number Inkwell reads/);
    expect(amount('12.50')).toMatch(/has no commodity/);
    expect(amount('--5 USD')).toMatch(/not an amount|two minus signs/);
    expect(amount('- -5 USD')).toMatch(/two minus signs/);
    expect(amount('5 USD extra')).toMatch(/is left over/);
    expect(amount(`${'9'.repeat(41)} USD`)).toMatch(/more than 40 digits/);
  });
});

describe('hledger blocks', () => {
  const lines = (...texts: string[]) => texts.map((text, i) => ({ number: 10 + i, text }));

  it('reads a transaction: status, code, description, tags, costs and assertions', () => {
    const block = parseBlock(
      lines(
        '2026/1/5 * (42) Coffee  ; kind:food, where: the corner',
        '    ; note:second',
        '    assets:eur    2.00 EUR @ 1.105 USD = 2 EUR  ; leg:1',
        '    assets:usd',
      ),
    );
    expect(block).toMatchObject({
      kind: 'transaction',
      line: 10,
      date: '2026-01-05',
      code: '42',
      description: 'Coffee',
      tags: { kind: 'food', where: 'the corner', note: 'second', leg: '1' },
    });
    if (block.kind !== 'transaction') throw new Error('not a transaction');
    expect(block.postings.map((p) => [p.line, p.account, p.amount?.quantity.toString() ?? null])).toEqual([
      [12, 'assets:eur', '2'],
      [13, 'assets:usd', null],
    ]);
    expect(block.postings[0]!.cost).toMatchObject({ total: false });
    expect(block.postings[0]!.assertion?.quantity.toString()).toBe('2');
  });

  it('refuses by name what it cannot keep exactly, at its line', () => {
    const refused = (...texts: string[]) => {
      try {
        parseBlock(lines(...texts));
      } catch (error) {
        if (error instanceof JournalSyntaxError) return `${error.line}: ${error.reason}`;
        throw error;
      }
      return 'read';
    };
    expect(refused('2026-02-30 nope')).toBe('10: 2026-02-30 is not a date');
    expect(refused('include other.journal')).toMatch(/^10: include directives are not imported/);
    expect(refused('~ monthly')).toMatch(/^10: periodic transactions/);
    expect(refused('2026-01-01 x', '    (virtual)  1 USD')).toMatch(/^11: virtual postings/);
    expect(refused('2026-01-01 x', '    assets:a  = 5 USD')).toMatch(/^11: balance assignments/);
    expect(refused('2026-01-01 x', '    assets:a  1 USD =* 5 USD')).toMatch(/^11: inclusive assertions/);
    expect(refused('frobnicate')).toBe('10: "frobnicate" is not a directive Inkwell imports');
  });
});
