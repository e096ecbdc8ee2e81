/**
 * Exchanges inside a transaction over a real socket (issue 22, point 2): a EUR-funded USD payment
 * names its conversion; Inkwell adds the legs on the pair's conversion accounts (opened on first
 * use, as AccountOpened events), each currency balances, the transaction shows its rate, the
 * trial balance still balances per currency, a retry answers the first result and the same key
 * with other exchanges is a conflict; hostile exchanges are typed errors that write nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildReadModels } from '../../src/projections/rebuild.js';
import { ledgerApi } from '../support/api.js';
import { logState } from '../support/log-state.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const api = () => ledgerApi(server);
const RESULT = '__typename ... on Transaction { id } ... on Error { code message }';
const TX = `query($id: ID!) { transaction(id: $id) {
  entries { account { code } direction amount { amount currency } }
  exchanges { from { amount currency } to { amount currency } rate } } }`;
const post = (input: Record<string, unknown>) => api().mutate('postTransaction', input, RESULT);

/** Pay a USD bill of 110.00 from a EUR account, converting 100.00 EUR. */
const payment = (
  key: string,
  exchanges: unknown = [{ from: { amount: '100.00', currency: 'EUR' }, to: { amount: '110.00', currency: 'USD' } }],
) => ({
  idempotencyKey: key,
  effectiveAt: '2026-02-01T00:00:00Z',
  entries: [
    { account: 'expenses:travel', direction: 'DEBIT', amount: '110.00' },
    { account: 'assets:bank:eur', direction: 'CREDIT', amount: '100.00' },
  ],
  exchanges,
});

let paymentId: string;

beforeAll(async () => {
  server = await startTestServer();
  await api().openAccounts(
    [
      { code: 'assets:bank:eur', type: 'ASSET', currency: 'EUR' },
      { code: 'equity:capital-eur', type: 'EQUITY', currency: 'EUR' },
      { code: 'expenses:travel', type: 'EXPENSE', currency: 'USD' },
      { code: 'assets:yen', type: 'ASSET', currency: 'JPY' },
    ],
    { effectiveAt: '2026-01-01T00:00:00Z' },
  );
  await api().transfer({
    idempotencyKey: 'fund',
    debitAccount: 'assets:bank:eur',
    creditAccount: 'equity:capital-eur',
    amount: '1000.00',
    effectiveAt: '2026-01-02T00:00:00Z',
  });
  const answer = await post(payment('pay-1'));
  expect(answer.__typename).toBe('Transaction');
  paymentId = answer.id;
});
afterAll(() => server.close());

describe('a transaction with an exchange', () => {
  it('gets the conversion legs, so each currency balances', async () => {
    const { transaction } = await api().request(TX, { id: paymentId });
    expect(
      transaction.entries.map((e: any) => [e.account.code, e.direction, e.amount.amount, e.amount.currency]),
    ).toEqual([
      ['expenses:travel', 'DEBIT', '110.00', 'USD'],
      ['assets:bank:eur', 'CREDIT', '100.00', 'EUR'],
      ['equity:conversion:eur-usd:eur', 'DEBIT', '100.00', 'EUR'],
      ['equity:conversion:eur-usd:usd', 'CREDIT', '110.00', 'USD'],
    ]);
  });

  it('shows its exchanges and their rate, to / from', async () => {
    const { transaction } = await api().request(TX, { id: paymentId });
    expect(transaction.exchanges).toEqual([
      { from: { amount: '100.00', currency: 'EUR' }, to: { amount: '110.00', currency: 'USD' }, rate: '1.1' },
    ]);
  });

  it('opened the conversion accounts as EQUITY, each with an AccountOpened event of the transaction', async () => {
    const body = await api().request(
      `{ a: account(code: "equity:conversion:eur-usd:eur") { type currency balance { posted { amount } } }
         b: account(code: "equity:conversion:eur-usd:usd") { type currency balance { posted { amount } } } }`,
    );
    expect(body.a).toEqual({ type: 'EQUITY', currency: 'EUR', balance: { posted: { amount: '-100.00' } } });
    expect(body.b).toEqual({ type: 'EQUITY', currency: 'USD', balance: { posted: { amount: '110.00' } } });
    const opened = await server.database.db
      .selectFrom('events')
      .select(['stream_id', 'type', 'transaction_id'])
      .where('stream_id', 'like', 'account:equity:conversion:%')
      .orderBy('position')
      .execute();
    expect(opened.map((r) => [r.stream_id, r.type, r.transaction_id])).toEqual([
      ['account:equity:conversion:eur-usd:eur', 'AccountOpened', paymentId],
      ['account:equity:conversion:eur-usd:eur', 'TransactionPosted', paymentId],
      ['account:equity:conversion:eur-usd:usd', 'AccountOpened', paymentId],
      ['account:equity:conversion:eur-usd:usd', 'TransactionPosted', paymentId],
    ]);
  });

  it('is recorded as TransactionPosted v4 carrying the exchanges', async () => {
    const row = await server.database.db
      .selectFrom('events')
      .select(['schema_version', 'data'])
      .where('stream_id', '=', 'account:expenses:travel')
      .where('type', '=', 'TransactionPosted')
      .executeTakeFirstOrThrow();
    expect(row.schema_version).toBe(4);
    expect(JSON.parse(row.data).exchanges).toEqual([
      { from: { amount: '100.00', currency: 'EUR' }, to: { amount: '110.00', currency: 'USD' } },
    ]);
  });

  it('reuses the conversion accounts, whichever way the pair is exchanged', async () => {
    const back = await post({
      idempotencyKey: 'refund',
      effectiveAt: '2026-02-02T00:00:00Z',
      entries: [
        { account: 'assets:bank:eur', direction: 'DEBIT', amount: '45.50' },
        { account: 'expenses:travel', direction: 'CREDIT', amount: '50.00' },
      ],
      exchanges: [{ from: { amount: '50.00', currency: 'USD' }, to: { amount: '45.50', currency: 'EUR' } }],
    });
    expect(back.__typename).toBe('Transaction');
    const { transaction } = await api().request(TX, { id: back.id });
    expect(transaction.exchanges[0].rate).toBe('0.91');
    expect(transaction.entries.map((e: any) => e.account.code).slice(2)).toEqual([
      'equity:conversion:eur-usd:usd',
      'equity:conversion:eur-usd:eur',
    ]);
  });

  it('leaves a trial balance that balances per currency, and read models a rebuild reproduces', async () => {
    const { trialBalance } = await api().request(
      '{ trialBalance { balanced totals { debit { amount currency } credit { amount } balanced } } }',
    );
    expect(trialBalance.balanced).toBe(true);
    expect(trialBalance.totals.map((t: any) => [t.debit.currency, t.balanced])).toEqual([
      ['EUR', true],
      ['JPY', true],
      ['USD', true],
    ]);
    expect((await rebuildReadModels(server.database, { apply: false })).differences).toEqual([]);
  });

  it('leaves a transaction in one currency as it was: no exchanges, TransactionPosted v4 with []', async () => {
    const { id } = await api().transfer(
      { idempotencyKey: 'plain', debitAccount: 'assets:bank:eur', creditAccount: 'equity:capital-eur', amount: '1.00' },
      RESULT,
    );
    const { transaction } = await api().request(TX, { id });
    expect(transaction.exchanges).toEqual([]);
    expect(transaction.entries).toHaveLength(2);
    const row = await server.database.db
      .selectFrom('events')
      .select(['schema_version', 'data'])
      .where('transaction_id', '=', id)
      .executeTakeFirstOrThrow();
    expect([row.schema_version, JSON.parse(row.data).exchanges]).toEqual([4, []]);
  });
});

