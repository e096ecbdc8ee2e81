/**
 * A self-contained, printable HTML page: inline CSS, no script, no external resource. Rows
 * are written as they stream; the statement's running balance is drawn as an inline SVG step
 * chart from at most ~1,000 points (one per bucket of rows), so memory stays bounded.
 */
import { Amount } from '../../domain/money.js';
import type { ReportTable, Row } from './table.js';
import type { Progress, Sink } from './write.js';

const STYLE = `
  :root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1f24; }
  body { margin: 2rem; }
  main { display: flex; flex-direction: column; gap: 1.25rem; }
  h1 { font-size: 1.4rem; margin: 0; }
  dl { display: grid; grid-template-columns: max-content auto; gap: .25rem 1rem; margin: 0; }
  dt { font-weight: 600; } dd { margin: 0; font-variant-numeric: tabular-nums; }
  table { border-collapse: collapse; width: 100%; font-size: .85rem; }
  th, td { border-bottom: 1px solid #d0d7de; padding: .3rem .5rem; text-align: left; vertical-align: top; }
  th { background: #f6f8fa; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  tr.late td { background: #fff8c5; }
  .badge { font-size: .75rem; padding: 0 .4rem; border-radius: 1rem; background: #bf8700; color: white; }
  .chart { order: 1; } .rows { order: 2; } .footer { order: 3; }
  figure { margin: 0; } figcaption { font-weight: 600; margin-bottom: .5rem; }
  svg text { font-size: 11px; fill: #57606a; }
  @media print { body { margin: 0; } tr { break-inside: avoid; } thead { display: table-header-group; } }
`;

export function escapeHtml(value: unknown): string {
  return String(value).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

function list(items: Array<[string, string]>, className: string, label: string): string {
  return `<section class="${className}" aria-label="${escapeHtml(label)}"><dl>${items.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl></section>`;
}

export async function htmlPage(table: ReportTable, sink: Sink, progress?: Progress): Promise<number> {
  await sink.write(
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
      `<title>${escapeHtml(table.title)}</title><style>${STYLE}</style></head><body><main>` +
      `<header><h1>${escapeHtml(table.title)}</h1></header>${list(table.summary, 'summary', 'Summary')}` +
      `<section class="rows"><table><thead><tr>${table.columns.map((c) => `<th${c.numeric ? ' class="num"' : ''} scope="col">${escapeHtml(c.label)}</th>`).join('')}</tr></thead><tbody>\n`,
  );
  const chart = table.chart ? new ChartPoints(table.expectedRows ?? 0, table.chart.points) : null;
  let rows = 0;
  for await (const row of table.rows) {
    rows += 1;
    const late = row.late === true;
    const cells = table.columns.map((c) => {
      const value = row[c.key] ?? null;
      const text =
        c.key === 'late' ? (late ? '<span class="badge">late</span>' : '') : value === null ? '' : escapeHtml(value);
      return `<td${c.numeric ? ' class="num"' : ''}>${text}</td>`;
    });
    await sink.write(`<tr${late ? ' class="late"' : ''}>${cells.join('')}</tr>\n`);
    if (chart && table.chart && !table.chart.points) chart.add(row, table.chart.x, table.chart.y);
    if (progress && rows % 1000 === 0) progress(rows, table.expectedRows);
  }
  await sink.write(`</tbody></table></section>${list(table.footer(), 'footer', 'Totals')}`);
  if (chart && table.chart) await sink.write(chart.svg(table.chart));
  await sink.write('</main></body></html>\n');
  progress?.(rows, table.expectedRows);
  return rows;
}

/** Running-balance points, thinned to one per bucket so a million rows draw as ~1,000 (or given up front). */
class ChartPoints {
  private readonly every: number;
  private seen = 0;
  readonly points: Array<{ t: number; y: Amount }> = [];

  constructor(expected: number, given: Array<{ at: string; value: string }> = []) {
    this.every = Math.max(1, Math.ceil(expected / 1000));
    this.points = given.map((p) => ({ t: Date.parse(p.at), y: new Amount(p.value) }));
  }

  add(row: Row, x: string, y: string): void {
    this.seen += 1;
    const point = { t: Date.parse(String(row[x])), y: new Amount(String(row[y])) };
    if (this.seen % this.every === 0 || this.points.length === 0) this.points.push(point);
    else this.points[this.points.length - 1] = point;
  }

  svg(chart: NonNullable<ReportTable['chart']>): string {
    const start = Date.parse(chart.start.at);
    const end = Date.parse(chart.end.at);
    const [opening, closing] = [new Amount(chart.start.value), new Amount(chart.end.value)];
    const all = [{ t: start, y: opening }, ...this.points, { t: end, y: closing }];
    const W = 800;
    const H = 220;
    const pad = 40;
    let min = all.reduce((m, p) => Amount.min(m, p.y), new Amount(0));
    let max = all.reduce((m, p) => Amount.max(m, p.y), new Amount(0));
    if (min.eq(max)) [min, max] = [min.minus(1), max.plus(1)];
    const x = (t: number) => (pad + ((t - start) / Math.max(1, end - start)) * (W - 2 * pad)).toFixed(1);
    // Pixel positions only: the amounts themselves stay exact, only where to draw them is rounded.
    const y = (v: Amount) =>
      new Amount(H - pad)
        .minus(
          v
            .minus(min)
            .div(max.minus(min))
            .times(H - 2 * pad),
        )
        .toFixed(1);
    let path = `M${x(all[0]!.t)},${y(all[0]!.y)}`;
    for (let i = 1; i < all.length; i++) path += ` H${x(all[i]!.t)} V${y(all[i]!.y)}`;
    return (
      `<section class="chart"><figure><figcaption>${escapeHtml(chart.label)}</figcaption>` +
      `<svg role="img" aria-label="${escapeHtml(`Running balance from ${opening.toString()} to ${closing.toString()}`)}" viewBox="0 0 ${W} ${H}" width="100%" preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg">` +
      `<line x1="${pad}" x2="${W - pad}" y1="${y(new Amount(0))}" y2="${y(new Amount(0))}" stroke="#d0d7de"/>` +
      `<path d="${path}" fill="none" stroke="#0969da" stroke-width="2" data-points="${all.length}"/>` +
      `<text x="${pad}" y="${H - 8}">${escapeHtml(chart.start.at.slice(0, 10))}</text>` +
      `<text x="${W - pad}" y="${H - 8}" text-anchor="end">${escapeHtml(chart.end.at.slice(0, 10))}</text>` +
      `<text x="4" y="${y(max)}">${escapeHtml(max.toString())}</text><text x="4" y="${y(min)}">${escapeHtml(min.toString())}</text>` +
      `</svg></figure></section>`
    );
  }
}
