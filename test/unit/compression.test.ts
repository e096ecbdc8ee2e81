/**
 * compressResponse on a bare node:http server (no database): whichever way a handler writes its
 * body — one end, many writes crossing the threshold, a declared Content-Length — the client
 * decodes exactly what was written; and negotiate's reading of Accept-Encoding.
 */
import { createServer, request, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressResponse, negotiate } from '../../src/http/compression.js';

/** How many times `end`'s callback ran (once the compressed body is sent). */
let endCallbacks = 0;
const TEXT = 'the quick brown fox jumps over the lazy ledger; '.repeat(200);

/** Handlers by path: each writes TEXT (or a part of it) its own way. */
const HANDLERS: Record<string, (res: ServerResponse) => void> = {
  '/one-end': (res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(TEXT);
  },
  '/many-writes': (res) => {
    res.setHeader('content-type', 'application/json; charset=utf-8');
    for (let i = 0; i < TEXT.length; i += 100) res.write(TEXT.slice(i, i + 100));
    res.end();
  },
  '/small-writes': (res) => {
    res.writeHead(200, 'OK', { 'content-type': 'application/json' });
    res.write('{"a":');
    res.end(Buffer.from('1}'));
  },
  '/declared-length': (res) => {
    res.writeHead(200, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(TEXT) });
    res.end(TEXT);
  },
  '/not-modified': (res) => {
    res.writeHead(304, { 'content-type': 'text/html' });
    res.end();
  },
  '/binary': (res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(TEXT);
  },
  '/end-callback': (res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(TEXT, () => {
      endCallbacks += 1;
    });
  },
};

const server = createServer((req, res) => {
  compressResponse(req, res);
  HANDLERS[req.url ?? '']!(res);
});
let port = 0;
beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
beforeAll(() => {
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function get(path: string, acceptEncoding?: string, method = 'GET') {
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const req = request(
      { port, host: '127.0.0.1', path, method, headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const decoded = (r: { headers: IncomingHttpHeaders; body: Buffer }) =>
  r.headers['content-encoding'] === 'gzip'
    ? gunzipSync(r.body).toString()
    : r.headers['content-encoding'] === 'br'
      ? brotliDecompressSync(r.body).toString()
      : r.body.toString();

describe('compressResponse', () => {
  it('compresses a large body however it is written, and it decodes to exactly that body', async () => {
    for (const path of ['/one-end', '/many-writes', '/declared-length', '/end-callback'])
      for (const coding of ['gzip', 'br']) {
        const r = await get(path, coding);
        expect({ path, coding: r.headers['content-encoding'] }).toEqual({ path, coding });
        expect(r.headers['content-length']).toBeUndefined();
        expect(r.headers.vary).toBe('Accept-Encoding');
        expect(r.body.length).toBeLessThan(TEXT.length / 5);
        expect(decoded(r)).toBe(TEXT);
      }
    expect(endCallbacks).toBe(2);
  });

  it('sends a small body as it is, with its length', async () => {
    const r = await get('/small-writes', 'gzip, br');
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.headers['content-length']).toBe('7');
    expect(r.body.toString()).toBe('{"a":1}');
  });

  it('leaves alone what is not text, a 304, a HEAD, and a client that accepts no coding', async () => {
    const binary = await get('/binary', 'gzip');
    expect(binary.headers['content-encoding']).toBeUndefined();
    expect(binary.headers.vary).toBeUndefined();
    expect(binary.body.toString()).toBe(TEXT);
    const notModified = await get('/not-modified', 'gzip');
    expect([notModified.status, notModified.headers['content-encoding'], notModified.body.length]).toEqual([
      304,
      undefined,
      0,
    ]);
    const head = await get('/declared-length', 'gzip', 'HEAD');
    expect([head.headers['content-encoding'], head.headers['content-length']]).toEqual([
      undefined,
      String(TEXT.length),
    ]);
    const identity = await get('/one-end', 'gzip;q=0');
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(identity.body.toString()).toBe(TEXT);
  });
});

describe('negotiate', () => {
  it('reads q-values, prefers br on a tie, and falls back to identity', () => {
    const cases: Array<[string | string[] | undefined, string]> = [
      [undefined, 'identity'],
      ['', 'identity'],
      ['identity', 'identity'],
      ['gzip', 'gzip'],
      ['x-gzip', 'gzip'],
      ['br', 'br'],
      ['gzip, br', 'br'],
      ['gzip;q=0.8, br;q=0.8', 'br'],
      ['gzip;q=0.9, br;q=0.8', 'gzip'],
      ['gzip ; q=0.5 , br;q=0.4', 'gzip'],
      ['*', 'br'],
      ['*;q=0', 'identity'],
      ['br;q=0, *', 'gzip'],
      ['gzip;q=0, br;q=0', 'identity'],
      ['gzip;q=1.5', 'identity'],
      ['gzip;q=-1', 'identity'],
      ['gzip;q=0.1234', 'identity'],
      ['gzip;q=', 'identity'],
      ['deflate, compress', 'identity'],
      [['gzip;q=0.5', 'br;q=0.6'], 'br'],
      [',,;,', 'identity'],
    ];
    for (const [header, expected] of cases)
      expect({ header, coding: negotiate(header) }).toEqual({ header, coding: expected });
  });
});
