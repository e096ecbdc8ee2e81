/**
 * An open stream re-checks its key (issue 21, point 4): against a real `inkwell serve` process
 * on SQLite and on PostgreSQL, a stream whose key is revoked — through the API of that server, or
 * by another process writing to the same database — or whose key expires ends within a second
 * with an UNAUTHENTICATED error, then `complete`; streams of other keys go on; and the re-check
 * is one shared read per interval, not one per stream or per event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../../src/auth/api-keys.js';
import { KEY_RECHECK_MS, KeyStates } from '../../src/auth/key-states.js';
import { guardStream } from '../../src/graphql/live-streams.js';
import type { GraphQLContext } from '../../src/graphql/builder.js';
import { keyStates } from '../../src/store/api-keys.js';
import type { Database } from '../../src/store/db.js';
import { processApi } from '../support/api.js';
import { processDb, serve, TEST_ADMIN_KEY, type ProcessDb, type ServeProcess } from '../support/process.js';
import { endOf, openStream, sleep, until, type OpenStream } from '../support/streams.js';

let db: ProcessDb;
/** This test process's own connection to the server's database: "another process". */
let database: Database;
let server: ServeProcess;
const streams: OpenStream<unknown>[] = [];
let sequence = 0;

const LEDGER = 'subscription($after: Int) { ledgerEvents(afterPosition: $after) { position } }';
const ALERTS = 'subscription { balanceAlerts(afterId: 0) { id } }';

const api = () => processApi(server.url, TEST_ADMIN_KEY);
const transfer = () =>
  api().transfer({
    idempotencyKey: `t-${++sequence}`,
    debitAccount: 'assets:cash',
    creditAccount: 'equity:owner',
    amount: '1.00',
  });

async function newKey(role: string, expiresAt?: string): Promise<{ name: string; secret: string }> {
  const name = `${role}-${++sequence}`;
  const now = new Date().toISOString();
  const { secret } = await createApiKey(database, { name, role, expiresAt, createdBy: 'test', now });
  return { name, secret };
}

function open<T>(secret: string, query: string, variables: Record<string, unknown> = {}): OpenStream<T> {
  const stream = openStream<T>({ url: server.url, headers: { authorization: `Bearer ${secret}` } }, query, variables);
  streams.push(stream);
  return stream;
}

const status = async (secret: string) =>
  (
    await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: '{"query":"{ __typename }"}',
    })
  ).status;

/** Posts a transfer every 50 ms until stopped: a stream that is not idle. */
function keepPosting(): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      await transfer();
      await sleep(50);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** The stream ended with UNAUTHENTICATED as its last message, naming why. */
