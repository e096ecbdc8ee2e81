/**
 * Live feeds over server-sent events, with a real SSE client (graphql-sse) against the running
 * server: catch-up then live, in order, no gaps or repeats, resumed after a reconnect.
 */
import { createClient, type Client } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommitSignal } from '../../src/ledger/feed.js';
import { SubscriberRunner } from '../../src/subscribers/runner.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const clients: Client[] = [];
const ctx = { actor: 'test', requestId: 'subscriptions' };

function client(key = server.adminKey): Client {
  const c = createClient({ url: server.url, headers: { authorization: `Bearer ${key}` }, retryAttempts: 0 });
  clients.push(c);
  return c;
}

const LEDGER = 'subscription($after: Int) { ledgerEvents(afterPosition: $after) { position streamId version type } }';
const ACCOUNT =
  'subscription($code: String!, $after: Int) { accountEvents(code: $code, afterVersion: $after) { position version type } }';

type Event = { position: number; streamId?: string; version: number; type: string };

/** Reads events from a subscription until `until` says stop (then disconnects); fails on a GraphQL error. */
async function read(
  c: Client,
  query: string,
  variables: Record<string, unknown>,
  until: (events: Event[]) => boolean,
): Promise<Event[]> {
  const events: Event[] = [];
  const subscription = c.iterate<Record<string, Event>>({ query, variables });
  for await (const result of subscription) {
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    events.push(Object.values(result.data!)[0]!);
    if (until(events)) break; // leaving the loop returns the iterator: the client disconnects
  }
  return events;
}

const transfer = (key: string) =>
  server.ledger.transfer(
    { idempotencyKey: key, debitAccount: 'assets:cash', creditAccount: 'equity:owner', amount: '1.00' },
    ctx,
  );
const head = async () => (await server.ledger.store.head())?.position ?? 0;
const positions = (events: Event[]) => events.map((e) => e.position);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

beforeAll(async () => {
  // No checkpointed subscribers here: the ledger's waiters are then only this suite's subscriptions.
  server = await startTestServer({}, undefined, {
    subscribers: new SubscriberRunner(undefined as never, new CommitSignal(), []),
  });
  await server.ledger.openAccount({ code: 'assets:cash', name: 'Cash', type: 'ASSET', currency: 'USD' }, ctx);
  await server.ledger.openAccount({ code: 'equity:owner', name: 'Owner', type: 'EQUITY', currency: 'USD' }, ctx);
  for (let i = 0; i < 3; i++) await transfer(`before-${i}`);
});
afterAll(async () => {
  for (const c of clients) c.dispose();
  await server.close();
});

describe('ledgerEvents', () => {
  it('catches up from the log, then follows new commits live, in order', async () => {
    const start = await head();
    const reading = read(client(), LEDGER, { after: 0 }, (events) => events.length === start + 4);
    // Posted while the subscription is open: they arrive after the catch-up, as they commit.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await Promise.all([transfer('live-1'), transfer('live-2')]);
    const events = await reading;
    expect(positions(events)).toEqual(range(1, start + 4));
    expect(events[0]).toMatchObject({
      position: 1,
      streamId: 'account:assets:cash',
      version: 1,
      type: 'AccountOpened',
    });
    expect(events.slice(-4).every((e) => e.type === 'TransactionPosted')).toBe(true);
  });

  it('resumes after a reconnect from the last position seen: nothing missed, nothing twice', async () => {
    const start = await head();
    // A writer keeps posting while the client reads, drops its connection, and comes back.
    const writer = (async () => {
      for (let i = 0; i < 30; i++) await transfer(`resume-${i}`);
    })();
    const first = await read(client(), LEDGER, { after: start }, (events) => events.length === 12);
    const last = first[first.length - 1]!.position;
    await writer;
    const end = await head();
    const second = await read(
      client(),
      LEDGER,
      { after: last },
      (events) => events[events.length - 1]!.position === end,
    );
    expect(positions([...first, ...second])).toEqual(range(start + 1, end));
  });

  it('stops following (and waiting for commits) once the client has gone', async () => {
    const c = client();
    await read(c, LEDGER, { after: (await head()) - 1 }, (events) => events.length === 1);
    c.dispose();
    const deadline = Date.now() + 5000;
    while (server.ledger.commits.waiting > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.ledger.commits.waiting).toBe(0);
  });
});

describe('accountEvents', () => {
  it('follows one stream by version and resumes after the last version seen', async () => {
    await server.ledger.openAccount({ code: 'assets:watched', name: 'Watched', type: 'ASSET', currency: 'USD' }, ctx);
    const post = (i: number) =>
      server.ledger.transfer(
        { idempotencyKey: `w-${i}`, debitAccount: 'assets:watched', creditAccount: 'equity:owner', amount: '2.00' },
        ctx,
      );
    for (let i = 0; i < 3; i++) await post(i);
    const first = await read(client(), ACCOUNT, { code: 'assets:watched', after: 0 }, (events) => events.length === 2);
    const reading = read(
      client(),
      ACCOUNT,
      { code: 'assets:watched', after: 2 },
      (events) => events[events.length - 1]!.version === 6,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (let i = 3; i < 5; i++) await post(i);
    const second = await reading;
    expect([...first, ...second].map((e) => e.version)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(first[0]!.type).toBe('AccountOpened');
    // Only that stream: every position is one of its events.
    const streams = await server.database.db
      .selectFrom('events')
      .select('position')
      .where('stream_id', '=', 'account:assets:watched')
      .execute();
    expect(positions([...first, ...second])).toEqual(streams.map((r) => Number(r.position)));
  });
});

describe('refusals', () => {
  it('refuses a subscription without a valid key before any event flows', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: LEDGER, variables: { after: 0 } }),
    });
    expect(response.status).toBe(401);
    await expect(read(client('ink_not-a-key'), LEDGER, { after: 0 }, () => true)).rejects.toThrow();
  });

  it('tells a client that does not accept server-sent events how to subscribe, at once', async () => {
    const res = await server.gql('subscription { ledgerEvents { position } }');
    expect(res.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_REQUEST' } });
    expect(res.body.errors?.[0]?.message).toMatch(/text\/event-stream/);
  });

  it('answers a bad starting point or account code with BAD_USER_INPUT', async () => {
    for (const [query, variables] of [
      [LEDGER, { after: -1 }],
      [ACCOUNT, { code: 'Not A Code', after: 0 }],
      [ACCOUNT, { code: 'assets:cash', after: -5 }],
    ] as const) {
      const failure = await read(client(), query, variables, () => true).catch((error: Error) => error.message);
      expect(failure).toMatch(/BAD_USER_INPUT/);
    }
  });

  it('keeps audit metadata for auditor and admin keys, as on queries', async () => {
    const reader = await server.createKey('reader');
    const failure = await read(
      client(reader),
      'subscription { ledgerEvents { position metadata { actor } } }',
      {},
      () => true,
    ).catch((error: Error) => error.message);
    expect(failure).toMatch(/FORBIDDEN/);
    const [event] = await read(
      client(),
      'subscription { ledgerEvents { position metadata { actor } } }',
      {},
      () => true,
    );
    expect(event).toMatchObject({ position: 1, metadata: { actor: 'test' } });
  });
});
