/**
 * The access log on a real server: one JSON line per request through the server's logger, with
 * the request id, key name, operation name and type, status, duration, cost and bytes out — and
 * never the key's secret, the query text or a variable's value, even when the request carries
 * them. INKWELL_ACCESS_LOG=off writes none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log.js';
import { startTestServer, type TestServer } from '../support/server.js';

type Line = { level: string; message: string; fields: Record<string, unknown> };
const lines: Line[] = [];
const logger: Logger = {
  log: (level, message, fields = {}) => void lines.push(JSON.parse(JSON.stringify({ level, message, fields }))),
};
const quiet: Line[] = [];
let server: TestServer;
let silent: TestServer;

const accessLines = (requestId: string) =>
  lines.filter((l) => l.message === 'request' && l.fields.requestId === requestId);

/** Waits for the line: it is written when the response is finished, just after the client has it. */
async function lineOf(requestId: string): Promise<Line> {
  for (let i = 0; i < 100 && accessLines(requestId).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  const found = accessLines(requestId);
  expect(found).toHaveLength(1);
  return found[0]!;
}

beforeAll(async () => {
  server = await startTestServer({}, logger);
  silent = await startTestServer(
    {},
    { log: (level, message, fields = {}) => void quiet.push({ level, message, fields }) },
    { accessLog: 'off' },
  );
});
afterAll(async () => {
  await server?.close();
  await silent?.close();
});

const SECRET_VALUE = 'assets:very-secret-account-code';

describe('access log', () => {
  it('names the ledger of each request: default, an existing one, none for an unknown one (issue 24)', async () => {
    await server.gql('mutation { createLedger(input: { name: "logged" }) { __typename } }');
    const send = (path: string, requestId: string) =>
      server.raw({
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': requestId },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
    expect((await send('/graphql', 'ledger-1')).status).toBe(200);
    expect((await send('/ledgers/logged/graphql', 'ledger-2')).status).toBe(200);
    expect((await send('/ledgers/ghost/graphql', 'ledger-3')).status).toBe(404);
    expect((await lineOf('ledger-1')).fields).toMatchObject({ ledger: 'default', path: '/graphql' });
    expect((await lineOf('ledger-2')).fields).toMatchObject({ ledger: 'logged', path: '/ledgers/logged/graphql' });
    expect((await lineOf('ledger-3')).fields).toMatchObject({ ledger: null, outcome: 'LEDGER_NOT_FOUND', status: 404 });
  });

  it('writes one line per request with its fields, and no secret, query text or variable value', async () => {
    const key = await server.createKey('reader', { name: 'dashboard' });
    const query = 'query Lookup($code: String!) { account(code: $code) { code } }';
    const reply = await server.gqlAs(key, query, { code: SECRET_VALUE }, { 'x-request-id': 'log-1' });
    expect(reply.status).toBe(200);
    const line = await lineOf('log-1');
    expect(line.level).toBe('info');
    expect(line.fields).toMatchObject({
      requestId: 'log-1',
      method: 'POST',
      path: '/graphql',
      keyName: 'dashboard',
      operationName: 'Lookup',
      operationType: 'query',
      outcome: 'ok',
      status: 200,
    });
    expect(line.fields.cost).toBeGreaterThanOrEqual(1);
    expect(line.fields.bytesOut).toBe(Buffer.byteLength(JSON.stringify(reply.body)));
    expect(typeof line.fields.durationMs).toBe('number');
    const text = JSON.stringify(line);
    for (const secret of [key, key.slice(0, 12), SECRET_VALUE, 'account(code', 'Bearer'])
      expect(text).not.toContain(secret);
  });

  it('logs a refused request (a wrong key) under its id, without the key', async () => {
    const wrong = 'ink_wrong_secret_value_123456';
    const reply = await server.gqlAs(wrong, 'mutation M { __typename }', {}, { 'x-request-id': 'log-2' });
    expect(reply.status).toBe(401);
    const line = await lineOf('log-2');
    expect(line.fields).toMatchObject({ status: 401, keyName: null, outcome: 'UNAUTHENTICATED' });
    expect(JSON.stringify(line)).not.toContain(wrong);
  });

  it('writes exactly one line for each of several requests, the health check too', async () => {
    const before = lines.filter((l) => l.message === 'request').length;
    await server.gql('mutation Open { __typename }', undefined, { 'x-request-id': 'log-3' });
    await server.raw({ path: '/health', headers: { 'x-request-id': 'log-4' } });
    await server.gql('{ __typename }', undefined, { 'x-request-id': 'log-5' });
    expect((await lineOf('log-3')).fields).toMatchObject({ operationName: 'Open', operationType: 'mutation' });
    expect((await lineOf('log-4')).fields).toMatchObject({ path: '/health', status: 200 });
    expect((await lineOf('log-5')).fields).toMatchObject({ operationName: null, operationType: 'query' });
    expect(lines.filter((l) => l.message === 'request').length - before).toBe(3);
  });

  it('caps a long path the client chose, and logs its 404', async () => {
    const reply = await server.raw({ path: `/${'p'.repeat(5000)}`, headers: { 'x-request-id': 'log-6' } });
    expect(reply.status).toBe(404);
    const line = await lineOf('log-6');
    expect(line.fields.status).toBe(404);
    expect(String(line.fields.path).length).toBe(256);
  });

  it('writes nothing when INKWELL_ACCESS_LOG is off', async () => {
    await silent.gql('{ __typename }', undefined, { 'x-request-id': 'quiet-1' });
    await new Promise((r) => setTimeout(r, 50));
    expect(quiet.filter((l) => l.message === 'request')).toEqual([]);
  });
});