function expectEndedUnauthenticated(stream: OpenStream<unknown>, why: RegExp) {
  expect(stream.errors).toHaveLength(1);
  expect(stream.errors[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  expect(stream.errors[0]!.message).toMatch(why);
  expect(stream.log[stream.log.length - 1]).toBe('error:UNAUTHENTICATED');
}

beforeAll(async () => {
  db = await processDb();
  database = await db.open();
  server = await serve(db.file, { ...db.env, INKWELL_FEED_POLL_MS: '100' });
  await api().openAccounts([
    { code: 'assets:cash', type: 'ASSET' },
    { code: 'equity:owner', type: 'EQUITY' },
  ]);
  const monitor = await api().mutate('createBalanceMonitor', {
    account: 'assets:cash',
    metric: 'POSTED',
    comparison: 'GT',
    amount: '0',
  });
  expect(monitor.__typename).toBe('BalanceMonitor');
  await transfer(); // flips the monitor: alert 1
});

afterAll(async () => {
  for (const stream of streams) stream.client.dispose();
  server?.child.kill('SIGKILL');
  await server?.exited;
  await database?.close();
  await db?.dispose();
});

describe('a revoked key', () => {
  it('ends an open ledgerEvents stream within a second when revoked through the API, nothing after', async () => {
    const reader = await newKey('reader');
    const admin = open<{ position: number }>(TEST_ADMIN_KEY, LEDGER);
    const stream = open<{ position: number }>(reader.secret, LEDGER);
    await until(() => stream.items.length >= 3, 'the catch-up');
    const writer = keepPosting();
    const revoked = await api().mutate('revokeApiKey', { name: reader.name }, '__typename');
    const at = Date.now();
    expect(revoked.__typename).toBe('ApiKey');
    const ended = await endOf(stream);
    const seen = stream.items.length;
    await sleep(300);
    await writer.stop();
    expect(ended - at).toBeLessThan(1000);
    expectEndedUnauthenticated(stream, /revoked/);
    expect(stream.items).toHaveLength(seen);
    // What it delivered before the end has no gap; a new request with the key is refused.
    expect(stream.items.map((e) => e.position)).toEqual(stream.items.map((_, i) => i + 1));
    expect(await status(reader.secret)).toBe(401);
    // The admin key's stream, on the same server, goes on.
    const before = admin.items.length;
    await transfer();
    await until(() => admin.items.length > before, 'the admin stream to go on');
    expect(admin.errors).toEqual([]);
  });

  it('ends an open ledgerEvents stream within a second when another process revokes it', async () => {
    const reader = await newKey('reader');
    const stream = open<{ position: number }>(reader.secret, LEDGER);
    await until(() => stream.items.length >= 3, 'the catch-up');
    const writer = keepPosting();
    await revokeApiKey(database, reader.name, 'test', new Date().toISOString());
    const at = Date.now();
    const ended = await endOf(stream);
    await writer.stop();
    expect(ended - at).toBeLessThan(1000);
    expectEndedUnauthenticated(stream, /revoked/);
  });

  it('ends an accountEvents stream too: every subscription is re-checked', async () => {
    const reader = await newKey('reader');
    const stream = open<{ version: number }>(
      reader.secret,
      'subscription { accountEvents(code: "assets:cash", afterVersion: 0) { version } }',
    );
    await until(() => stream.items.length >= 2, 'the catch-up');
    await revokeApiKey(database, reader.name, 'test', new Date().toISOString());
    const at = Date.now();
    expect((await endOf(stream)) - at).toBeLessThan(1000);
    expectEndedUnauthenticated(stream, /revoked/);
  });

  it('ends an idle balanceAlerts stream within a second when another process revokes it', async () => {
    const reader = await newKey('reader');
    const stream = open<{ id: number }>(reader.secret, ALERTS);
    await until(() => stream.items.length === 1, 'alert 1');
    await sleep(KEY_RECHECK_MS * 2); // idle: no alert is coming
    await revokeApiKey(database, reader.name, 'test', new Date().toISOString());
    const at = Date.now();
    const ended = await endOf(stream);
    expect(ended - at).toBeLessThan(1000);
    expect(stream.items).toEqual([{ id: 1 }]);
    expectEndedUnauthenticated(stream, /revoked/);
  });

  it('ends a balanceAlerts stream revoked through the API of its server', async () => {
    const reader = await newKey('reader');
    const stream = open<{ id: number }>(reader.secret, ALERTS);
    await until(() => stream.items.length === 1, 'alert 1');
    await api().mutate('revokeApiKey', { name: reader.name }, '__typename');
    const at = Date.now();
    expect((await endOf(stream)) - at).toBeLessThan(1000);
    expectEndedUnauthenticated(stream, /revoked/);
  });
});

describe('an expired key', () => {
  it('ends an open ledgerEvents stream within a second of its expiry', async () => {
    const expiresAt = new Date(Date.now() + 2000).toISOString();
    const reader = await newKey('reader', expiresAt);
    const stream = open<{ position: number }>(reader.secret, LEDGER);
    await until(() => stream.items.length >= 3, 'the catch-up');
    const writer = keepPosting();
    const ended = await endOf(stream);
    await writer.stop();
    expect(ended).toBeGreaterThanOrEqual(Date.parse(expiresAt));
    expect(ended - Date.parse(expiresAt)).toBeLessThan(1000);
    expectEndedUnauthenticated(stream, /expired/);
  });

  it('ends an idle balanceAlerts stream within a second of its expiry', async () => {
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const reader = await newKey('reader', expiresAt);
    const stream = open<{ id: number }>(reader.secret, ALERTS);
    await until(() => stream.items.length === 1, 'alert 1');
    const ended = await endOf(stream);
    expect(ended - Date.parse(expiresAt)).toBeLessThan(1000);
    expectEndedUnauthenticated(stream, /expired/);
  });
});

describe('the re-check', () => {
  it('reads every watched key in one query per interval, however many streams, and ends them all', async () => {
    const keys = [await newKey('reader'), await newKey('reader')];
    let reads = 0;
    const states = new KeyStates(database.db, {
      read: (db, names) => {
        reads += 1;
        return keyStates(db, names);
      },
    });
    const ended: string[] = [];
    const watches = Array.from({ length: 40 }, (_, i) =>
      states.watch(keys[i % 2]!.name, (message) => ended.push(message)),
    );
    await sleep(KEY_RECHECK_MS * 3 + 200);
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(reads).toBeLessThanOrEqual(4);
    expect(watches.every((w) => w.failure() === null)).toBe(true);
    await revokeApiKey(database, keys[0]!.name, 'test', new Date().toISOString());
    await until(() => ended.length === 20, 'the 20 streams of the revoked key to end', 2000);
    expect(watches.filter((w) => w.failure() !== null)).toHaveLength(0); // ended watches are closed
    expect(states.watched).toBe(1);
    for (const w of watches) w.close();
    expect(states.watched).toBe(0);
    const after = reads;
    await sleep(KEY_RECHECK_MS * 2);
    expect(reads).toBe(after); // nothing open: nothing read
  });

  it('lets go of the key when the stream ends, is cancelled, or is cut short by its key', async () => {
    const key = await newKey('reader');
    const states = new KeyStates(database.db);
    const ctx = { principal: { name: key.name } } as unknown as GraphQLContext;
    let returned = 0;
    /** A source that yields `count` results, then (when `idle`) waits for ever, as a live feed does. */
    const source = (count: number, idle: boolean): AsyncIterable<{ data: { n: number } }> => ({
      [Symbol.asyncIterator]() {
        let n = 0;
        return {
          next: () =>
            n < count
              ? Promise.resolve({ done: false as const, value: { data: { n: ++n } } })
              : idle
                ? new Promise<never>(() => {})
                : Promise.resolve({ done: true as const, value: undefined }),
          return: async () => {
            returned += 1;
            return { done: true as const, value: undefined };
          },
        };
      },
    });
    const drain = async (iterator: AsyncIterableIterator<unknown>) => {
      const seen: unknown[] = [];
      for await (const value of iterator) seen.push(value);
      return seen;
    };
    // Ends by itself: both results, then done; the watch is gone.
    expect(await drain(guardStream(source(2, false), ctx, states))).toHaveLength(2);
    expect(states.watched).toBe(0);
    // Cancelled by the client while idle.
    const cancelled = guardStream(source(1, true), ctx, states);
    await cancelled.next();
    expect(states.watched).toBe(1);
    await cancelled.return!();
    expect(states.watched).toBe(0);
    expect(returned).toBe(1);
    // Idle when its key is revoked: the pending wait ends with UNAUTHENTICATED, then done.
    const idle = guardStream(source(1, true), ctx, states);
    await idle.next();
    const waiting = idle.next();
    await revokeApiKey(database, key.name, 'test', new Date().toISOString());
    const last = await waiting;
    expect(last.value).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
    expect(await idle.next()).toEqual({ done: true, value: undefined });
    expect(states.watched).toBe(0);
    expect(returned).toBe(2);
  });
});
