/**
 * Response compression over a real socket (node:http, which neither asks for nor decodes an
 * encoding by itself): gzip and brotli as Accept-Encoding allows, decoding to the very bytes of
 * the uncompressed answer; identity without the header or with q=0; small answers and
 * server-sent events never compressed; the access log counting the bytes sent; and GraphiQL's
 * page cached by ETag (a reload is a 304) and sent compressed.
 */
import { request, type IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log.js';
import { COMPRESS_MIN_BYTES } from '../../src/http/compression.js';
import { startTestServer, type TestServer } from '../support/server.js';

interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let server: TestServer;
const logged: Array<{ message: string; fields: Record<string, unknown> }> = [];
const logger: Logger = { log: (_level, message, fields = {}) => void logged.push({ message, fields }) };

/** One request on a socket of its own; `until`: stop reading (and hang up) once this many body bytes came. */
function send(
  init: { method?: string; path?: string; headers?: Record<string, string>; body?: string },
  until?: number,
): Promise<Raw> {
  const url = new URL(init.path ?? '/graphql', server.url);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: init.method ?? 'POST',
        agent: false,
        headers: {
          authorization: `Bearer ${server.adminKey}`,
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...init.headers,
        },
      },
      (res) => {
        // A compressed stream would hold its events back: say so at once rather than wait for bytes.
        if (until !== undefined && /gzip|br/.test(res.headers['content-encoding'] ?? '')) {
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.alloc(0) });
          req.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        let bytes = 0;
        const done = () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) });
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          bytes += chunk.length;
          if (until !== undefined && bytes >= until) {
            done();
            req.destroy();
          }
        });
        res.on('end', done);
        res.on('error', reject);
      },
    );
    req.on('error', (error) => (until === undefined ? reject(error) : undefined));
    req.end(init.body);
  });
}

const decode = (raw: Raw): Buffer => {
  const coding = raw.headers['content-encoding'];
  if (coding === 'gzip') return gunzipSync(raw.body);
  if (coding === 'br') return brotliDecompressSync(raw.body);
  expect(coding).toBeUndefined();
  return raw.body;
};

/** An answer well over 1 KiB: every account with its fields. */
const LARGE = JSON.stringify({
  query: '{ accounts(first: 50) { edges { cursor node { code name type currency status } } } }',
});
const SMALL = JSON.stringify({ query: '{ __typename }' });

beforeAll(async () => {
  server = await startTestServer({}, logger, { graphiql: true });
  const open = `mutation($input: OpenAccountInput!) { openAccount(input: $input) { __typename } }`;
  for (let i = 0; i < 25; i++) {
    const input = {
      code: `assets:bank:account-${i}`,
      name: `Bank account number ${i}`,
      type: 'ASSET',
      currency: 'EUR',
    };
    expect((await server.gql(open, { input })).body.data.openAccount.__typename).toBe('Account');
  }
});
afterAll(() => server?.close());

