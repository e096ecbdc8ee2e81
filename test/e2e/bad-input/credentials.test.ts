/**
 * Hostile and malformed input over the real socket: credentials: keys that are missing, forged,
 * revoked, expired or too weak for the request. Every refusal is typed data, a clear GraphQL
 * error or a 4xx, and writes nothing (the rules and the shared fixtures: test/support/bad-
 * input.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  badInputServer,
  server,
  writesNothing,
  expectNoServerFault,
  OPEN_LITERAL,
  rawRequest,
} from '../../support/bad-input.js';

badInputServer();

// ---------------------------------------------------------------------------------------------
// Credentials: keys that are missing, forged, revoked, expired or too weak for the request
// ---------------------------------------------------------------------------------------------

describe('credentials', () => {
  const MUTATION = JSON.stringify({ query: OPEN_LITERAL });
  const postWith = (authorization: string | null) =>
    rawRequest({
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: authorization ?? '' },
      body: MUTATION,
    });

  it.each<[string, string | null]>([
    ['no Authorization header', null],
    ['an empty Authorization header', ''],
    ['"Bearer" alone', 'Bearer'],
    ['Basic credentials', `Basic ${Buffer.from('admin:admin').toString('base64')}`],
    ['a Digest header', 'Digest username="admin"'],
    ['a token with a space inside', 'Bearer ink_abc def'],
    ['an SQL-like token', "Bearer ink_'OR'1'='1"],
    ['an SQL-like token with a comment', 'Bearer x";DROP/**/TABLE/**/api_keys;--'],
    ['a token that is a stored hash, not a secret', `Bearer ${'0'.repeat(64)}`],
    ['a token of 257 characters', `Bearer ${'a'.repeat(257)}`],
    ['a token of 8000 characters', `Bearer ${'a'.repeat(8000)}`],
    ['the admin key with one character changed', 'CHANGED'],
    ['the admin key truncated', 'TRUNCATED'],
    ['the admin key with a suffix', 'SUFFIXED'],
    ['two Bearer tokens', 'TWICE'],
  ])('refuses %s with 401 and writes nothing', async (_label, header) => {
    const key = server.adminKey;
    const variants: Record<string, string> = {
      CHANGED: `Bearer ${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`,
      TRUNCATED: `Bearer ${key.slice(0, -1)}`,
      SUFFIXED: `Bearer ${key}x`,
      TWICE: `Bearer ${key}, Bearer ${key}`,
    };
    const res = await writesNothing(() => postWith(header === null ? null : (variants[header] ?? header)));
    expect(res.status).toBe(401);
    expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(res.body.data).toBeUndefined();
  });

  it('refuses a revoked key with 401 and writes nothing', async () => {
    const key = await server.createKey('admin', { name: 'hostile-revoked' });
    await server.gql('mutation { revokeApiKey(input: { name: "hostile-revoked" }) { __typename } }');
    const res = await writesNothing(() => postWith(`Bearer ${key}`));
    expect(res.status).toBe(401);
    expect(res.body.errors[0].message).toMatch(/revoked/);
  });

  it('refuses an expired key with 401 and writes nothing', async () => {
    const key = await server.createKey('admin', {
      name: 'hostile-expired',
      expiresAt: new Date(Date.now() + 300).toISOString(),
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    const res = await writesNothing(() => postWith(`Bearer ${key}`));
    expect(res.status).toBe(401);
    expect(res.body.errors[0].message).toMatch(/expired/);
  });

  it.each([
    ['a reader opening an account', 'reader', OPEN_LITERAL],
    [
      'a reader posting',
      'reader',
      `mutation { transfer(input: { idempotencyKey: "r-1", debitAccount: "assets:bank", creditAccount: "equity:capital", amount: "1.00" }) { __typename } }`,
    ],
    [
      'an auditor posting',
      'auditor',
      `mutation { postTransaction(input: { idempotencyKey: "a-1", entries: [{ account: "assets:bank", direction: DEBIT, amount: "1.00" }, { account: "equity:capital", direction: CREDIT, amount: "1.00" }] }) { __typename } }`,
    ],
    [
      'a writer closing an account',
      'writer',
      `mutation { closeAccount(input: { code: "assets:euro" }) { __typename } }`,
    ],
    [
      'a writer minting itself an admin key',
      'writer',
      `mutation { createApiKey(input: { name: "escalated", role: admin }) { __typename } }`,
    ],
    [
      'a writer revoking the admin key',
      'writer',
      `mutation { revokeApiKey(input: { name: "test-admin" }) { __typename } }`,
    ],
    [
      'a reader posting inside an aliased batch of reads',
      'reader',
      `mutation { a: __typename b: transfer(input: { idempotencyKey: "r-2", debitAccount: "assets:bank", creditAccount: "equity:capital", amount: "1.00" }) { __typename } }`,
    ],
  ])('refuses %s as FORBIDDEN and writes nothing', async (_label, role, query) => {
    const key = await server.createKey(role);
    const before = await server.database.db.selectFrom('api_keys').selectAll().execute();
    const res = await writesNothing(() => server.gqlAs(key, query));
    expectNoServerFault(res);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await server.database.db.selectFrom('api_keys').selectAll().execute()).toEqual(before);
  });

  it('still serves the admin after all of the above', async () => {
    const res = await server.gql('{ account(code: "assets:bank") { code } }');
    expect(res.body.data.account.code).toBe('assets:bank');
  });
});
