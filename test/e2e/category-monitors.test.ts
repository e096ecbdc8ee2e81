/**
 * Balance monitors on a category (issue 19, point 6), over a real socket: the figure is the sum
 * of the members in the monitor's currency, nested categories included, with the membership of
 * each event's time, so a posting to a member and a membership change can each flip it; postings
 * in another currency or to non-members cannot. Hostile inputs are typed errors.
 */
import { alertReader } from '../support/alerts.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerApi } from '../support/api.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const ctx = { actor: 'test', requestId: 'category-monitors' };
let sequence = 0;

const ALERTS =
  'subscription($monitor: String) { balanceAlerts(monitorId: $monitor) { id monitorId account category holds figure eventPosition } }';
const CREATE = `mutation($input: CreateBalanceMonitorInput!) { createBalanceMonitor(input: $input) {
  __typename ... on BalanceMonitor { id holds account category currency amount } ... on Error { code message } } }`;

const reader = alertReader(() => server);
const alerts = (count: number, monitor: string) => reader.read(ALERTS, { monitor }, count);

const move = (to: string, from: string, amount: string) =>
  server.ledger.transfer({ idempotencyKey: `m${++sequence}`, debitAccount: to, creditAccount: from, amount }, ctx);
const create = async (input: Record<string, unknown>) => {
  const { body } = await server.gql(CREATE, { input });
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data.createBalanceMonitor;
};
const head = async () =>
  Number(
    (
      await server.database.db
        .selectFrom('events')
        .select((eb) => eb.fn.max('position').as('p'))
        .executeTakeFirst()
    )?.p,
  );

/** Waits until the monitors' subscriber has judged the whole log. */
async function caughtUp(): Promise<void> {
  const target = await head();
  for (let i = 0; i < 200; i++) {
    const row = await server.database.db
      .selectFrom('subscribers')
      .select('position')
      .where('name', '=', 'balance-monitors')
      .where('active', '=', 1)
      .executeTakeFirst();
    if (Number(row?.position ?? 0) >= target) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the balance-monitors subscriber did not catch up');
}

beforeAll(async () => {
  server = await startTestServer();
  await ledgerApi(server).openAccounts([
    { code: 'assets:a', type: 'ASSET' },
    { code: 'assets:b', type: 'ASSET' },
    { code: 'assets:e', type: 'ASSET', currency: 'EUR' },
    { code: 'equity:f', type: 'EQUITY' },
    { code: 'equity:fe', type: 'EQUITY', currency: 'EUR' },
  ]);
  for (const code of ['top', 'sub']) await server.ledger.createCategory({ code, name: code }, ctx);
  await server.ledger.addToCategory({ category: 'top', childCategory: 'sub' }, ctx);
  await server.ledger.addToCategory({ category: 'sub', account: 'assets:a' }, ctx);
  await server.ledger.addToCategory({ category: 'top', account: 'assets:e' }, ctx);
});
afterAll(async () => {
  reader.dispose();
  await server.close();
});

describe('a monitor on a category', () => {
  it('flips on its members’ postings in its currency and on membership changes, nested included', async () => {
    const monitor = await create({
      category: 'top',
      currency: 'USD',
      metric: 'POSTED',
      comparison: 'GTE',
      amount: '100.00',
    });
    expect(monitor).toMatchObject({
      __typename: 'BalanceMonitor',
      holds: false,
      account: 'top',
      category: 'top',
      currency: 'USD',
    });
    await move('assets:a', 'equity:f', '60.00'); // 60: still below
    await move('assets:e', 'equity:fe', '500.00'); // EUR: not summed
    await move('assets:b', 'equity:f', '50.00'); // not a member yet
    await server.ledger.addToCategory({ category: 'sub', account: 'assets:b' }, ctx); // 110: holds
    const joined = await head();
    await move('assets:a', 'equity:f', '1.00'); // 111: still holds
    await server.ledger.removeFromCategory({ category: 'sub', account: 'assets:b' }, ctx); // 61: stops
    const left = await head();
    await move('assets:b', 'equity:f', '500.00'); // no longer a member
    const got = await alerts(2, monitor.id);
    expect(
      got.map(({ holds, figure, eventPosition, account, category }) => ({
        holds,
        figure,
        eventPosition,
        account,
        category,
      })),
    ).toEqual([
      { holds: true, figure: '110.00', eventPosition: joined, account: 'top', category: 'top' },
      { holds: false, figure: '61.00', eventPosition: left, account: 'top', category: 'top' },
    ]);
    // Nothing more once the subscriber has judged every event: no flip, no alert.
    await move('assets:a', 'equity:f', '1.00');
    await caughtUp();
    const rows = await server.database.db
      .selectFrom('balance_alerts')
      .selectAll()
      .where('monitor_id', '=', monitor.id)
      .execute();
    expect(rows).toHaveLength(2);
  });

  it('starts from the condition as the category stands, and sums AVAILABLE too', async () => {
    const monitor = await create({
      category: 'sub',
      currency: 'USD',
      metric: 'AVAILABLE',
      comparison: 'GT',
      amount: '10',
    });
    expect(monitor).toMatchObject({ __typename: 'BalanceMonitor', holds: true, amount: '10.00' });
    const paused = await server.gql(
      `mutation($id: String!) { pauseBalanceMonitor(input: { id: $id }) { __typename } }`,
      { id: monitor.id },
    );
    expect(paused.body.data.pauseBalanceMonitor.__typename).toBe('BalanceMonitor');
    const resumed = await server.gql(
      `mutation($id: String!) { resumeBalanceMonitor(input: { id: $id }) { ... on BalanceMonitor { status holds category } } }`,
      { id: monitor.id },
    );
    expect(resumed.body.data.resumeBalanceMonitor).toEqual({ status: 'ACTIVE', holds: true, category: 'sub' });
  });

  it.each([
    ['no currency', { category: 'top' }, 'ValidationError'],
    ['an unknown currency', { category: 'top', currency: 'XXQ' }, 'ValidationError'],
    ['both an account and a category', { category: 'top', account: 'assets:a', currency: 'USD' }, 'ValidationError'],
    ['neither', {}, 'ValidationError'],
    ['a currency with an account', { account: 'assets:a', currency: 'USD' }, 'ValidationError'],
    ['an unknown category', { category: 'nope', currency: 'USD' }, 'CategoryNotFound'],
    ['an amount finer than the currency', { category: 'top', currency: 'USD', amount: '1.001' }, 'ValidationError'],
  ])('refuses %s', async (_name, input, typename) => {
    const before = await server.database.db.selectFrom('balance_monitors').select('id').execute();
    const answer = await create({ metric: 'POSTED', comparison: 'LT', amount: '1.00', ...input });
    expect(answer.__typename).toBe(typename);
    expect(await server.database.db.selectFrom('balance_monitors').select('id').execute()).toEqual(before);
  });
});
