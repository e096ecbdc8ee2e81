/** Account.dailyBalances over a real socket: the history the server's checkpointed subscriber keeps. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Amount } from '../../src/domain/money.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { DAILY_BALANCES } from '../../src/subscribers/daily-balances.js';
import { defaultSubscribers } from '../../src/subscribers/defaults.js';
import { ledgerApi } from '../support/api.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const ctx = { actor: 'test', requestId: 'daily' };
const head = async () => (await server.ledger.store.head())?.position ?? 0;

beforeAll(async () => {
  server = await startTestServer();
  for (const [code, type] of [
    ['assets:daily', 'ASSET'],
    ['equity:old', 'EQUITY'],
  ] as const) {
    await server.ledger.openAccount(
      { code, name: code, type, currency: 'USD', effectiveAt: '2026-01-01T00:00:00Z' },
      ctx,
    );
  }
});
afterAll(() => server.close());

describe('Account.dailyBalances', () => {
  const query =
    'query($from: String!, $to: String!) { account(code: "assets:daily") { dailyBalances(from: $from, to: $to) { throughPosition days { day debits { amount } credits { amount } balance { amount currency } } } } }';

  it('gives every day of the range from the daily balance history, once it has caught up', async () => {
    await server.ledger.transfer(
      {
        idempotencyKey: 'daily-back',
        debitAccount: 'assets:daily',
        creditAccount: 'equity:old',
        amount: '10.00',
        effectiveAt: '2026-11-01T12:00:00Z',
      },
      ctx,
    );
    await server.ledger.transfer(
      {
        idempotencyKey: 'daily-back-2',
        debitAccount: 'equity:old',
        creditAccount: 'assets:daily',
        amount: '2.50',
        effectiveAt: '2026-11-03T08:00:00Z',
      },
      ctx,
    );
    const end = await head();
    const deadline = Date.now() + 10_000;
    let body = (await server.gql(query, { from: '2026-10-31', to: '2026-11-03' })).body;
    while (body.data.account.dailyBalances.throughPosition < end && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      body = (await server.gql(query, { from: '2026-10-31', to: '2026-11-03' })).body;
    }
    expect(body.data.account.dailyBalances.days).toEqual([
      {
        day: '2026-10-31',
        debits: { amount: '0.00' },
        credits: { amount: '0.00' },
        balance: { amount: '0.00', currency: 'USD' },
      },
      {
        day: '2026-11-01',
        debits: { amount: '10.00' },
        credits: { amount: '0.00' },
        balance: { amount: '10.00', currency: 'USD' },
      },
      {
        day: '2026-11-02',
        debits: { amount: '0.00' },
        credits: { amount: '0.00' },
        balance: { amount: '10.00', currency: 'USD' },
      },
      {
        day: '2026-11-03',
        debits: { amount: '0.00' },
        credits: { amount: '2.50' },
        balance: { amount: '7.50', currency: 'USD' },
      },
    ]);
  });

  it('is rebuilt blue-green while transfers keep arriving over HTTP, and answers right after the switch', async () => {
    const api = ledgerApi(server);
    const posting = (async () => {
      for (let i = 0; i < 40; i++) {
        const posted = await api.transfer({
          idempotencyKey: `rebuild-${i}`,
          debitAccount: 'assets:daily',
          creditAccount: 'equity:old',
          amount: '1.25',
          effectiveAt: `2026-11-0${(i % 5) + 1}T09:00:00Z`,
        });
        expect(posted.__typename).toBe('Transaction');
      }
    })();
    // What `inkwell subscribers rebuild daily-balances` does: another runner builds generation n+1, then switches.
    const generation = await defaultSubscribers(new Ledger(server.database)).rebuild(DAILY_BALANCES);
    await posting;
    expect(generation).toBeGreaterThan(1);
    const end = await head();
    const query =
      '{ account(code: "assets:daily") { dailyBalances(from: "2026-11-01", to: "2026-11-05") { throughPosition days { day balance { amount } } } } }';
    let history = (await server.gql(query)).body.data.account.dailyBalances;
    const deadline = Date.now() + 10_000;
    while (history.throughPosition < end && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      history = (await server.gql(query)).body.data.account.dailyBalances;
    }
    // The long way: the entries of the read model, summed to each day's end.
    const entries = await server.database.db
      .selectFrom('entries')
      .select(['direction', 'amount', 'effective_at'])
      .where('account_code', '=', 'assets:daily')
      .execute();
    const expected = ['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05'].map((day) => ({
      day,
      balance: {
        amount: entries
          .filter((e) => e.effective_at.slice(0, 10) <= day)
          .reduce((sum, e) => (e.direction === 'DEBIT' ? sum.plus(e.amount) : sum.minus(e.amount)), new Amount(0))
          .toFixed(2),
      },
    }));
    expect(history.days).toEqual(expected);
  });

  it('refuses days that are not days, and ranges backwards or too long', async () => {
    for (const [from, to] of [
      ['2026-02-30', '2026-03-01'],
      ['yesterday', '2026-03-01'],
      ['2026-03-02', '2026-03-01'],
      ['2000-01-01', '2026-01-01'],
    ]) {
      const res = await server.gql(query, { from, to });
      expect(res.body.errors?.[0]?.extensions?.code, `${from}..${to}`).toBe('BAD_USER_INPUT');
    }
  });
});
