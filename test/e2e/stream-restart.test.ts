/**
 * Streams across a server restart (issue 21, point 4), with real `inkwell serve` processes on
 * SQLite (the same file) and on PostgreSQL: at SIGTERM an open stream ends without `complete`, so a
 * graphql-sse client with retries reconnects, and — sending its last position as Last-Event-ID
 * from its `headers` function — resumes with every event exactly once, in order: those posted
 * before, while the server was down, and after. Every event goes out with its resume point as the
 * SSE `id:`, and Last-Event-ID is honoured as the starting point, as an EventSource needs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/ledger/ledger.js';
import { processApi } from '../support/api.js';
import { processDb, serve, TEST_ADMIN_KEY, type ProcessDb, type ServeProcess } from '../support/process.js';
import { endOf, openStream, sleep, until, type OpenStream } from '../support/streams.js';

let db: ProcessDb;
let server: ServeProcess;
let sequence = 0;

const LEDGER = 'subscription($after: Int) { ledgerEvents(afterPosition: $after) { position } }';
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const start = () => serve(db.file, { ...db.env, INKWELL_FEED_POLL_MS: '100' });

const transfer = () =>
  processApi(server.url, TEST_ADMIN_KEY).transfer({
    idempotencyKey: `t-${++sequence}`,
    debitAccount: 'assets:cash',
    creditAccount: 'equity:owner',
    amount: '1.00',
  });

/** The newest position, read by this process from the database itself. */
async function head(): Promise<number> {
  const database = await db.open();
  try {
    const row = await database.db
      .selectFrom('events')
      .select((eb) => eb.fn.max('position').as('head'))
      .executeTakeFirst();
    return Number(row?.head ?? 0);
  } finally {
    await database.close();
  }
}

/** Transfers written by this process while no server runs ("during the restart"). */
async function postWhileDown(count: number): Promise<void> {
  const database = await db.open();
  try {
    const ledger = new Ledger(database);
    for (let i = 0; i < count; i++) {
      await ledger.transfer(
        {
          idempotencyKey: `down-${++sequence}`,
          debitAccount: 'assets:cash',
          creditAccount: 'equity:owner',
          amount: '1.00',
        },
        { actor: 'test', requestId: `down-${sequence}` },
      );
    }
  } finally {
    await database.close();
  }
}

