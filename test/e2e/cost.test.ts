/**
 * Costs that count (issue 17): an operation is priced with its variables and the defaults of
 * omitted page sizes, refused over the limit before it runs, and spent from its key's budget;
 * every response says what it cost. Over a real socket.
 */
import { createClient } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_QUERY_LIMITS } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { ledgerApi } from '../support/api.js';
import { startTestServer, type GraphQLResponse, type TestServer } from '../support/server.js';
import { logState } from '../support/log-state.js';

const LIMIT = 20_000;

/** account → entries → transaction → legs → account → events: the query of issue 17. */
const NESTED = /* GraphQL */ `
  query Nested($code: String!, $n: Int, $m: Int) {
    account(code: $code) {
      entries(first: $n) { edges { node { transaction { entries { account { events(first: $m) { edges { node { position type } } } } } } } } }
    }
  }
`;
const NESTED_OMITTED = NESTED.replace('(first: $n)', '').replace('(first: $m)', '').replace(', $n: Int, $m: Int', '');

/**
 * The cost docs/security.md gives for NESTED, by hand: every field 1, a page multiplies by its
 * size, a transaction's legs by 100. events = 2 + 3m, so a leg's account = 3 + 3m, the legs
 * 1 + 100(3 + 3m), an entry's node 3 + 100(3 + 3m), and account = 3 + n(303 + 300m).
 */
const nestedCost = (n: number, m: number) => 3 + n * (303 + 300 * m);

const CHEAP = '{ account(code: "assets:bank") { code } }';
const CHEAP_COST = 2;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  await openAndPost(server);
});
afterAll(() => server.close());

async function openAndPost(target: TestServer) {
  const api = ledgerApi(target);
  // openAccounts checks that each answer is an Account.
  await api.openAccounts([
    { code: 'assets:bank', name: 'N', type: 'ASSET' },
    { code: 'equity:capital', name: 'N', type: 'EQUITY' },
  ]);
  const posted = await api.transfer({
    idempotencyKey: 'cost-1',
    debitAccount: 'assets:bank',
    creditAccount: 'equity:capital',
    amount: '10.00',
  });
  expect(posted.__typename).toBe('Transaction');
}

/** Refused as yoga refuses an invalid document: 200 under application/json (400 under graphql-response+json). */
function expectCostRefusal(res: GraphQLResponse, cost: number) {
  expect(res.status).toBe(200);
  expect(res.body.data).toBeUndefined();
  expect(res.body.errors).toHaveLength(1);
  const error = res.body.errors![0]!;
  expect(error.extensions?.code).toBe('COST_LIMIT_EXCEEDED');
  expect(error.extensions?.cost).toBe(cost);
  expect(error.extensions?.limit).toBe(LIMIT);
  expect(error.extensions?.http).toBeUndefined();
  expect(error.message).toContain(`operation cost ${cost} exceeds the limit of ${LIMIT}`);
  expect((res.body as any).extensions?.cost).toEqual({ requested: cost, limit: LIMIT, remaining: null });
}

