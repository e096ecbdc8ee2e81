/**
 * docs/clients.md's recipes, run as written against a real server: each client's file under
 * docs/clients/ is imported here, and the doc quotes each file whole (checked below), so the
 * doc's code is the tested code. Each HTTP client opens an account (a mutation) and reads its
 * balance (a query); graphql-sse receives a subscription event.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { gql } from '@apollo/client';
import * as apollo from '../../docs/clients/apollo.js';
import { apqClient, listedClient } from '../../docs/clients/apollo-persisted.js';
import { BALANCE } from '../../docs/clients/documents.js';
import { possibleTypesOf } from '../../docs/clients/possible-types.js';
import * as graphqlRequest from '../../docs/clients/graphql-request.js';
import { inkwellSubscriptions, ledgerEvents } from '../../docs/clients/sse.js';
import * as urql from '../../docs/clients/urql.js';
import { CLIENT_DOCS, type Generated, generateClient } from '../support/codegen.js';
import { parsePrometheus, sampleValue } from '../support/prometheus.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let persistedOnly: TestServer;
let generated: Generated;
let key: string;
const ctx = { actor: 'test', requestId: 'clients' };

beforeAll(async () => {
  server = await startTestServer();
  key = await server.createKey('admin', { name: 'client-recipes' });
  await server.ledger.openAccount({ code: 'equity:owner', name: 'Owner', type: 'EQUITY', currency: 'USD' }, ctx);
  generated = await generateClient();
  persistedOnly = await startTestServer({}, undefined, {
    persistedOnly: true,
    persistedOperations: generated.persistedDocuments,
  });
  await persistedOnly.ledger.openAccount({ code: 'assets:bank', name: 'Bank', type: 'ASSET', currency: 'EUR' }, ctx);
});
afterAll(async () => {
  await server?.close();
  await persistedOnly?.close();
  generated?.dispose();
});

/** Opens an account through the recipe, funds it directly, and reads it back through the recipe. */
async function roundTrip(
  recipe: {
    openAccount(input: { code: string; name: string; type: 'ASSET'; currency: string }): Promise<any>;
    balance(code: string): Promise<any>;
  },
  code: string,
) {
  const opened = await recipe.openAccount({ code, name: code, type: 'ASSET', currency: 'USD' });
  expect(opened).toEqual({ __typename: 'Account', code, currency: 'USD' });
  const again = await recipe.openAccount({ code, name: 'another name', type: 'ASSET', currency: 'USD' });
  expect(again).toMatchObject({ __typename: 'AccountAlreadyExists', code: 'ACCOUNT_ALREADY_EXISTS' });
  expect(again.message).toContain(code);
  await server.ledger.transfer(
    { idempotencyKey: `fund-${code}`, debitAccount: code, creditAccount: 'equity:owner', amount: '12.34' },
    ctx,
  );
  expect(await recipe.balance(code)).toMatchObject({ amount: '12.34', currency: 'USD' });
}

