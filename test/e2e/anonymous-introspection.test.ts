/**
 * Introspection without a key, in development only (so GraphiQL's first load fetches the schema
 * before a key is pasted): the schema answers keyless there, and nothing else does; in production,
 * with introspection turned on, it still needs a key.
 */
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

let dev: TestServer;
let prod: TestServer;

beforeAll(async () => {
  dev = await startTestServer({}, undefined, { graphiql: true });
  prod = await startTestServer({}, undefined, { production: true, introspection: true });
});
afterAll(async () => {
  await dev?.close();
  await prod?.close();
});

const PLACEHOLDER = { authorization: 'Bearer <your API key>' };

describe('introspection without a key', () => {
  it("answers GraphiQL's introspection query in development, with or without the placeholder key", async () => {
    for (const headers of [{}, PLACEHOLDER]) {
      const reply = await dev.gqlAs(null, getIntrospectionQuery(), undefined, headers);
      expect(reply.status).toBe(200);
      expect(reply.body.errors).toBeUndefined();
      expect(reply.body.data.__schema.queryType.name).toBe('Query');
    }
    const overGet = await dev.raw({
      path: `/graphql?query=${encodeURIComponent('{ __type(name: "Money") { name } }')}`,
      headers: { authorization: '', 'x-graphql-yoga-csrf': '1' },
    });
    expect(await overGet.json()).toEqual({ data: { __type: { name: 'Money' } }, extensions: expect.any(Object) });
  });

  it('refuses every other operation without a key, introspection mixed in or not', async () => {
    await dev.ledger.openAccount(
      { code: 'assets:secret', name: 'Secret', type: 'ASSET', currency: 'USD' },
      { actor: 'test', requestId: 'anon' },
    );
    for (const query of [
      '{ accounts(first: 1) { edges { node { code } } } }',
      '{ __schema { queryType { name } } accounts(first: 1) { edges { node { code } } } }',
      '{ __typename }',
      'mutation { __typename }',
    ]) {
      const reply = await dev.gqlAs(null, query, undefined, PLACEHOLDER);
      expect(reply.status, query).toBe(401);
      expect(reply.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(JSON.stringify(reply.body)).not.toContain('assets:secret');
    }
  });

  it('needs a key in production, even with INKWELL_INTROSPECTION on', async () => {
    const reply = await prod.gqlAs(null, '{ __schema { queryType { name } } }');
    expect(reply.status).toBe(401);
    expect((await prod.gql('{ __schema { queryType { name } } }')).body.data.__schema.queryType.name).toBe('Query');
  });
});