describe('the cost of an operation', () => {
  it('refuses the nested query with page sizes in variables, naming its cost, before it runs', async () => {
    expect(nestedCost(20, 20)).toBeGreaterThan(LIMIT);
    const before = await logState(server.database.db);
    expectCostRefusal(await server.gql(NESTED, { code: 'assets:bank', n: 20, m: 20 }), nestedCost(20, 20));
    expect(await logState(server.database.db)).toEqual(before);
  });

  it('counts omitted page sizes at their default (20), as the same query written with literals', async () => {
    expectCostRefusal(await server.gql(NESTED_OMITTED, { code: 'assets:bank' }), nestedCost(20, 20));
    expectCostRefusal(await server.gql(NESTED, { code: 'assets:bank' }), nestedCost(20, 20));
    const literal = NESTED.replace('(first: $n)', '(first: 20)')
      .replace('(first: $m)', '(first: 20)')
      .replace(', $n: Int, $m: Int', '');
    expect(literal).not.toContain('$n');
    expectCostRefusal(await server.gql(literal, { code: 'assets:bank' }), nestedCost(20, 20));
  });

  it('runs the same query with small pages, and reports exactly its cost', async () => {
    const res = await server.gql(NESTED, { code: 'assets:bank', n: 2, m: 3 });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    const legs = (res.body.data as any).account.entries.edges[0].node.transaction.entries;
    // Each account's events: it was opened, and it took part in the transfer.
    expect(legs.map((leg: any) => leg.account.events.edges.length)).toEqual([2, 2]);
    expect((res.body as any).extensions.cost).toEqual({ requested: nestedCost(2, 3), limit: LIMIT, remaining: null });
  });

  it('lets a query through at exactly the limit and refuses it one page item above', async () => {
    // A node of 9 fields (6 + balance, posted, amount): a page of k costs 1 + 1 + k × (1 + 9) = 2 + 10k.
    const page = (alias: string, first: number) =>
      `${alias}: accounts(first: ${first}) { edges { node { code name type currency status id balance { posted { amount } } } } }`;
    // 19 pages of 100 = 19 × 1,002 = 19,038; a 20th of k makes 19,040 + 10k: 20,000 at k = 96.
    const pages = (k: number) =>
      `{ ${Array.from({ length: 19 }, (_, i) => page(`p${i}`, 100)).join(' ')} ${page('last', k)} }`;
    const at = await server.gql(pages(96));
    expect(at.body.errors).toBeUndefined();
    expect((at.body as any).extensions.cost.requested).toBe(LIMIT);
    expectCostRefusal(await server.gql(pages(97)), LIMIT + 10);
  });

  it('answers the refusal with 400 to a client that accepts application/graphql-response+json', async () => {
    const res = await server.raw({
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: NESTED, variables: { code: 'assets:bank' } }),
    });
    expect(res.status).toBe(400);
    expect((await res.json()).errors[0].extensions.code).toBe('COST_LIMIT_EXCEEDED');
  });

  it('prices mutations (10 for each root field, a durable commit) and a batch by its size', async () => {
    const opened = await server.gql(
      'mutation { openAccount(input: { code: "assets:priced", name: "N", type: ASSET, currency: "USD" }) { __typename } }',
    );
    expect((opened.body as any).extensions.cost.requested).toBe(11);
    const transactions = Array.from({ length: 3 }, (_, i) => ({
      idempotencyKey: `cost-batch-${i}`,
      entries: [
        { account: 'assets:bank', direction: 'DEBIT', amount: '1.00' },
        { account: 'equity:capital', direction: 'CREDIT', amount: '1.00' },
      ],
    }));
    const batch = await server.gql(
      'mutation($input: PostTransactionsInput!) { postTransactions(input: $input) { posted results { __typename ... on Transaction { id } } } }',
      { input: { transactions } },
    );
    expect(batch.body.data.postTransactions.posted).toBe(3);
    // postTransactions 10 + posted 1 + results (1 + 3 × (__typename 1 + id 1)).
    expect((batch.body as any).extensions.cost.requested).toBe(10 + 1 + 1 + 3 * 2);
  });

  it.each([
    ['transactions as a string', { transactions: 'all of them' }],
    ['transactions as one object without legs', { transactions: { idempotencyKey: 'x' } }],
    [
      'a leg with an amount as a number',
      { transactions: [{ entries: [{ account: 'assets:bank', direction: 'DEBIT', amount: 1 }] }] },
    ],
    ['no transactions at all', {}],
  ])('answers a batch input with %s with its typed variable error, posting nothing', async (_label, input) => {
    // An input object is priced as sent (only its list lengths count); execution then coerces it.
    const before = await server.ledger.store.head();
    const res = await server.gql(
      'mutation($input: PostTransactionsInput!) { postTransactions(input: $input) { posted } }',
      { input },
    );
    expect(res.status).toBeLessThan(500);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors?.[0]?.message).toMatch(/Variable "\$input"/);
    expect(typeof (res.body as any).extensions.cost.requested).toBe('number');
    expect(await server.ledger.store.head()).toEqual(before);
  });

  it.each([
    ['a negative first', -5],
    ['a zero first', 0],
    ['a huge first', 1_000_000],
    ['the largest Int', 2_147_483_647],
  ])('answers %s in a variable with a typed error, not a 500', async (_label, n) => {
    const res = await server.gql('query($n: Int) { accounts(first: $n) { edges { node { code } } } }', { n });
    expect(res.status).toBeLessThan(500);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors?.[0]?.message).toMatch(/first must be between 1 and 100/);
    // Counted at the cap, 100: the resolver refuses it anyway. accounts 1 + edges 1 + 100 × (node 1 + code 1).
    expect((res.body as any).extensions.cost.requested).toBe(2 + 100 * 2);
  });

  it.each([
    ['a first beyond Int', { n: 2 ** 31 }],
    ['a first as a string', { n: '20' }],
    ['a first as a float', { n: 2.5 }],
  ])('answers %s with a typed variable error, not a 500', async (_label, variables) => {
    const res = await server.gql('query($n: Int) { accounts(first: $n) { edges { node { code } } } }', variables);
    expect(res.status).toBeLessThan(500);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((res.body as any).extensions.cost.requested).toBe(1);
  });

  it('prices a subscription when it starts, and each of its events carries the cost', async () => {
    const client = createClient({
      url: server.url,
      headers: { authorization: `Bearer ${server.adminKey}` },
      retryAttempts: 0,
    });
    try {
      const costs: unknown[] = [];
      for await (const result of client.iterate({
        query: 'subscription { ledgerEvents(afterPosition: 0) { position type } }',
      })) {
        expect(result.errors).toBeUndefined();
        costs.push((result.extensions as { cost?: unknown } | undefined)?.cost);
        if (costs.length === 2) break;
      }
      expect(costs).toEqual([1, 2].map(() => ({ requested: 3, limit: LIMIT, remaining: null })));
    } finally {
      client.dispose();
    }
  });

  it('refuses a subscription over the limit before it starts', async () => {
    const strict = await startTestServer({}, silentLogger, { queryLimits: { ...DEFAULT_QUERY_LIMITS, maxCost: 2 } });
    try {
      const res = await strict.raw({
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query: 'subscription { ledgerEvents(afterPosition: 0) { position type } }' }),
      });
      const text = await res.text();
      expect(text).toContain('"code":"COST_LIMIT_EXCEEDED"');
      expect(text).toContain('operation cost 3 exceeds the limit of 2');
    } finally {
      await strict.close();
    }
  });

  it('puts extensions.cost on every kind of GraphQL response', async () => {
    const reader = await server.createKey('reader');
    const answers = [
      await server.gql(CHEAP),
      await server.gql('{ account(code: '),
      await server.gql('{ nothingHere }'),
      await server.gql('query($c: String!) { account(code: $c) { code } }', {}),
      await server.gqlAs(
        reader,
        'mutation { openAccount(input: { code: "assets:nope", name: "N", type: ASSET, currency: "USD" }) { __typename } }',
      ),
      await server.gql(NESTED, { code: 'assets:bank' }),
    ];
    for (const res of answers) {
      expect((res.body as any).extensions?.cost).toMatchObject({ limit: LIMIT, remaining: null });
      expect((res.body as any).extensions.cost.requested).toBeGreaterThanOrEqual(1);
    }
    expect(answers.map((res) => (res.body as any).extensions.cost.requested)).toEqual([
      CHEAP_COST,
      1,
      1,
      1,
      11,
      nestedCost(20, 20),
    ]);
  });
});