describe('client recipes (docs/clients.md)', () => {
  it('graphql-request', async () => {
    const client = graphqlRequest.inkwellClient(server.url, key);
    await roundTrip(
      { openAccount: (i) => graphqlRequest.openAccount(client, i), balance: (c) => graphqlRequest.balance(client, c) },
      'assets:graphql-request',
    );
  });

  it('urql over POST, and over GET with the CSRF header', async () => {
    for (const [useGet, code] of [
      [false, 'assets:urql-post'],
      [true, 'assets:urql-get'],
    ] as const) {
      const client = urql.inkwellClient(server.url, key, useGet);
      await roundTrip(
        { openAccount: (i) => urql.openAccount(client, i), balance: (c) => urql.balance(client, c) },
        code,
      );
    }
  });

  it("urql's GET default fails without the header: why the recipe sets it", async () => {
    const { Client, fetchExchange } = await import('@urql/core');
    const bare = new Client({
      url: server.url,
      exchanges: [fetchExchange],
      preferGetMethod: 'within-url-limit',
      fetchOptions: { headers: { Authorization: `Bearer ${key}` } },
    });
    const result = await bare.query('{ account(code: "equity:owner") { code } }', {}).toPromise();
    expect(result.error?.response?.status).toBe(403);
  });

  it('Apollo Client, its cache told the possible types, so it warns of nothing', async () => {
    const sdl = readFileSync(join(CLIENT_DOCS, '../../schema/schema.graphql'), 'utf8');
    const possibleTypes = possibleTypesOf(sdl);
    expect(possibleTypes.OpenAccountResult).toContain('AccountAlreadyExists');
    expect(possibleTypes.Error).toContain('AccountAlreadyExists');
    const warnings = vi.spyOn(console, 'warn');
    try {
      const client = apollo.inkwellClient(server.url, key, possibleTypes);
      await roundTrip(
        { openAccount: (i) => apollo.openAccount(client, i), balance: (c) => apollo.balance(client, c) },
        'assets:apollo',
      );
      client.stop();
      expect(warnings).not.toHaveBeenCalled();
    } finally {
      warnings.mockRestore();
    }
  });

  it('Apollo Client with Automatic Persisted Queries: the server learns the text, then the hash runs it', async () => {
    const count = async (outcome: string) =>
      sampleValue(parsePrometheus(await (await server.raw({ path: '/metrics' })).text()), 'inkwell_requests_total', {
        operation: 'Balance',
        outcome,
      });
    const [notFound, ok] = [await count('PERSISTED_QUERY_NOT_FOUND'), await count('ok')];
    // Two clients with empty caches: the first meets PERSISTED_QUERY_NOT_FOUND and sends the
    // text; the second's hash alone is enough.
    for (const code of ['equity:owner', 'assets:apollo']) {
      const client = apqClient(server.url, key);
      const { data } = await client.query<any>({ query: gql(BALANCE), variables: { code } });
      expect(data.account.code).toBe(code);
      client.stop();
    }
    expect(await count('PERSISTED_QUERY_NOT_FOUND')).toBe(notFound + 1);
    expect(await count('ok')).toBe(ok + 2);
  });

  it('Apollo Client against INKWELL_PERSISTED_ONLY, with the document codegen generated', async () => {
    // The generated module is TypeScript in the temp folder; its only import is type-only.
    const { AccountBalanceDocument } = await import(join(generated.dir, 'gql/graphql.ts'));
    const client = listedClient(persistedOnly.url, persistedOnly.adminKey);
    const { data } = await client.query<any>({ query: AccountBalanceDocument, variables: { code: 'assets:bank' } });
    expect(data.account).toMatchObject({
      code: 'assets:bank',
      balance: { posted: { amount: '0.00', currency: 'EUR' } },
    });
    // The same client with an operation that is not in the list is refused.
    await expect(
      client.query({ query: gql(BALANCE), variables: { code: 'assets:bank' }, fetchPolicy: 'network-only' }),
    ).rejects.toThrow('has no hash');
    client.stop();
  });

  it('graphql-sse receives a subscription event', async () => {
    const client = inkwellSubscriptions(server.url, key);
    const head = (await server.ledger.store.head())?.position ?? 0;
    const events = ledgerEvents(client, head);
    const next = events.next();
    await server.ledger.openAccount({ code: 'assets:sse', name: 'SSE', type: 'ASSET', currency: 'USD' }, ctx);
    const { value } = await next;
    expect(value).toEqual({ position: head + 1, streamId: 'account:assets:sse', type: 'AccountOpened' });
    await events.return(undefined);
    client.dispose();
  });

  it('are quoted whole in docs/clients.md, every file of docs/clients/', () => {
    const doc = readFileSync(join(CLIENT_DOCS, '../clients.md'), 'utf8');
    const files = readdirSync(CLIENT_DOCS).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const file of files) {
      const code = readFileSync(join(CLIENT_DOCS, file), 'utf8');
      // Each file starts with its own path as a comment, so a reader knows where it lives.
      expect(code.startsWith(`// docs/clients/${file}\n`)).toBe(true);
      expect(doc, `docs/clients.md must quote docs/clients/${file} as it is`).toContain(`\`\`\`ts\n${code}\`\`\``);
    }
  });
});
