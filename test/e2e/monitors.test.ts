/**
 * Balance monitors over a real socket: created, paused, resumed and deleted through GraphQL;
 * each flip of a condition recorded once and pushed on balanceAlerts (graphql-sse), resumable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertReader } from '../support/alerts.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const ctx = { actor: 'test', requestId: 'monitors' };
let sequence = 0;

const ALERTS =
  'subscription($after: Int, $monitor: String) { balanceAlerts(afterId: $after, monitorId: $monitor) { id monitorId holds figure eventPosition } }';

const reader = alertReader(() => server);
const alerts = (after: number, count: number, monitor?: string) => reader.read(ALERTS, { after, monitor }, count);

const move = (from: string, to: string, amount: string) =>
  server.ledger.transfer({ idempotencyKey: `m${++sequence}`, debitAccount: to, creditAccount: from, amount }, ctx);
const hold = (from: string, to: string, amount: string) =>
  server.ledger.postTransaction(
    {
      idempotencyKey: `h${++sequence}`,
      pending: true,
      entries: [
        { account: to, direction: 'DEBIT', amount },
        { account: from, direction: 'CREDIT', amount },
      ],
    },
    ctx,
  );

async function create(account: string, metric: string, comparison: string, amount: string) {
  const res = await server.gql(
    `mutation($input: CreateBalanceMonitorInput!) { createBalanceMonitor(input: $input) { __typename ... on BalanceMonitor { id holds status } ... on Error { code message } } }`,
    { input: { account, metric, comparison, amount } },
  );
  return res.body.data.createBalanceMonitor;
}

const setStatus = async (mutation: string, id: string) =>
  (
    await server.gql(
      `mutation($id: String!) { r: ${mutation}(input: { id: $id }) { __typename ... on BalanceMonitor { id status holds } ... on Error { code } } }`,
      { id },
    )
  ).body.data.r;

beforeAll(async () => {
  server = await startTestServer();
  for (const [code, type] of [
    ['assets:wallet', 'ASSET'],
    ['assets:other', 'ASSET'],
    ['equity:funding', 'EQUITY'],
  ] as const) {
    await server.ledger.openAccount({ code, name: code, type, currency: 'USD' }, ctx);
  }
});
afterAll(async () => {
  reader.dispose();
  await server.close();
});

describe('balance monitors', () => {
  it('records and pushes each flip of the condition, holds included, once', async () => {
    const monitor = await create('assets:wallet', 'AVAILABLE', 'LT', '100.00');
    expect(monitor).toMatchObject({ __typename: 'BalanceMonitor', holds: true, status: 'ACTIVE' }); // 0 < 100 already
    const pushed = alerts(0, 3, monitor.id);
    await move('equity:funding', 'assets:wallet', '150.00'); // 150: stops holding
    await move('assets:wallet', 'equity:funding', '40.00'); // 110: no flip
    await hold('assets:wallet', 'assets:other', '15.00'); // available 95: holds again (a hold counts)
    await move('equity:funding', 'assets:wallet', '0.50'); // 95.50: no flip
    await move('equity:funding', 'assets:wallet', '10.00'); // 105.50: stops holding
    const received = await pushed;
    expect(received.map((a) => [a.holds, a.figure])).toEqual([
      [false, '150.00'],
      [true, '95.00'],
      [false, '105.50'],
    ]);
    // Resume after the first: the same alerts, nothing twice; and the list shows where it stands.
    expect(await alerts(received[0]!.id, 2, monitor.id)).toEqual(received.slice(1));
    const listed = await server.gql(
      '{ balanceMonitors(account: "assets:wallet") { id holds metric comparison amount } }',
    );
    expect(listed.body.data.balanceMonitors).toContainEqual({
      id: monitor.id,
      holds: false,
      metric: 'AVAILABLE',
      comparison: 'LT',
      amount: '100.00',
    });
  });

  it('judges nothing while paused, and resumes from the condition as it stands', async () => {
    const monitor = await create('assets:other', 'POSTED', 'GTE', '20.00');
    expect(monitor.holds).toBe(false); // 15.00 held is not posted
    expect(await setStatus('pauseBalanceMonitor', monitor.id)).toMatchObject({ status: 'PAUSED' });
    await move('equity:funding', 'assets:other', '30.00'); // 30 >= 20 while paused: no alert
    expect(await setStatus('resumeBalanceMonitor', monitor.id)).toMatchObject({ status: 'ACTIVE', holds: true });
    await move('assets:other', 'equity:funding', '25.00'); // 5: stops holding
    const [alert] = await alerts(0, 1, monitor.id);
    expect(alert).toMatchObject({ holds: false, figure: '5.00' });
    expect(await setStatus('deleteBalanceMonitor', monitor.id)).toMatchObject({ id: monitor.id });
    expect(await setStatus('deleteBalanceMonitor', monitor.id)).toEqual({
      __typename: 'MonitorNotFound',
      code: 'MONITOR_NOT_FOUND',
    });
    expect(await setStatus('pauseBalanceMonitor', 'nope')).toEqual({
      __typename: 'MonitorNotFound',
      code: 'MONITOR_NOT_FOUND',
    });
  });

  it('refuses an unknown account, an amount finer than the currency, and a malformed code', async () => {
    expect(await create('assets:ghost', 'POSTED', 'LT', '1.00')).toMatchObject({ __typename: 'AccountNotFound' });
    expect((await create('assets:wallet', 'POSTED', 'LT', '1.001')).__typename).toMatch(
      /InvalidAmount|ValidationError/,
    );
    const res = await server.gql(
      'mutation { createBalanceMonitor(input: { account: "Bad Code", metric: POSTED, comparison: LT, amount: "1" }) { __typename } }',
    );
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
