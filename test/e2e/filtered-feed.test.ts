/**
 * ledgerEvents(afterPosition, filter) over server-sent events (issue 21, point 2), with a real SSE
 * client against the running server: only matching events, in log order, resumable after the
 * last position received, and never stalled by a long stretch of events that do not match.
 */
import { createClient, type Client } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const clients: Client[] = [];
const ctx = { actor: 'test', requestId: 'filtered-feed' };
/** Long: a feed that waited for a poll after reading a page that matched nothing would take this long per page. */
const POLL_MS = 10_000;

const FEED = `subscription($after: Int, $filter: EventFilterInput) {
  ledgerEvents(afterPosition: $after, filter: $filter) { position streamId type }
}`;
type Event = { position: number; streamId: string; type: string };

function client(): Client {
  const c = createClient({
    url: server.url,
    headers: { authorization: `Bearer ${server.adminKey}` },
    retryAttempts: 0,
  });
  clients.push(c);
  return c;
}

/** Events from the feed until `until` says stop (then the client disconnects); a GraphQL error rejects. */
async function read(
  variables: Record<string, unknown>,
  until: (events: Event[]) => boolean,
  c: Client = client(),
): Promise<Event[]> {
  const events: Event[] = [];
  for await (const result of c.iterate<{ ledgerEvents: Event }>({ query: FEED, variables })) {
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    events.push(result.data!.ledgerEvents);
    if (until(events)) break;
  }
  return events;
}

/** The whole log, read straight from the database, for expectations computed independently of the filter code. */
async function log() {
  const rows = await server.database.db
    .selectFrom('events')
    .select(['position', 'stream_id', 'type', 'data'])
    .orderBy('position')
    .execute();
  return rows.map((r) => ({
    position: Number(r.position),
    streamId: r.stream_id,
    type: r.type,
    data: JSON.parse(r.data),
  }));
}

const open = (code: string, type: 'ASSET' | 'EQUITY' | 'REVENUE', metadata?: unknown) =>
  server.ledger.openAccount({ code, name: code, type, currency: 'USD', metadata }, ctx);
const transfer = (key: string, debitAccount: string, metadata?: unknown) =>
  server.ledger.postTransaction(
    {
      idempotencyKey: key,
      entries: [
        { account: debitAccount, direction: 'DEBIT', amount: '1.00' },
        { account: 'equity:owner', direction: 'CREDIT', amount: '1.00' },
      ],
      metadata,
    },
    ctx,
  );

beforeAll(async () => {
  server = await startTestServer({}, undefined, { feedPollMs: POLL_MS });
  await open('equity:owner', 'EQUITY');
  await open('assets:cash', 'ASSET');
  await open('assets:watched:a', 'ASSET', { tier: 'gold' });
  await open('assets:watched:b', 'ASSET');
  for (let i = 0; i < 4; i++) {
    await transfer(`cash-${i}`, 'assets:cash');
    await transfer(`a-${i}`, 'assets:watched:a', { customer: { id: i % 2 === 0 ? 'c-1' : 'c-2' } });
  }
  await server.ledger.freezeAccount({ code: 'assets:watched:b' }, ctx);
  await server.ledger.createCategory({ code: 'watched', name: 'Watched' }, ctx);
  await server.ledger.addToCategory({ category: 'watched', account: 'assets:watched:b' }, ctx);
}, 60_000);
afterAll(async () => {
  for (const c of clients) c.dispose();
  await server.close();
});