describe('compression', () => {
  it('answers gzip or brotli as Accept-Encoding asks, decoding to the uncompressed answer', async () => {
    const plain = await send({ body: LARGE, headers: { 'accept-encoding': 'identity' } });
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.length).toBeGreaterThan(COMPRESS_MIN_BYTES);
    expect(JSON.parse(plain.body.toString()).data.accounts.edges).toHaveLength(25);

    const cases: Array<[string, string]> = [
      ['gzip', 'gzip'],
      ['br', 'br'],
      ['gzip, br', 'br'],
      ['br;q=1, gzip;q=1', 'br'],
      ['gzip;q=1, br;q=0.5', 'gzip'],
      ['deflate, gzip;q=0.2', 'gzip'],
      ['*', 'br'],
      ['br;q=0, *;q=0.1', 'gzip'],
      ['GZIP;Q=0.9, x-unknown', 'gzip'],
    ];
    for (const [accept, expected] of cases) {
      const raw = await send({ body: LARGE, headers: { 'accept-encoding': accept } });
      expect({ accept, status: raw.status, coding: raw.headers['content-encoding'] }).toEqual({
        accept,
        status: 200,
        coding: expected,
      });
      expect(raw.headers.vary).toMatch(/accept-encoding/i);
      expect(raw.headers['content-length']).toBeUndefined();
      expect(raw.body.length).toBeLessThan(plain.body.length / 2);
      expect(decode(raw).equals(plain.body)).toBe(true);
    }
  });

  it('sends identity without the header, with q=0 for every coding, or with a malformed q-value', async () => {
    for (const accept of [undefined, 'identity', 'gzip;q=0, br;q=0', '*;q=0', 'gzip;q=2', 'br;q=abc', 'deflate', '']) {
      const raw = await send({ body: LARGE, headers: accept === undefined ? {} : { 'accept-encoding': accept } });
      expect({ accept, coding: raw.headers['content-encoding'] }).toEqual({ accept, coding: undefined });
      expect(raw.headers.vary).toMatch(/accept-encoding/i);
      expect(JSON.parse(raw.body.toString()).data.accounts.edges).toHaveLength(25);
    }
  });

  it('leaves an answer under 1 KiB uncompressed (with its length), still varying on Accept-Encoding', async () => {
    const raw = await send({ body: SMALL, headers: { 'accept-encoding': 'gzip, br' } });
    expect(raw.headers['content-encoding']).toBeUndefined();
    expect(raw.headers.vary).toMatch(/accept-encoding/i);
    expect(Number(raw.headers['content-length'])).toBe(raw.body.length);
    expect(raw.body.length).toBeLessThan(COMPRESS_MIN_BYTES);
    expect(JSON.parse(raw.body.toString()).data).toEqual({ __typename: 'Query' });
  });

  it('compresses the operator endpoints too: /metrics for a scraper that accepts gzip', async () => {
    const raw = await send({ method: 'GET', path: '/metrics', headers: { 'accept-encoding': 'gzip' } });
    expect(raw.status).toBe(200);
    expect(raw.headers['content-encoding']).toBe('gzip');
    const text = decode(raw).toString();
    // Each family once: the body is sent whole, and only once.
    expect(text.match(/^# HELP inkwell_log_head_position /gm)).toHaveLength(1);
    expect(text.match(/^# HELP process_cpu_seconds_total /gm)).toHaveLength(1);
  });

  it('never compresses server-sent events, even when the client accepts gzip and brotli', async () => {
    const body = JSON.stringify({
      query: 'subscription { ledgerEvents(afterPosition: 0) { position streamId type } }',
    });
    // 25 accounts opened: far more than 1 KiB of events, read as they come, then the client hangs up.
    const raw = await send(
      { body, headers: { accept: 'text/event-stream', 'accept-encoding': 'gzip, br' } },
      2 * COMPRESS_MIN_BYTES,
    );
    expect(raw.status).toBe(200);
    expect(raw.headers['content-type']).toMatch(/^text\/event-stream/);
    // The stream itself says `none` (as yoga's do), so that proxies leave it alone too.
    expect(raw.headers['content-encoding'] ?? 'none').toBe('none');
    const text = raw.body.toString();
    expect(text).toMatch(/^event: next$/m);
    expect(text).toContain('"position":1,');
  });

  it('logs the bytes sent on the wire: the compressed size', async () => {
    const raw = await send({ body: LARGE, headers: { 'accept-encoding': 'gzip', 'x-request-id': 'compressed-1' } });
    expect(raw.headers['content-encoding']).toBe('gzip');
    let line: (typeof logged)[number] | undefined;
    for (let i = 0; i < 100 && !line; i++) {
      line = logged.find((l) => l.message === 'request' && l.fields.requestId === 'compressed-1');
      if (!line) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(line?.fields.bytesOut).toBe(raw.body.length);
  });
});

describe("GraphiQL's page", () => {
  const page = (headers: Record<string, string>) =>
    send({ method: 'GET', headers: { accept: 'text/html', authorization: '', ...headers } });

  it('carries an ETag and Cache-Control: no-cache, and a matching If-None-Match gets a 304 without a body', async () => {
    const first = await page({});
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toMatch(/^text\/html/);
    expect(first.headers['cache-control']).toBe('no-cache');
    const etag = first.headers.etag!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{10,}"$/);
    expect(first.body.toString()).toContain('<title>Inkwell</title>');

    const again = await page({});
    expect(again.headers.etag).toBe(etag);
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const reload = await page({ 'if-none-match': ifNoneMatch, 'accept-encoding': 'gzip, br' });
      expect({ ifNoneMatch, status: reload.status, bytes: reload.body.length }).toEqual({
        ifNoneMatch,
        status: 304,
        bytes: 0,
      });
      expect(reload.headers.etag).toBe(etag);
    }
    const changed = await page({ 'if-none-match': '"an-older-version"' });
    expect(changed.status).toBe(200);
    expect(changed.body.equals(first.body)).toBe(true);
  });

  it('is sent compressed (and the same page decoded) when the browser accepts it', async () => {
    const plain = await page({});
    for (const coding of ['gzip', 'br']) {
      const raw = await page({ 'accept-encoding': coding });
      expect(raw.status).toBe(200);
      expect(raw.headers['content-encoding']).toBe(coding);
      expect(raw.headers.vary).toMatch(/accept-encoding/i);
      expect(raw.body.length).toBeLessThan(plain.body.length / 3);
      expect(decode(raw).equals(plain.body)).toBe(true);
    }
  });
});
