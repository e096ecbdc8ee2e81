/**
 * Hostile and malformed input over the real socket: transport (what reaches GraphQL at all),
 * abusive documents, and text that is not well-formed Unicode or cursors beyond any column. Every
 * refusal is typed data, a clear GraphQL error or a 4xx, and writes nothing (the rules and the
 * shared fixtures: test/support/bad-input.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  badInputServer,
  server,
  writesNothing,
  expectTyped,
  expectNoServerFault,
  expectGraphQLError,
  OPEN,
  OPEN_LITERAL,
  rawRequest,
} from '../../support/bad-input.js';
import type { RawInit } from '../../support/server.js';

badInputServer();

// ---------------------------------------------------------------------------------------------
// Transport: what reaches GraphQL at all
// ---------------------------------------------------------------------------------------------

describe('transport', () => {
  it.each<[string, Record<string, string>, BodyInit, number]>([
    [
      'a form-encoded POST',
      { 'content-type': 'application/x-www-form-urlencoded' },
      `query=${encodeURIComponent(OPEN_LITERAL)}`,
      415,
    ],
    [
      'a multipart POST',
      { 'content-type': 'multipart/form-data; boundary=X' },
      `--X\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query: OPEN_LITERAL })}\r\n--X--\r\n`,
      415,
    ],
    ['a text/plain POST', { 'content-type': 'text/plain' }, JSON.stringify({ query: OPEN_LITERAL }), 415],
    ['a POST without a content type', {}, new Blob([JSON.stringify({ query: OPEN_LITERAL })]), 415],
    ['an application/graphql POST', { 'content-type': 'application/graphql' }, OPEN_LITERAL, 415],
  ])('refuses %s with %i and executes nothing', async (_label, headers, body, status) => {
    const res = await writesNothing(() => rawRequest({ method: 'POST', headers, body }));
    expect(res.status).toBe(status);
    expect(res.body.errors[0].message).toMatch(/application\/json/);
  });

  const CSRF = { 'x-graphql-yoga-csrf': '1' };

  it('refuses a GET without the CSRF header (a browser could send it cross-site without a preflight)', async () => {
    const res = await writesNothing(() =>
      rawRequest({ path: `/graphql?query=${encodeURIComponent('{ __typename }')}` }),
    );
    expect(res.status).toBe(403);
    expect(res.body.errors[0].message).toMatch(/CSRF/);
    expect(res.body.errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('gives a variable that was not provided a code too (graphql-js gives it none)', async () => {
    const res = await writesNothing(() =>
      rawRequest({
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: 'mutation($i: TransferInput!) { transfer(input: $i) { __typename } }',
          variables: null,
        }),
      }),
    );
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({
      message: expect.stringMatching(/^Variable "\$i" of required type "TransferInput!" was not provided/),
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('refuses a mutation sent with GET and executes nothing', async () => {
    const res = await writesNothing(() =>
      rawRequest({ path: `/graphql?query=${encodeURIComponent(OPEN_LITERAL)}`, headers: CSRF }),
    );
    expect(res.status).toBe(405);
    expect(res.body.errors[0].message).toMatch(/mutation/i);
    expect(res.body.errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('refuses a mutation sent with GET under an operationName and executes nothing', async () => {
    const query = `query Q { __typename } ${OPEN_LITERAL.replace('mutation', 'mutation M')}`;
    const res = await writesNothing(() =>
      rawRequest({ path: `/graphql?operationName=M&query=${encodeURIComponent(query)}`, headers: CSRF }),
    );
    expect(res.status).toBe(405);
  });

  it.each([
    ['variables that are not JSON', 'variables=not-json'],
    ['variables that are a JSON array', 'variables=%5B1%5D'],
    ['extensions that are not JSON', 'extensions=%7B'],
    ['extensions that are a string', 'extensions=%22x%22'],
  ])('refuses a GET with %s as 400', async (_label, param) => {
    const res = await writesNothing(() =>
      rawRequest({ path: `/graphql?query=${encodeURIComponent('{ __typename }')}&${param}`, headers: CSRF }),
    );
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('refuses application/graphql-response+json bodies with a message, and reads application/json in any case', async () => {
    const body = JSON.stringify({ query: '{ __typename }' });
    const other = await rawRequest({
      method: 'POST',
      headers: { 'content-type': 'application/graphql-response+json' },
      body,
    });
    expect(other.status).toBe(415);
    expect(other.body.errors[0].message).toMatch(/application\/json/);
    for (const type of ['Application/JSON', 'APPLICATION/JSON ; charset=UTF-8', 'application/json;charset=utf-8']) {
      const res = await rawRequest({ method: 'POST', headers: { 'content-type': type }, body });
      expect(res.status, type).toBe(200);
      expect(res.body.data).toEqual({ __typename: 'Query' });
    }
  });

  it('answers a plain query sent with GET', async () => {
    const res = await rawRequest({ path: `/graphql?query=${encodeURIComponent('{ __typename }')}`, headers: CSRF });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ __typename: 'Query' });
  });

  it.each<[string, string, number[]]>([
    ['malformed JSON', '{"query": "mutation {', [400]],
    ['an empty body', '', [400]],
    ['a JSON array (batching is off)', JSON.stringify([{ query: OPEN_LITERAL }, { query: OPEN_LITERAL }]), [400]],
    ['a JSON string', JSON.stringify(OPEN_LITERAL), [400]],
    ['JSON null', 'null', [400]],
    ['a JSON number', '42', [400]],
    ['a query that is not a string', JSON.stringify({ query: 5 }), [400]],
    ['no query', JSON.stringify({ variables: {} }), [200, 400]],
    ['variables that are a list', JSON.stringify({ query: OPEN_LITERAL, variables: [1] }), [400]],
    ['variables that are a string', JSON.stringify({ query: OPEN_LITERAL, variables: 'x' }), [400]],
    ['a form body labelled JSON', `query=${encodeURIComponent(OPEN_LITERAL)}`, [400]],
    ['JSON with a BOM and trailing garbage', `\ufeff${JSON.stringify({ query: OPEN_LITERAL })}xyz`, [400]],
  ])('refuses %s (status %j) and executes nothing', async (_label, body, statuses) => {
    const res = await writesNothing(() =>
      rawRequest({ method: 'POST', headers: { 'content-type': 'application/json' }, body }),
    );
    expectNoServerFault(res);
    expect(statuses).toContain(res.status);
    expect(res.body?.errors?.[0]?.message).toEqual(expect.any(String));
    expect(res.body?.data ?? null).toBeNull();
  });

  it('refuses a body over 1 MiB with 413 and executes nothing', async () => {
    const body = JSON.stringify({ query: OPEN_LITERAL, variables: { pad: 'x'.repeat(1024 * 1024 + 1) } });
    const res = await writesNothing(() =>
      rawRequest({ method: 'POST', headers: { 'content-type': 'application/json' }, body }),
    );
    expect(res.status).toBe(413);
    expect(res.body.errors[0].message).toMatch(/limited to \d+ bytes/);
  });

  it('refuses a chunked body without Content-Length and executes nothing', async () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ query: OPEN_LITERAL }));
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    });
    const res = await writesNothing(() =>
      rawRequest({
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: stream,
        duplex: 'half',
      } as RawInit),
    );
    expect([411, 413]).toContain(res.status);
  });

  it.each([
    ['an unknown path', '/nowhere', 'POST'],
    ['a path below /graphql', '/graphql/x', 'POST'],
    ['a traversal', '/graphql/../admin', 'GET'],
  ])('answers %s with 404', async (_label, path, method) => {
    const init: RawInit = { path, method };
    if (method === 'POST')
      Object.assign(init, {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: OPEN_LITERAL }),
      });
    const res = await writesNothing(() => rawRequest(init));
    expect(res.status).toBe(404);
  });

  it('refuses a GET whose URL is over the header limit, without a 500', async () => {
    const query = `{ ${'__typename '.repeat(2000)}}`;
    const res = await writesNothing(() =>
      rawRequest({ path: `/graphql?query=${encodeURIComponent(query)}&pad=${'x'.repeat(20_000)}` }),
    );
    expect([414, 431]).toContain(res.status);
  });

  it.each([
    ['129 characters', 'r'.repeat(129)],
    ['a space', 'req id'],
    ['non-ASCII bytes', Buffer.from('req-é', 'utf8').toString('latin1')],
  ])('replaces an x-request-id of %s with its own', async (_label, id) => {
    const res = await server.gql('{ __typename }', undefined, { 'x-request-id': id });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each(['PUT', 'DELETE', 'PATCH'])('refuses method %s with 405 and executes nothing', async (method) => {
    const res = await writesNothing(() =>
      rawRequest({
        method,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: OPEN_LITERAL }),
      }),
    );
    expect(res.status).toBe(405);
  });

  it('refuses two mutations without an operationName and executes neither', async () => {
    const query = `${OPEN_LITERAL.replace('mutation', 'mutation A')} ${OPEN_LITERAL.replace('mutation', 'mutation B')}`;
    expectGraphQLError(await writesNothing(() => server.gql(query)), /operation/i);
  });

  it('refuses an operationName that is not in the document and executes nothing', async () => {
    const res = await writesNothing(async () => {
      const r = await rawRequest({
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: OPEN_LITERAL.replace('mutation', 'mutation A'), operationName: 'B' }),
      });
      return r;
    });
    expectNoServerFault(res);
    expect(res.body.errors[0].message).toMatch(/operation/i);
    expect(res.body.data ?? null).toBeNull();
  });
});

/** Abusive documents are refused by the armor limits, quickly, before any resolver runs. */
describe('abusive documents', () => {
  /** account → entries → edges → node → account → …, `levels` fields deep. */
  const depthQuery = (levels: number) => {
    const cycle = ['account', 'entries(first: 1)', 'edges', 'node'];
    const fields = Array.from({ length: levels }, (_, i) =>
      i === 0 ? 'account(code: "assets:bank")' : cycle[i % cycle.length],
    );
    return `{ ${fields.map((field) => `${field} {`).join(' ')} __typename ${'}'.repeat(levels)} }`;
  };

  it.each<[string, () => string, RegExp]>([
    ['a 10,000-deep nesting of "{"', () => '{'.repeat(10_000), /token|Syntax/i],
    [
      'a 10,000-deep nesting of selections',
      () => `${'{ a '.repeat(10_000)}${'}'.repeat(10_000)}`,
      /nested more than 64 levels/i,
    ],
    [
      'a 10,000-deep list literal',
      () => `{ account(code: ${'['.repeat(10_000)}"x"${']'.repeat(10_000)}) { code } }`,
      /nested more than 64 levels/i,
    ],
    [
      'a 10,000-deep object literal',
      () =>
        `mutation { openAccount(input: { code: "assets:deep", name: "D", type: ASSET, currency: "USD", metadata: ${'{ a: '.repeat(10_000)}1${' }'.repeat(10_000)} }) { __typename } }`,
      /nested more than 64 levels/i,
    ],
    ['a cyclic query 30 levels deep', () => depthQuery(30), /depth|cost/i],
    ['a cyclic query 13 levels deep (one past the limit)', () => depthQuery(13), /depth/i],
    // Aliases of __typename are free (graphql-armor allows them); aliases of real fields count.
    [
      '50 aliases',
      () => `{ ${Array.from({ length: 50 }, (_, i) => `a${i}: account(code: "assets:bank") { code }`).join(' ')} }`,
      /alias/i,
    ],
    [
      '50 aliased mutations',
      () =>
        `mutation { ${Array.from({ length: 50 }, (_, i) => `m${i}: openAccount(input: { code: "assets:alias-${i}", name: "A", type: ASSET, currency: "USD" }) { __typename }`).join(' ')} }`,
      /alias|token|cost/i,
    ],
    ['3,000 tokens', () => `{ ${'__typename '.repeat(3000)}}`, /token/i],
    // Found by a red-team pass: a comment ended by a bare CR, or an escaped \""" in a block string, hid nesting from the guard.
    [
      'a deep list after a comment ended by a bare CR',
      () => `# x\r{ accounts(prefix: ${'['.repeat(70)}"a"${']'.repeat(70)}) { edges { cursor } } }`,
      /nested more than 64 levels/i,
    ],
    [
      'a deep list after a block string with an escaped quote',
      () =>
        `{ a: accounts(prefix: """ \\""" [ """) { edges { cursor } } b: accounts(prefix: ${'['.repeat(70)}"a"${']'.repeat(70)}) { edges { cursor } } }`,
      /nested more than 64 levels/i,
    ],
    ['50 directives', () => `{ __typename ${'@include(if: true) '.repeat(50)}}`, /directive/i],
  ])('refuses %s quickly', async (_label, query, message) => {
    const started = Date.now();
    const res = await writesNothing(() => server.gql(query()));
    expect(Date.now() - started).toBeLessThan(2000);
    expectGraphQLError(res, message);
  });

  it('answers a cyclic query within the depth limit', async () => {
    const res = await server.gql(depthQuery(8));
    expectNoServerFault(res);
    expect(res.body.errors).toBeUndefined();
  });

  it('still serves after the abuse', async () => {
    const res = await server.gql(`{ account(code: "assets:bank") { code } }`);
    expect(res.body.data).toEqual({ account: { code: 'assets:bank' } });
  });
});

// Found in review: text PostgreSQL and SQLite would store differently, cursors only one dialect refuses.
describe('text that is not well-formed Unicode, and cursors beyond any column', () => {
  it.each([
    [
      'a name with a lone high surrogate',
      { input: { code: 'assets:lone1', name: 'x\ud800y', type: 'ASSET', currency: 'USD' } },
      OPEN,
      'openAccount',
    ],
    [
      'a name with a lone low surrogate',
      { input: { code: 'assets:lone2', name: 'x\udc00', type: 'ASSET', currency: 'USD' } },
      OPEN,
      'openAccount',
    ],
    [
      'metadata with a lone surrogate in a value',
      { input: { code: 'assets:lone3', name: 'A', type: 'ASSET', currency: 'USD', metadata: { k: '\ud83d' } } },
      OPEN,
      'openAccount',
    ],
    [
      'metadata with a lone surrogate in a key',
      { input: { code: 'assets:lone4', name: 'A', type: 'ASSET', currency: 'USD', metadata: { '\udfff': 1 } } },
      OPEN,
      'openAccount',
    ],
  ])('refuses %s as a ValidationError, writing nothing', async (_label, variables, query, field) => {
    const res = await writesNothing(() => server.gql(query, variables));
    expectNoServerFault(res);
    expectTyped(res, field, 'ValidationError');
  });

  it('accepts well-formed astral characters (a surrogate pair)', async () => {
    const res = await server.gql(OPEN, {
      input: { code: 'assets:emoji', name: 'Piggy 🐷', type: 'ASSET', currency: 'USD' },
    });
    expect(res.body.data.openAccount).toMatchObject({ code: 'assets:emoji', name: 'Piggy 🐷' });
  });

  it.each([
    [
      'an event cursor beyond a 32-bit version',
      `{ account(code: "assets:bank") { events(after: "${Buffer.from(JSON.stringify(['event', 3_000_000_000])).toString('base64url')}") { edges { cursor } } } }`,
    ],
    [
      'an account cursor holding a NUL byte',
      `{ accounts(after: "${Buffer.from(JSON.stringify(['account', 'a\u0000'])).toString('base64url')}") { edges { cursor } } }`,
    ],
    [
      'an account cursor holding a control character',
      `{ accounts(after: "${Buffer.from(JSON.stringify(['account', 'a\u0007b'])).toString('base64url')}") { edges { cursor } } }`,
    ],
  ])('refuses %s as a bad cursor, not a server error', async (_label, query) => {
    const res = await server.gql(query);
    expectNoServerFault(res);
    // A nested field's error leaves its parent null; a root field's leaves data null.
    expect(res.body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/not a cursor of this list/),
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });
});