/** A raw SSE response read in the background, as an EventSource would read it. */
function rawStream(body: unknown, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const state = { text: '', status: 0 };
  const done = (async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${TEST_ADMIN_KEY}`,
        ...headers,
      },
      body: JSON.stringify(body),
      signal: abort.signal,
    });
    state.status = response.status;
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>)
      state.text += decoder.decode(chunk);
  })().catch(() => {});
  /** Each `event: next` frame: its id line (if any) and its data. */
  const frames = () =>
    state.text
      .split('\n\n')
      .filter((frame) => frame.includes('event: next'))
      .map((frame) => ({
        id: /^id: (.*)$/m.exec(frame)?.[1],
        data: JSON.parse(/^data: (.*)$/m.exec(frame)![1]!),
      }));
  return { state, frames, done, abort: () => abort.abort() };
}

beforeAll(async () => {
  db = await processDb();
  server = await start();
  await processApi(server.url, TEST_ADMIN_KEY).openAccounts([
    { code: 'assets:cash', type: 'ASSET' },
    { code: 'equity:owner', type: 'EQUITY' },
  ]);
  for (let i = 0; i < 3; i++) await transfer();
});

afterAll(async () => {
  server?.child.kill('SIGKILL');
  await server?.exited;
  await db?.dispose();
});

describe('resume points', () => {
  it('sends each event with its position as the SSE id', async () => {
    const raw = rawStream({ query: LEDGER, variables: { after: 0 } });
    await until(() => raw.frames().length >= 5, 'five events');
    raw.abort();
    for (const frame of raw.frames()) expect(frame.id).toBe(String(frame.data.data.ledgerEvents.position));
    expect(
      raw
        .frames()
        .slice(0, 5)
        .map((f) => f.id),
    ).toEqual(['1', '2', '3', '4', '5']);
  });

  it('starts after Last-Event-ID instead of the argument, and refuses a malformed one', async () => {
    const raw = rawStream({ query: LEDGER, variables: { after: 0 } }, { 'last-event-id': '3' });
    await until(() => raw.frames().length >= 2, 'two events');
    raw.abort();
    expect(raw.frames()[0]!.data.data.ledgerEvents.position).toBe(4);
    const accountRaw = rawStream(
      {
        query: 'subscription { accountEvents(code: "assets:cash", afterVersion: 0) { version } }',
      },
      { 'last-event-id': '2' },
    );
    await until(() => accountRaw.frames().length >= 1, 'an account event');
    accountRaw.abort();
    expect(accountRaw.frames()[0]).toMatchObject({ id: '3', data: { data: { accountEvents: { version: 3 } } } });
    // As an EventSource asks: a GET (with the CSRF header a script adds), resuming after id 4.
    const query = new URLSearchParams({ query: LEDGER, variables: JSON.stringify({ after: 0 }) });
    const response = await fetch(`${server.url}?${query}`, {
      headers: {
        accept: 'text/event-stream',
        authorization: `Bearer ${TEST_ADMIN_KEY}`,
        'x-graphql-yoga-csrf': '1',
        'last-event-id': '4',
      },
    });
    const reader = response.body!.getReader();
    let text = '';
    while (!/^id: /m.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(/^id: (\d+)/m.exec(text)?.[1]).toBe('5');
    for (const bad of ['abc', '-1', '1e3', '007', '4.0', '99999999999999999999']) {
      const refused = rawStream({ query: LEDGER }, { 'last-event-id': bad });
      await refused.done;
      expect(refused.state.text, bad).toMatch(/BAD_USER_INPUT/);
      expect(refused.state.text).toMatch(/Last-Event-ID/);
    }
  });
});

describe('a server restart', () => {
  it('interrupts streams without complete; a graphql-sse client resumes without a gap or a repeat', async () => {
    let url = server.url;
    const reconnects: boolean[] = [];
    // The client's resume: on every (re)connection, the last position it received as Last-Event-ID.
    const stream: OpenStream<{ position: number }> = openStream<{ position: number }>(
      {
        url: () => url,
        retryAttempts: 50,
        retry: () => sleep(200),
        headers: () => {
          const last = stream.items[stream.items.length - 1]?.position;
          return {
            authorization: `Bearer ${TEST_ADMIN_KEY}`,
            ...(last === undefined ? {} : { 'last-event-id': String(last) }),
          };
        },
        on: { connected: (reconnected) => reconnects.push(reconnected) },
      },
      LEDGER,
      { after: 0 },
    );
    const raw = rawStream({ query: LEDGER, variables: { after: 0 } });
    const caughtUp = await head();
    await until(() => stream.items.length === caughtUp, 'the catch-up');
    // Before: posted while the stream is live, the last ones racing the shutdown.
    for (let i = 0; i < 5; i++) await transfer();
    const racing = Array.from({ length: 5 }, () => transfer().catch(() => null));
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    await Promise.all(racing);
    await raw.done;
    expect(raw.state.text).not.toMatch(/event: complete/);
    expect(raw.state.text).toMatch(/retry: \d+/);
    // During: the server is down; this process writes to its database.
    await postWhileDown(5);
    server = await start();
    url = server.url;
    // After.
    for (let i = 0; i < 5; i++) await transfer();
    const end = await head();
    await until(() => stream.items[stream.items.length - 1]?.position === end, `position ${end}`, 20_000);
    await sleep(300); // anything repeated would arrive now
    expect(stream.items.map((e) => e.position)).toEqual(range(1, end));
    expect(stream.errors).toEqual([]);
    expect(reconnects).toContain(true);
    stream.client.dispose();
    await endOf(stream);
  });
});
