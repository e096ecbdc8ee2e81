/**
 * The HTML statement as a person sees it: opened from a file in headless Chromium (Debian's
 * `chromium`, driven by playwright-core), with no network, its figures on screen, the late
 * entry marked, the chart drawn above the table, and a printable PDF.
 */
import { mkdtempSync, rmSync, createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportCut } from '../../src/reports/cut.js';
import { reportTable } from '../../src/reports/export/tables.js';
import { streamSink, writeReport } from '../../src/reports/export/write.js';
import { books } from '../support/books.js';
import { launchChromium } from '../support/chromium.js';

let browser: Browser;
let dir: string;
let file: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'inkwell-html-'));
  file = join(dir, 'statement.html');
  const b = await books();
  try {
    await b.post('2026-01-02T00:00:00Z', 'assets:bank:checking', 'equity:capital', '1000.00', {
      description: 'Owner invests',
    });
    await b.post('2026-01-10T00:00:00Z', 'expenses:rent', 'assets:bank:checking', '400.00', {
      description: 'Rent <January>',
    });
    await b.post('2026-01-20T00:00:00Z', 'assets:bank:checking', 'revenue:sales', '250.25', {
      description: 'Invoice 7',
    });
    await b.post('2026-02-05T00:00:00Z', 'assets:bank:checking', 'revenue:sales', '49.75', {
      effectiveAt: '2026-01-25T00:00:00.000Z',
      description: 'Backdated invoice',
    });
    const db = b.temp.database;
    const cut = await reportCut(db.db, null, '2026-03-01T00:00:00.000Z');
    const table = await reportTable(
      db,
      'account-statement',
      { account: 'assets:bank:checking', from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' },
      cut,
      cut.knownAt,
    );
    const out = createWriteStream(file);
    await writeReport(table, 'html', streamSink(out));
    out.end();
    await finished(out);
  } finally {
    await b.temp.dispose();
  }
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the HTML account statement in a browser', () => {
  it('shows the figures, the late entry and the chart, and asks nothing of the network', async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(`file://${file}`);
    expect(await page.title()).toBe('Statement of assets:bank:checking (assets:bank:checking)');
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe(
      'Statement of assets:bank:checking (assets:bank:checking)',
    );

    const summary = await page.locator('section.summary').innerText();
    expect(summary).toMatch(/Opening balance\s+0\.00 USD/);
    const totals = await page.locator('section.footer').innerText();
    expect(totals).toMatch(/Closing balance\s+900\.00 USD/);
    expect(totals).toMatch(/Total debits\s+1300\.00 USD/);

    const rows = page.locator('tbody tr');
    await expect(rows.count()).resolves.toBe(4);
    expect(await rows.nth(1).innerText()).toContain('Rent <January>');
    const late = page.locator('tbody tr.late');
    await expect(late.count()).resolves.toBe(1);
    expect(await late.innerText()).toMatch(/Backdated invoice[\s\S]*49\.75[\s\S]*900\.00[\s\S]*late/);
    expect(await late.locator('.badge').isVisible()).toBe(true);
    // Amounts line up on the right, as on paper.
    expect(
      await rows
        .first()
        .locator('td.num')
        .last()
        .evaluate((td) => getComputedStyle(td).textAlign),
    ).toBe('right');

    // The chart is drawn, wide, above the table, with one point per entry plus the two ends.
    const svg = page.locator('section.chart svg');
    expect(await svg.isVisible()).toBe(true);
    const [chartBox, tableBox] = [await svg.boundingBox(), await page.locator('section.rows table').boundingBox()];
    expect(chartBox!.width).toBeGreaterThan(400);
    expect(chartBox!.height).toBeGreaterThan(50);
    expect(chartBox!.y).toBeLessThan(tableBox!.y);
    expect(await svg.locator('path').getAttribute('data-points')).toBe('6');
    expect(await svg.getAttribute('aria-label')).toBe('Running balance from 0 to 900');

    expect(requests.every((url) => url.startsWith('file://'))).toBe(true);
    await page.close();
  });

  it('prints: a PDF with the table header on the page', async () => {
    const page = await browser.newPage();
    await page.goto(`file://${file}`);
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('thead').isVisible()).toBe(true);
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(5000);
    await page.close();
  });
});