describe('the cost budget of a key', () => {
  let budgeted: TestServer;
  const BURST = 3000;
  beforeAll(async () => {
    budgeted = await startTestServer({}, silentLogger, { rateLimit: { perSecond: 1, burst: BURST } });
    await openAndPost(budgeted);
  });
  afterAll(() => budgeted.close());

  it('lets 200 cheap reads through where 2 heavy ones exhaust it, with RateLimit headers going down', async () => {
    const cheap = await budgeted.createKey('reader');
    const remaining: number[] = [];
    for (let i = 0; i < 200; i++) {
      const res = await budgeted.gqlAs(cheap, CHEAP);
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-limit')).toBe(String(BURST));
      expect(Number(res.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(1);
      const left = Number(res.headers.get('ratelimit-remaining'));
      expect(Math.abs(left - (res.body as any).extensions.cost.remaining)).toBeLessThanOrEqual(1);
      remaining.push(left);
    }
    // Each read spends 2 points and the budget refills 1 a second: it only goes down.
    for (let i = 1; i < remaining.length; i++) expect(remaining[i]).toBeLessThan(remaining[i - 1]!);
    expect(remaining[0]).toBeLessThanOrEqual(BURST - CHEAP_COST);

    const heavy = await budgeted.createKey('reader');
    const cost = nestedCost(2, 2);
    const first = await budgeted.gqlAs(heavy, NESTED, { code: 'assets:bank', n: 2, m: 2 });
    expect(first.status).toBe(200);
    expect((first.body as any).extensions.cost.requested).toBe(cost);
    expect(Number(first.headers.get('ratelimit-remaining'))).toBeLessThanOrEqual(BURST - cost + 1);
    const second = await budgeted.gqlAs(heavy, NESTED, { code: 'assets:bank', n: 2, m: 2 });
    expect(second.status).toBe(429);
    expect(second.body.data).toBeUndefined();
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(cost - (BURST - cost) - 2);
    expect(second.headers.get('ratelimit-remaining')).not.toBeNull();
    expect(second.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(second.body.errors?.[0]?.message).toMatch(
      new RegExp(
        `cost budget of API key "reader-\\d+" spent: this request costs ${cost}, \\d+ left \\(1 points/s, bursts of ${BURST}\\)`,
      ),
    );
    expect((second.body as any).extensions.cost.requested).toBe(cost);
    // What is left still pays for cheap reads: the budget counts points, not requests.
    expect((await budgeted.gqlAs(heavy, CHEAP)).status).toBe(200);
    // Another key is not touched by either.
    const fresh = await budgeted.createKey('reader');
    expect((await budgeted.gqlAs(fresh, CHEAP)).headers.get('ratelimit-remaining')).toBe(String(BURST - CHEAP_COST));
  });

  it('refuses at the door, with 429 and Retry-After, a key whose budget is empty', async () => {
    const tiny = await startTestServer({}, silentLogger, { rateLimit: { perSecond: 1, burst: 1 } });
    try {
      const key = await tiny.createKey('reader');
      expect((await tiny.gqlAs(key, '{ __typename }')).status).toBe(200);
      const refused = await tiny.gqlAs(key, '{ __typename }');
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.headers.get('ratelimit-remaining')).toBe('0');
      expect((refused.body as any).extensions.cost).toEqual({ requested: 1, limit: LIMIT, remaining: 0 });
    } finally {
      await tiny.close();
    }
  });
});
