/**
 * Persisted operations on a real server: the Automatic Persisted Queries round trip (unknown hash
 * → PERSISTED_QUERY_NOT_FOUND, hash + text registers it, the hash alone then runs it, over POST
 * and GET), a hash that is not the text's refused, and the allow-list mode with a list made by
 * running codegen: unknown operations and arbitrary text refused, listed ones served by hash,
 * the usual limits still applied — each refusal counted in /metrics and the access log.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log.js';
import { type Generated, generateClient } from '../support/codegen.js';
import { parsePrometheus, sampleValue } from '../support/prometheus.js';
import { startTestServer, type TestServer } from '../support/server.js';

type Line = { message: string; fields: Record<string, unknown> };
const lines: Line[] = [];
const logger: Logger = { log: (_level, message, fields = {}) => void lines.push({ message, fields }) };

let open: TestServer;
let only: TestServer;
let strict: TestServer;
let generated: Generated;
let listed: [string, string];

const QUERY = 'query Cash { account(code: "assets:cash") { code currency } }';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const persisted = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

async function post(server: TestServer, body: Record<string, unknown>, requestId?: string) {
  const response = await server.raw({
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(requestId && { 'x-request-id': requestId }) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function get(server: TestServer, params: Record<string, unknown>) {
  const search = new URLSearchParams(
    Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
  const response = await server.raw({ path: `/graphql?${search}`, headers: { 'x-graphql-yoga-csrf': '1' } });
  return { status: response.status, body: await response.json() };
}

const codeOf = (reply: { body: any }) => reply.body.errors?.[0]?.extensions?.code;

beforeAll(async () => {
  generated = await generateClient();
  listed = Object.entries(JSON.parse(readFileSync(generated.persistedDocuments, 'utf8')))[0] as [string, string];
  open = await startTestServer({}, logger);
  only = await startTestServer({}, logger, { persistedOnly: true, persistedOperations: generated.persistedDocuments });
  // The listed AccountBalance is five fields deep: a depth limit of 3 must still refuse it.
  strict = await startTestServer({}, logger, {
    persistedOnly: true,
    persistedOperations: generated.persistedDocuments,
    queryLimits: { maxDepth: 3, maxTokens: 2000, maxAliases: 20, maxDirectives: 20, maxCost: 20000 },
  });
  for (const server of [open, only]) {
    await server.ledger.openAccount(
      { code: 'assets:cash', name: 'Cash', type: 'ASSET', currency: 'USD' },
      { actor: 'test', requestId: 'setup' },
    );
  }
});
afterAll(async () => {
  await open?.close();
  await only?.close();
  await strict?.close();
  generated?.dispose();
});

describe('Automatic Persisted Queries', () => {
  it('answers an unknown hash PERSISTED_QUERY_NOT_FOUND, learns hash + text, then runs the hash alone', async () => {
    const hash = sha256(QUERY);
    const unknown = await post(open, { extensions: persisted(hash) });
    expect(unknown.status).toBe(200);
    expect(codeOf(unknown)).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(unknown.body.errors[0].message).toBe('PersistedQueryNotFound');

    const registered = await post(open, { query: QUERY, extensions: persisted(hash) });
    expect(registered.body).toMatchObject({ data: { account: { code: 'assets:cash', currency: 'USD' } } });

    const byHash = await post(open, { extensions: persisted(hash) });
    expect(byHash.body.data).toEqual(registered.body.data);
    const overGet = await get(open, { extensions: persisted(hash) });
    expect(overGet.status).toBe(200);
    expect(overGet.body.data).toEqual(registered.body.data);
  });

  it('learns over GET too', async () => {
    const query = 'query CashOverGet { account(code: "assets:cash") { currency } }';
    const hash = sha256(query);
    expect(codeOf(await get(open, { extensions: persisted(hash) }))).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await get(open, { query, extensions: persisted(hash) })).body.data).toEqual({
      account: { currency: 'USD' },
    });
    expect((await get(open, { extensions: persisted(hash) })).body.data).toEqual({ account: { currency: 'USD' } });
  });

  it('refuses a hash that is not the SHA-256 of the text sent, and stores nothing under it', async () => {
    const other = sha256('query { __typename }');
    const wrong = await post(open, { query: QUERY, extensions: persisted(other) });
    expect(wrong.status).toBe(200);
    expect(codeOf(wrong)).toBe('PERSISTED_QUERY_HASH_MISMATCH');
    expect(wrong.body.data).toBeUndefined();
    expect(codeOf(await post(open, { extensions: persisted(other) }))).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('keeps no text that fails validation, and refuses a malformed extension', async () => {
    const broken = 'query { account(code: "assets:cash") { nope } }';
    const hash = sha256(broken);
    expect(codeOf(await post(open, { query: broken, extensions: persisted(hash) }))).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(codeOf(await post(open, { extensions: persisted(hash) }))).toBe('PERSISTED_QUERY_NOT_FOUND');
    for (const bad of [{ version: 2, sha256Hash: hash }, { version: 1 }, 'abc', { version: 1, sha256Hash: 'a b' }]) {
      const reply = await post(open, { query: QUERY, extensions: { persistedQuery: bad } });
      expect(reply.status).toBe(200);
      expect(codeOf(reply)).toBe('BAD_REQUEST');
    }
  });

  it('still runs a mutation only over POST, when sent by hash', async () => {
    const mutation = 'mutation { closeAccount(input: { code: "assets:nowhere" }) { __typename } }';
    const hash = sha256(mutation);
    await post(open, { query: mutation, extensions: persisted(hash) });
    expect((await get(open, { extensions: persisted(hash) })).status).toBe(405);
  });
});

describe('INKWELL_PERSISTED_ONLY with the list codegen wrote', () => {
  it('serves a listed operation by its hash, and with its own text', async () => {
    const [hash, document] = listed;
    const byHash = await post(only, { extensions: persisted(hash), variables: { code: 'assets:cash' } });
    expect(byHash.body).toMatchObject({
      data: { account: { code: 'assets:cash', balance: { posted: { amount: '0.00', currency: 'USD' } } } },
    });
    const withText = await post(only, {
      query: document,
      extensions: persisted(hash),
      variables: { code: 'assets:cash' },
    });
    expect(withText.body.data).toEqual(byHash.body.data);
    const overGet = await get(only, { extensions: persisted(hash), variables: { code: 'assets:cash' } });
    expect(overGet.body.data).toEqual(byHash.body.data);
  });

  it('refuses an unknown operation, arbitrary text, and other text under a listed hash', async () => {
    const unknown = await post(only, { query: QUERY, extensions: persisted(sha256(QUERY)) }, 'pq-unknown');
    expect(unknown.status).toBe(200);
    expect(codeOf(unknown)).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    const text = await post(only, { query: QUERY, operationName: 'Cash' }, 'pq-text');
    expect(codeOf(text)).toBe('PERSISTED_QUERY_REQUIRED');
    expect(text.body.data).toBeUndefined();
    const swapped = await post(only, { query: QUERY, extensions: persisted(listed[0]) });
    expect(codeOf(swapped)).toBe('PERSISTED_QUERY_HASH_MISMATCH');
    expect(swapped.body.data).toBeUndefined();
    // Not even introspection: GraphiQL and schema probes are arbitrary text too.
    expect(codeOf(await post(only, { query: '{ __schema { types { name } } }' }))).toBe('PERSISTED_QUERY_REQUIRED');
  });

  it('counts the refusals in /metrics and writes them to the access log', async () => {
    const metrics = parsePrometheus(await (await only.raw({ path: '/metrics' })).text());
    expect(
      sampleValue(metrics, 'inkwell_requests_total', { operation: 'Cash', outcome: 'PERSISTED_QUERY_REQUIRED' }),
    ).toBe(1);
    expect(
      sampleValue(metrics, 'inkwell_requests_total', {
        operation: 'anonymous',
        outcome: 'PERSISTED_QUERY_NOT_IN_LIST',
      }),
    ).toBeGreaterThanOrEqual(1);
    const line = lines.find((l) => l.message === 'request' && l.fields.requestId === 'pq-text');
    expect(line?.fields).toMatchObject({ outcome: 'PERSISTED_QUERY_REQUIRED', status: 200, operationName: 'Cash' });
    expect(JSON.stringify(line)).not.toContain('assets:cash');
  });

  it('applies the depth limit to a listed operation', async () => {
    const reply = await post(strict, { extensions: persisted(listed[0]), variables: { code: 'assets:cash' } });
    expect(reply.body.data).toBeUndefined();
    expect(reply.body.errors[0].message).toMatch(/depth/i);
  });
});
