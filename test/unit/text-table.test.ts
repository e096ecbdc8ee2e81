/** The text report: columns padded by terminal width (wide and combining characters), numbers right-aligned. */
import { describe, expect, it } from 'vitest';
import { textTable } from '../../src/reports/export/text-table.js';
import { pad, textWidth } from '../../src/reports/export/text-width.js';
import { stringSink } from '../../src/reports/export/write.js';
import type { ReportTable, Row } from '../../src/reports/export/table.js';

describe('textWidth', () => {
  it.each([
    ['', 0],
    ['cash', 4],
    ['現金', 4],
    ['ｶﾅ', 2],
    ['Ｃａｓｈ', 8],
    ['cafe\u0301', 4],
    ['💶', 2],
    ['👩‍👩‍👧', 2],
    ['a\u200bb', 2],
  ])('%j is %i columns', (text, width) => {
    expect(textWidth(text)).toBe(width);
  });

  it('pads by width, on the left for numbers', () => {
    expect(pad('現金', 6, false)).toBe('現金  ');
    expect(pad('1.00', 6, true)).toBe('  1.00');
    expect(pad('toolong', 3, false)).toBe('toolong');
  });
});

describe('textTable', () => {
  it('aligns every column by display width, with tabs and line breaks in cells flattened', async () => {
    const rows: Row[] = [
      { account: 'assets:現金', amount: '1.00', note: 'a\tb' },
      { account: 'assets:cafe\u0301', amount: '-1234.50', note: 'line\nbreak' },
      { account: 'x', amount: null, note: null },
    ];
    const table: ReportTable = {
      kind: 'test',
      title: 'Test',
      summary: [['As of', 'now']],
      columns: [
        { key: 'account', label: 'Account' },
        { key: 'amount', label: 'Amount', numeric: true },
        { key: 'note', label: 'Note' },
      ],
      rows: (async function* () {
        yield* rows;
      })(),
      footer: () => [['Total', '-1233.50']],
      expectedRows: 3,
    };
    const sink = stringSink(1 << 20);
    expect(await textTable(table, sink)).toBe(3);
    expect(sink.text()).toBe(
      [
        'Test',
        'As of: now',
        '',
        'Account        Amount  Note',
        '-----------  --------  ----------',
        'assets:現金      1.00  a b',
        'assets:cafe\u0301  -1234.50  line break',
        'x',
        '',
        'Total: -1233.50',
        '',
      ].join('\n'),
    );
  });
});
