/**
 * Durable consumers over a real socket (issue 21, point 3): the GraphQL shapes, a short ack window
 * in real time, the lag, and every refusal as a typed error that changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const ctx = { actor: 'test', requestId: 'consumers-e2e' };

const FIELDS = 'name filter startPosition cursor handedOutThrough lag inFlight ackTimeoutMs';
const CONSUMER = `... on Consumer { ${FIELDS} }`;
const ERROR = '... on Error { code message }';
const create = async (input: Record<string, unknown>) =>
  (
    await server.gql(
      `mutation($input: CreateConsumerInput!) { r: createConsumer(input: $input) { __typename ${CONSUMER} ${ERROR} } }`,
      {
        input,
      },
    )
  ).body.data.r;
const pull = async (name: string, first?: number) =>
  (
    await server.gql(
      `query($name: String!, $first: Int) { r: consumerEvents(name: $name, first: $first) { __typename ${ERROR}
        ... on ConsumerBatch { throughPosition leaseExpiresAt deliveries events { position type } } } }`,
      { name, first },
    )
  ).body.data.r;
const ack = async (name: string, position: number) =>
  (
    await server.gql(
      `mutation($name: String!, $p: Int!) { r: ackConsumer(input: { name: $name, position: $p }) { __typename ${CONSUMER} ${ERROR}
        ... on AckBeyondHandedOut { position handedOutThrough } } }`,
      { name, p: position },
    )
  ).body.data.r;
const list = async () => (await server.gql(`{ consumers { ${FIELDS} } }`)).body.data.consumers;
const head = async () => (await server.ledger.store.head())!.position;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  server = await startTestServer();
  await server.ledger.openAccount({ code: 'assets:cash', name: 'C', type: 'ASSET', currency: 'USD' }, ctx);
  await server.ledger.openAccount({ code: 'equity:owner', name: 'O', type: 'EQUITY', currency: 'USD' }, ctx);
  for (let i = 0; i < 3; i++)
    await server.ledger.transfer(
      { idempotencyKey: `t-${i}`, debitAccount: 'assets:cash', creditAccount: 'equity:owner', amount: '1.00' },
      ctx,
    );
});
afterAll(() => server.close());

describe('a consumer over GraphQL', () => {
  it('is created with its filter, pulled, redelivered after a short window, acked, and shows its lag', async () => {
    const created = await create({
      name: 'billing.v1',
      filter: { types: ['TransactionPosted'], accountPrefix: 'assets', metadata: null },
      ackTimeoutMs: 300,
    });
    expect(created).toMatchObject({
      __typename: 'Consumer',
      filter: { types: ['TransactionPosted'], accountPrefix: 'assets' },
      startPosition: 0,
      cursor: 0,
      lag: await head(),
      ackTimeoutMs: 300,
    });
    const first = await pull('billing.v1', 2);
    expect(first).toMatchObject({ __typename: 'ConsumerBatch', deliveries: 1 });
    expect(first.events.map((e: { type: string }) => e.type)).toEqual(['TransactionPosted', 'TransactionPosted']);
    // Within the window nothing is handed out again; past it, the same batch is.
    const second = await pull('billing.v1', 2);
    expect(second.events.map((e: { position: number }) => e.position)).not.toEqual(
      first.events.map((e: { position: number }) => e.position),
    );
    await sleep(350);
    const again = await pull('billing.v1', 2);
    expect(again).toMatchObject({ deliveries: 2, throughPosition: first.throughPosition });
    expect(await ack('billing.v1', again.throughPosition)).toMatchObject({ __typename: 'Consumer', inFlight: 1 });
    expect(await ack('billing.v1', second.throughPosition)).toMatchObject({
      cursor: second.throughPosition,
      lag: (await head()) - second.throughPosition,
      inFlight: 0,
    });
    const [listed] = await list();
    expect(listed).toMatchObject({ name: 'billing.v1', cursor: second.throughPosition });
  });

  it('uses the server’s ack window when it sets none', async () => {
    expect(await create({ name: 'defaults' })).toMatchObject({ ackTimeoutMs: 30_000, filter: {} });
  });
});

describe('refusals, each typed, each changing nothing', () => {
  it.each([
    [{ name: '' }, 'VALIDATION_ERROR', /consumer name/],
    [{ name: 'Billing' }, 'VALIDATION_ERROR', /consumer name/],
    [{ name: 'x'.repeat(65) }, 'VALIDATION_ERROR', /1 to 64/],
    [{ name: "a'; drop table consumers; --" }, 'VALIDATION_ERROR', /consumer name/],
    [{ name: 'ok', startPosition: -1 }, 'VALIDATION_ERROR', /startPosition/],
    [{ name: 'ok', startPosition: 1_000_000 }, 'VALIDATION_ERROR', /past the log's last position/],
    [{ name: 'ok', ackTimeoutMs: 99 }, 'VALIDATION_ERROR', /ackTimeoutMs/],
    [{ name: 'ok', ackTimeoutMs: 3_600_001 }, 'VALIDATION_ERROR', /ackTimeoutMs/],
    [{ name: 'ok', filter: { types: ['Nope'] } }, 'VALIDATION_ERROR', /filter\.types/],
    [{ name: 'ok', filter: { accountPattern: 'a:***' } }, 'VALIDATION_ERROR', /filter\.accountPattern/],
    [{ name: 'billing.v1' }, 'CONSUMER_ALREADY_EXISTS', /already exists/],
  ])('createConsumer %j → %s', async (input, code, message) => {
    const before = await list();
    const answer = await create(input);
    expect(answer).toMatchObject({ code });
    expect(answer.message).toMatch(message);
    expect(await list()).toEqual(before);
  });

  it('consumerEvents: unknown consumer, first out of range', async () => {
    expect(await pull('nobody')).toMatchObject({ __typename: 'ConsumerNotFound', code: 'CONSUMER_NOT_FOUND' });
    for (const first of [0, -1, 101]) expect(await pull('defaults', first)).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect((await list()).find((c: { name: string }) => c.name === 'defaults')).toMatchObject({ inFlight: 0 });
  });

  it('ackConsumer: unknown consumer, a negative position, a position not handed out yet', async () => {
    expect(await ack('nobody', 1)).toMatchObject({ code: 'CONSUMER_NOT_FOUND' });
    expect(await ack('defaults', -1)).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(await ack('defaults', 3)).toMatchObject({
      __typename: 'AckBeyondHandedOut',
      code: 'ACK_BEYOND_HANDED_OUT',
      position: 3,
      handedOutThrough: 0,
    });
  });

  it('deleteConsumer: an unknown name is CONSUMER_NOT_FOUND; a known one is gone', async () => {
    const del = async (name: string) =>
      (
        await server.gql(
          `mutation($name: String!) { r: deleteConsumer(input: { name: $name }) { __typename ${ERROR} } }`,
          { name },
        )
      ).body.data.r;
    expect(await del('nobody')).toMatchObject({ code: 'CONSUMER_NOT_FOUND' });
    expect(await del('defaults')).toMatchObject({ __typename: 'Consumer' });
    expect((await list()).map((c: { name: string }) => c.name)).toEqual(['billing.v1']);
  });

  it('a pull sent as GET is refused: it takes a lease', async () => {
    const query = encodeURIComponent('{ consumerEvents(name: "billing.v1") { __typename } }');
    const response = await server.raw({
      path: `/graphql?query=${query}`,
      method: 'GET',
      headers: { 'x-graphql-yoga-csrf': '1' },
    });
    const body = await response.json();
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect(body.errors?.[0]?.message).toMatch(/hands out a lease: send it by POST/);
    expect((await list())[0]).toMatchObject({ inFlight: 0 });
  });
});
