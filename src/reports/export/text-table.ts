/**
 * `inkwell report`'s text output: the title, the summary, then the rows as a table whose columns
 * are padded to their widest cell (measured in terminal columns: text-width.ts), numbers
 * right-aligned, two spaces between columns, then the footer.
 *
 * Alignment needs every row's width before the first row is printed, so the rows are kept in
 * memory: this is the format for reading in a terminal; `inkwell export --format csv|jsonl`
 * streams any size.
 */
import type { Cell, ReportTable } from './table.js';
import { pad, textWidth } from './text-width.js';
import type { Progress, Sink } from './write.js';

const GAP = '  ';

export async function textTable(table: ReportTable, sink: Sink, progress?: Progress): Promise<number> {
  const { columns } = table;
  const header = columns.map((c) => c.label);
  const widths = header.map(textWidth);
  const lines: string[][] = [];
  for await (const row of table.rows) {
    const cells = columns.map((c) => textCell(row[c.key] ?? null));
    cells.forEach((cell, i) => {
      widths[i] = Math.max(widths[i]!, textWidth(cell));
    });
    lines.push(cells);
    if (progress && lines.length % 1000 === 0) progress(lines.length, table.expectedRows);
  }
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => pad(cell, widths[i]!, columns[i]!.numeric ?? false))
      .join(GAP)
      .trimEnd();
  const pairs = (entries: Array<[string, string]>) => entries.map(([k, v]) => `${k}: ${v}\n`).join('');
  await sink.write(
    `${table.title}\n${pairs(table.summary)}\n${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`,
  );
  // In slices, so that a long report goes out as it is written rather than as one string.
  for (let start = 0; start < lines.length; start += 1000)
    await sink.write(
      `${lines
        .slice(start, start + 1000)
        .map(line)
        .join('\n')}\n`,
    );
  await sink.write(`\n${pairs(table.footer())}`);
  progress?.(lines.length, table.expectedRows);
  return lines.length;
}

/** One line per cell: tabs and line breaks would break the columns. */
function textCell(value: Cell): string {
  return value === null ? '' : String(value).replace(/[\t\r\n]/g, ' ');
}