describe('ledgerEvents with a filter', () => {
  it('delivers only the events on or naming accounts under a prefix, in order, then live ones', async () => {
    const namesWatched = (e: Awaited<ReturnType<typeof log>>[number]) =>
      e.streamId.startsWith('account:assets:watched:') ||
      (e.data.legs ?? []).some((l: { account: string }) => l.account.startsWith('assets:watched:')) ||
      e.data.account?.startsWith('assets:watched:');
    const before = (await log()).filter(namesWatched).map((e) => e.position);
    // Events on equity:owner's stream name assets:watched:a in their legs: they are delivered too.
    expect((await log()).some((e) => e.streamId === 'account:equity:owner' && namesWatched(e))).toBe(true);
    const reading = read({ after: 0, filter: { accountPrefix: 'assets:watched' } }, (events) =>
      events.some((e) => e.type === 'AccountUnfrozen'),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    await transfer('cash-live', 'assets:cash'); // not delivered
    await transfer('a-live', 'assets:watched:a');
    await server.ledger.unfreezeAccount({ code: 'assets:watched:b' }, ctx);
    const events = await reading;
    const expected = (await log()).filter(namesWatched).map((e) => e.position);
    expect(events.map((e) => e.position)).toEqual(expected);
    expect(expected.length).toBe(before.length + 3);
    expect(events.map((e) => e.type)).toContain('CategoryMemberAdded');
  });

  it('combines types and metadata predicates (AND), reading the metadata each event carries', async () => {
    const expected = (await log())
      .filter((e) => e.type === 'TransactionPosted' && e.data.metadata?.customer?.id === 'c-1')
      .map((e) => e.position);
    expect(expected.length).toBe(4); // two transactions, one event per account each
    const events = await read(
      { after: 0, filter: { types: ['TransactionPosted'], metadata: [{ path: 'customer.id', eq: 'c-1' }] } },
      (got) => got.length === expected.length,
    );
    expect(events.map((e) => e.position)).toEqual(expected);
    const gold = await read({ after: 0, filter: { metadata: [{ path: 'tier', eq: 'gold' }] } }, () => true);
    expect(gold[0]).toMatchObject({ type: 'AccountOpened', streamId: 'account:assets:watched:a' });
  });

  it('resumes after the last position received: nothing missed, nothing twice', async () => {
    const filter = { accountPattern: 'assets:*:a' };
    const writer = (async () => {
      for (let i = 0; i < 12; i++) {
        await transfer(`resume-cash-${i}`, 'assets:cash');
        await transfer(`resume-a-${i}`, 'assets:watched:a');
      }
    })();
    const first = await read({ after: 0, filter }, (events) => events.length === 10);
    await writer;
    const expected = (await log())
      .filter((e) => e.streamId === 'account:assets:watched:a' || JSON.stringify(e.data).includes('"assets:watched:a"'))
      .map((e) => e.position);
    const last = first[first.length - 1]!.position;
    const second = await read({ after: last, filter }, (events) => events.at(-1)!.position === expected.at(-1));
    expect([...first, ...second].map((e) => e.position)).toEqual(expected);
  });

  it('is not stalled by a long stretch of events that do not match', async () => {
    // Over 1,000 non-matching events (more than two pages of the feed), then one that matches.
    const inputs = Array.from({ length: 600 }, (_, i) => ({
      idempotencyKey: `stretch-${i}`,
      entries: [
        { account: 'assets:cash', direction: 'DEBIT' as const, amount: '1.00' },
        { account: 'equity:owner', direction: 'CREDIT' as const, amount: '1.00' },
      ],
    }));
    const from = (await log()).at(-1)!.position;
    await server.ledger.postTransactions(inputs, ctx, { atomic: true });
    await open('revenue:needle', 'REVENUE');
    const started = Date.now();
    const [event] = await read({ after: from, filter: { accountPrefix: 'revenue' } }, () => true);
    expect(event).toMatchObject({ type: 'AccountOpened', streamId: 'account:revenue:needle' });
    expect(event!.position).toBeGreaterThan(from + 1200);
    // A feed waiting a poll (10 s) per page without a match would take 20 s or more.
    expect(Date.now() - started).toBeLessThan(POLL_MS / 2);
  });
});

describe('ledgerEvents with a bad filter', () => {
  it.each([
    [{ types: ['NoSuchEvent'] }, /NoSuchEvent.*not an event type/],
    [{ types: [] }, /filter\.types/],
    [{ accountPrefix: 'Assets!' }, /filter\.accountPrefix/],
    [{ accountPattern: 'a:***' }, /filter\.accountPattern/],
    [{ metadata: [{ path: 'x', eq: 1, in: [1] }] }, /exactly one of eq, in and exists/],
  ])('refuses %j with BAD_USER_INPUT before any event flows', async (filter, message) => {
    const failure = await read({ after: 0, filter }, () => true).then(
      () => 'delivered',
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/BAD_USER_INPUT/);
    expect(failure).toMatch(message);
  });
});
