/**
 * GraphiQL as a person meets it, in headless Chromium (Debian's `chromium`, driven by
 * playwright-core): the first load shows no error — the schema comes by introspection, which
 * development serves without a key — and asks for the key in the open Headers pane; the Docs
 * pane is filled; with a key pasted, the default query runs.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { startTestServer, type TestServer } from '../support/server.js';

let browser: Browser;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({}, undefined, { graphiql: true });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Every answer the page got from /graphql (its own HTML aside), as "status body". */
function watchApi(page: Page): string[] {
  const answers: string[] = [];
  page.on('response', async (response) => {
    if (!response.url().startsWith(server.url) || response.request().resourceType() === 'document') return;
    answers.push(`${response.status()} ${(await response.text().catch(() => '')).slice(0, 200)}`);
  });
  return answers;
}

/** What a locator shows, with the editor's non-breaking spaces read as spaces. */
const shown = async (locator: ReturnType<Page['locator']>) => (await locator.innerText()).replace(/\u00a0/g, ' ');

describe('GraphiQL', () => {
  it('opens without an error, asks for the key, fills the Docs pane, and runs once a key is pasted', async () => {
    const page = await browser.newPage();
    const answers = watchApi(page);
    await page.goto(server.url);
    // The Headers pane is open on the placeholder: the page asks for the key.
    const headers = page.locator('.graphiql-editor-tool').last();
    await expect.poll(() => shown(headers), { timeout: 20_000 }).toContain('"Authorization": "Bearer <your API key>"');

    await page.getByRole('button', { name: /show documentation explorer/i }).click();
    const docs = page.locator('.graphiql-doc-explorer');
    await expect.poll(() => shown(docs), { timeout: 20_000 }).toMatch(/Root Types[\s\S]*query: Query/);
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.every((a) => a.startsWith('200 '))).toBe(true);
    expect(await shown(page.locator('body'))).not.toContain('UNAUTHENTICATED');
    const result = page.locator('.graphiql-response');
    expect(await shown(result)).not.toMatch(/errors|failed/i);

    await headers.locator('.view-lines').last().click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${server.adminKey}` }));
    // The editor closes brackets and quotes as they are typed: drop what it added after the text.
    await page.keyboard.press('ControlOrMeta+Shift+End');
    await page.keyboard.press('Delete');
    expect(JSON.parse((await shown(headers)).replace(/^\d+\n/gm, ''))).toEqual({
      Authorization: `Bearer ${server.adminKey}`,
    });
    await page.getByRole('button', { name: /execute query/i }).click();
    await expect.poll(() => shown(result), { timeout: 20_000 }).toContain('"accounts"');
    expect(await shown(result)).not.toContain('errors');
    await page.close();
  });
});