describe('idempotency', () => {
  it('answers a retry with the first result and writes nothing', async () => {
    const before = await logState(server.database.db);
    expect(await post(payment('pay-1'))).toEqual({ __typename: 'Transaction', id: paymentId });
    expect(await logState(server.database.db)).toEqual(before);
  });

  it('refuses the same key with other exchanges', async () => {
    const before = await logState(server.database.db);
    const other = payment('pay-1', [
      { from: { amount: '100.00', currency: 'EUR' }, to: { amount: '110.00', currency: 'USD' } },
      { from: { amount: '1.00', currency: 'EUR' }, to: { amount: '1.00', currency: 'USD' } },
    ]);
    expect((await post(other)).__typename).toBe('IdempotencyConflict');
    expect(await logState(server.database.db)).toEqual(before);
  });
});

describe('hostile exchanges: a typed error, nothing written', () => {
  const ex = (from: [string, string], to: [string, string]) => [
    { from: { amount: from[0], currency: from[1] }, to: { amount: to[0], currency: to[1] } },
  ];
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    [
      'too many decimals for EUR',
      payment('h1', ex(['100.001', 'EUR'], ['110.00', 'USD'])),
      'ValidationError',
      /exchanges\[0\]\.from\.amount/,
    ],
    [
      'too many decimals for JPY',
      payment('h2', ex(['100.00', 'EUR'], ['110.5', 'JPY'])),
      'ValidationError',
      /exchanges\[0\]\.to\.amount/,
    ],
    [
      'a zero amount',
      payment('h3', ex(['0.00', 'EUR'], ['110.00', 'USD'])),
      'ValidationError',
      /exchanges\[0\]\.from\.amount/,
    ],
    [
      'one currency on both sides',
      payment('h4', ex(['100.00', 'EUR'], ['100.00', 'EUR'])),
      'ValidationError',
      /exchanges\[0\]/,
    ],
    [
      'an unknown currency',
      payment('h5', ex(['100.00', 'EUR'], ['110.00', 'XYZ'])),
      'ValidationError',
      /exchanges\[0\]\.to\.currency/,
    ],
    [
      'a currency no leg has',
      payment('h6', ex(['100.00', 'EUR'], ['110', 'JPY'])),
      'ValidationError',
      /exchanges\[0\]\.to\.currency: JPY is not the currency of any leg/,
    ],
    [
      'amounts that leave a currency unbalanced',
      payment('h7', ex(['99.99', 'EUR'], ['110.00', 'USD'])),
      'UnbalancedTransaction',
      /EUR/,
    ],
    ['no exchange across currencies', payment('h8', []), 'UnbalancedTransaction', /EUR|USD/],
    ['an exchange on a hold', { ...payment('h9'), pending: true }, 'ValidationError', /exchanges: a hold/],
  ];
  it.each(cases)('%s', async (_name, input, typename, message) => {
    const before = await logState(server.database.db);
    const answer = await post(input);
    expect(answer.__typename).toBe(typename);
    expect(answer.message).toMatch(message);
    expect(await logState(server.database.db)).toEqual(before);
  });

  it('refuses a malformed exchange amount as bad input', async () => {
    const before = await logState(server.database.db);
    for (const amount of [100, '1e2', '+100.00', '']) {
      const { body } = await server.gql(
        'mutation($input: PostTransactionInput!) { postTransaction(input: $input) { __typename } }',
        { input: payment('bad', [{ from: { amount, currency: 'EUR' }, to: { amount: '110.00', currency: 'USD' } }]) },
      );
      expect(body.errors?.[0]?.extensions?.code, String(amount)).toBe('BAD_USER_INPUT');
    }
    expect(await logState(server.database.db)).toEqual(before);
  });
});
