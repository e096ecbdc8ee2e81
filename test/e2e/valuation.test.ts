/**
 * Valuation in reports over a real socket (issue 22, point 3): the trial balance, balance sheet
 * and income statement in USD at the report date and at posting dates, with the prices used,
 * rounding lines that tie, the unrealised line that balances the sheet, a missing price as the
 * typed PRICE_NOT_FOUND error, and knownAt honoured (a price recorded later leaves an earlier
 * report as it was). The figures below are worked out by hand in docs/audit.md's terms.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerApi } from '../support/api.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const api = ledgerApi(() => server);
let seq = 0;
const post = (debit: string, credit: string, amount: string, effectiveAt: string) =>
  api.transfer({ idempotencyKey: `v${++seq}`, debitAccount: debit, creditAccount: credit, amount, effectiveAt });
const setPrice = async (base: string, quote: string, rate: string, effectiveAt: string) =>
  expect(
    await api.mutate('setPrice', { base, quote, rate, effectiveAt }, '__typename ... on Error { code message }'),
  ).toEqual({ __typename: 'Price' });

const PRICE = 'price { base quote rate effectiveAt inverse }';
const TB = `query($asOf: DateTime, $knownAt: DateTime, $valuation: ValuationInput) {
  trialBalance(asOf: $asOf, knownAt: $knownAt, valuation: $valuation) { knownAt balanced
    lines { code debit { amount currency } credit { amount } valued { debit { amount currency } credit { amount } ${PRICE} } }
    valuation { currency at balanced debit { total { amount currency } rounding { amount } } credit { total { amount } rounding { amount } } } } }`;
const SECTIONS = `sections { type lines { code amount { amount currency } valued { value { amount currency } ${PRICE} } }
  valuedTotal { total { amount } rounding { amount } } }`;
const BS = `query($asOf: DateTime, $valuation: ValuationInput) { balanceSheet(asOf: $asOf, valuation: $valuation) { ${SECTIONS}
  valuation { currency at assets { amount } liabilities { amount } equity { amount } earnings { amount } unrealised { amount } rounding { amount } balanced } } }`;
const IS = `query($valuation: ValuationInput) { incomeStatement(from: "2026-01-01T00:00:00Z", to: "2026-03-01T00:00:00Z", valuation: $valuation) { ${SECTIONS}
  valuation { revenue { amount } expenses { amount } netIncome { amount } rounding { amount } } } }`;

const AS_OF = '2026-02-15T00:00:00.000Z';
const USD_REPORT = { currency: 'USD', at: 'REPORT_DATE' };
const USD_POSTING = { currency: 'USD', at: 'POSTING_DATE' };
const EUR_PRICE = (rate: string, effectiveAt: string) => ({
  base: 'EUR',
  quote: 'USD',
  rate,
  effectiveAt,
  inverse: false,
});
const JPY_PRICE = { base: 'USD', quote: 'JPY', rate: '150', effectiveAt: '2026-01-01T00:00:00.000Z', inverse: true };

beforeAll(async () => {
  server = await startTestServer();
  await api.openAccounts(
    [
      { code: 'assets:eur', type: 'ASSET', currency: 'EUR' },
      { code: 'assets:jpy', type: 'ASSET', currency: 'JPY' },
      { code: 'assets:usd', type: 'ASSET', currency: 'USD' },
      { code: 'equity:eur', type: 'EQUITY', currency: 'EUR' },
      { code: 'equity:jpy', type: 'EQUITY', currency: 'JPY' },
      { code: 'equity:usd', type: 'EQUITY', currency: 'USD' },
      { code: 'expenses:meals', type: 'EXPENSE', currency: 'JPY' },
      { code: 'expenses:travel', type: 'EXPENSE', currency: 'JPY' },
      { code: 'liabilities:eur', type: 'LIABILITY', currency: 'EUR' },
      { code: 'revenue:eur', type: 'REVENUE', currency: 'EUR' },
    ],
    { effectiveAt: '2026-01-01T00:00:00Z' },
  );
  await setPrice('EUR', 'USD', '1.10', '2026-01-01T00:00:00Z');
  await setPrice('EUR', 'USD', '1.20', '2026-02-01T00:00:00Z');
  // Only USD → JPY is recorded: JPY is valued by dividing by it.
  await setPrice('USD', 'JPY', '150', '2026-01-01T00:00:00Z');
  await post('assets:eur', 'equity:eur', '100.00', '2026-01-10T00:00:00Z');
  await post('assets:jpy', 'equity:jpy', '3000', '2026-01-12T00:00:00Z');
  await post('assets:usd', 'equity:usd', '50.00', '2026-01-15T00:00:00Z');
  await post('assets:eur', 'revenue:eur', '10.00', '2026-01-20T00:00:00Z');
  await post('assets:eur', 'liabilities:eur', '20.00', '2026-01-25T00:00:00Z');
  await post('expenses:travel', 'assets:jpy', '1000', '2026-01-26T00:00:00Z');
  await post('expenses:meals', 'assets:jpy', '1000', '2026-01-27T00:00:00Z');
  await post('assets:eur', 'revenue:eur', '10.00', '2026-02-05T00:00:00Z');
});
afterAll(() => server.close());

const valuedTb = (tb: any) =>
  Object.fromEntries(tb.lines.map((l: any) => [l.code, [l.valued.debit.amount, l.valued.credit.amount]]));

describe('trialBalance with valuation', () => {
  it('values each balance at the report date, with the price used and a rounding line', async () => {
    const tb = (await api.request(TB, { asOf: AS_OF, valuation: USD_REPORT })).trialBalance;
    expect(valuedTb(tb)).toEqual({
      'assets:eur': ['168.00', '0.00'],
      'assets:jpy': ['6.67', '0.00'],
      'assets:usd': ['50.00', '0.00'],
      'equity:eur': ['0.00', '120.00'],
      'equity:jpy': ['0.00', '20.00'],
      'equity:usd': ['0.00', '50.00'],
      'expenses:meals': ['6.67', '0.00'],
      'expenses:travel': ['6.67', '0.00'],
      'liabilities:eur': ['0.00', '24.00'],
      'revenue:eur': ['0.00', '24.00'],
    });
    const line = (code: string) => tb.lines.find((l: any) => l.code === code);
    // The existing fields stay as they were, in the account's own currency.
    expect(line('assets:eur').debit).toEqual({ amount: '140.00', currency: 'EUR' });
    expect(line('assets:eur').valued.debit.currency).toBe('USD');
    expect(line('assets:eur').valued.price).toEqual(EUR_PRICE('1.2', '2026-02-01T00:00:00.000Z'));
    expect(line('assets:jpy').valued.price).toEqual(JPY_PRICE);
    expect(line('assets:usd').valued.price).toBeNull();
    // 3 × 6.67 = 20.01 where 3000 JPY is exactly 20.00 USD: the rounding line takes the cent back.
    expect(tb.valuation).toEqual({
      currency: 'USD',
      at: 'REPORT_DATE',
      balanced: true,
      debit: { total: { amount: '238.00', currency: 'USD' }, rounding: { amount: '-0.01' } },
      credit: { total: { amount: '238.00' }, rounding: { amount: '0.00' } },
    });
  });

  it('values each posting at its own date, the balance being the sum of its valued postings', async () => {
    const tb = (await api.request(TB, { asOf: AS_OF, valuation: USD_POSTING })).trialBalance;
    expect(valuedTb(tb)).toMatchObject({
      // 130 EUR in January at 1.10, 10 EUR in February at 1.20.
      'assets:eur': ['155.00', '0.00'],
      'equity:eur': ['0.00', '110.00'],
      'liabilities:eur': ['0.00', '22.00'],
      'revenue:eur': ['0.00', '23.00'],
    });
    // Several prices were used: none is named on the line.
    expect(tb.lines.find((l: any) => l.code === 'assets:eur').valued.price).toBeNull();
    expect(tb.valuation).toMatchObject({
      at: 'POSTING_DATE',
      balanced: true,
      debit: { total: { amount: '225.00' }, rounding: { amount: '-0.01' } },
      credit: { total: { amount: '225.00' }, rounding: { amount: '0.00' } },
    });
  });

  it('leaves the report as it was without valuation', async () => {
    const tb = (await api.request(TB, { asOf: AS_OF })).trialBalance;
    expect(tb.valuation).toBeNull();
    expect(tb.lines.every((l: any) => l.valued === null)).toBe(true);
  });
});

describe('balanceSheet with valuation', () => {
  it('shows unrealised exchange gains so that the valued sheet balances', async () => {
    const bs = (await api.request(BS, { asOf: AS_OF, valuation: USD_REPORT })).balanceSheet;
    const assets = bs.sections.find((s: any) => s.type === 'ASSET');
    expect(assets.lines.map((l: any) => [l.code, l.valued.value.amount])).toEqual([
      ['assets:eur', '168.00'],
      ['assets:jpy', '6.67'],
      ['assets:usd', '50.00'],
    ]);
    expect(assets.valuedTotal).toEqual({ total: { amount: '224.67' }, rounding: { amount: '0.00' } });
    // Equity at its posting dates: 100 EUR at 1.10.
    const equity = bs.sections.find((s: any) => s.type === 'EQUITY');
    expect(equity.lines.find((l: any) => l.code === 'equity:eur').valued).toEqual({
      value: { amount: '110.00', currency: 'USD' },
      price: null,
    });
    // Assets gained 13.00 since they were posted (140 EUR: 155.00 → 168.00), liabilities 2.00 (20 EUR: 22.00 → 24.00).
    expect(bs.valuation).toEqual({
      currency: 'USD',
      at: 'REPORT_DATE',
      assets: { amount: '224.67' },
      liabilities: { amount: '24.00' },
      equity: { amount: '180.00' },
      earnings: { amount: '9.67' },
      unrealised: { amount: '11.00' },
      rounding: { amount: '0.00' },
      balanced: true,
    });
  });

  it('has no unrealised line at posting dates', async () => {
    const bs = (await api.request(BS, { asOf: AS_OF, valuation: USD_POSTING })).balanceSheet;
    expect(bs.valuation).toMatchObject({
      assets: { amount: '211.67' },
      liabilities: { amount: '22.00' },
      equity: { amount: '180.00' },
      earnings: { amount: '9.67' },
      unrealised: { amount: '0.00' },
      rounding: { amount: '0.00' },
      balanced: true,
    });
  });
});

describe('incomeStatement with valuation', () => {
  it('values the movement at the end of the period, or posting by posting', async () => {
    const atEnd = (await api.request(IS, { valuation: USD_REPORT })).incomeStatement;
    const expenses = atEnd.sections.find((s: any) => s.type === 'EXPENSE');
    expect(expenses.lines.map((l: any) => l.valued.value.amount)).toEqual(['6.67', '6.67']);
    expect(expenses.valuedTotal).toEqual({ total: { amount: '13.33' }, rounding: { amount: '-0.01' } });
    expect(atEnd.valuation).toEqual({
      revenue: { amount: '24.00' },
      expenses: { amount: '13.33' },
      netIncome: { amount: '10.67' },
      rounding: { amount: '0.00' },
    });
    const revenue = atEnd.sections.find((s: any) => s.type === 'REVENUE');
    expect(revenue.lines[0].valued.price).toEqual(EUR_PRICE('1.2', '2026-02-01T00:00:00.000Z'));
    const posted = (await api.request(IS, { valuation: USD_POSTING })).incomeStatement;
    expect(posted.valuation).toMatchObject({ revenue: { amount: '23.00' }, netIncome: { amount: '9.67' } });
  });
});

const STATEMENT = `query($account: String!, $valuation: ValuationInput, $first: Int, $after: String, $atPosition: Int) {
  accountStatement(account: $account, from: "2026-01-01T00:00:00Z", to: "2026-03-01T00:00:00Z", valuation: $valuation, atPosition: $atPosition) {
    atPosition closing { amount currency }
    valuation { at opening { value { amount } } closing { value { amount } ${PRICE} } totalDebits { total { amount } rounding { amount } }
      totalCredits { total { amount } rounding { amount } } rounding { amount } }
    lines(first: $first, after: $after) { edges { node { amount { amount } valued { amount { value { amount } ${PRICE} } runningBalance { amount currency } } } }
      pageInfo { endCursor } } } }`;

describe('accountStatement with valuation', () => {
  const page = async (account: string, valuation: object, first: number, after?: string, atPosition?: number) =>
    (await api.request(STATEMENT, { account, valuation, first, after, atPosition })).accountStatement;
  const rows = (s: any) =>
    s.lines.edges.map((e: any) => [e.node.valued.amount.value.amount, e.node.valued.runningBalance.amount]);

  it('values lines and running balances at the end of the period, across pages', async () => {
    const first = await page('assets:eur', USD_REPORT, 2);
    expect(first.closing).toEqual({ amount: '140.00', currency: 'EUR' });
    expect(first.valuation).toEqual({
      at: 'REPORT_DATE',
      opening: { value: { amount: '0.00' } },
      closing: { value: { amount: '168.00' }, price: EUR_PRICE('1.2', '2026-02-01T00:00:00.000Z') },
      totalDebits: { total: { amount: '168.00' }, rounding: { amount: '0.00' } },
      totalCredits: { total: { amount: '0.00' }, rounding: { amount: '0.00' } },
      rounding: { amount: '0.00' },
    });
    expect(rows(first)).toEqual([
      ['120.00', '120.00'],
      ['12.00', '132.00'],
    ]);
    const next = await page('assets:eur', USD_REPORT, 2, first.lines.pageInfo.endCursor, first.atPosition);
    expect(rows(next)).toEqual([
      ['24.00', '156.00'],
      ['12.00', '168.00'],
    ]);
  });

  it('values each line at its own date, the running balance carried across pages', async () => {
    const first = await page('assets:eur', USD_POSTING, 3);
    expect(rows(first)).toEqual([
      ['110.00', '110.00'],
      ['11.00', '121.00'],
      ['22.00', '143.00'],
    ]);
    expect(first.lines.edges[3]).toBeUndefined();
    const next = await page('assets:eur', USD_POSTING, 3, first.lines.pageInfo.endCursor, first.atPosition);
    expect(rows(next)).toEqual([['12.00', '155.00']]);
    expect(next.lines.edges[0].node.valued.amount.price).toEqual(EUR_PRICE('1.2', '2026-02-01T00:00:00.000Z'));
    expect(first.valuation.closing).toEqual({ value: { amount: '155.00' }, price: null });
  });

  it('ties the statement’s totals with rounding lines', async () => {
    const jpy = await page('assets:jpy', USD_REPORT, 10);
    expect(rows(jpy)).toEqual([
      ['20.00', '20.00'],
      ['6.67', '13.33'],
      ['6.67', '6.67'],
    ]);
    expect(jpy.valuation).toMatchObject({
      closing: { value: { amount: '6.67' }, price: JPY_PRICE },
      totalDebits: { total: { amount: '20.00' }, rounding: { amount: '0.00' } },
      totalCredits: { total: { amount: '13.33' }, rounding: { amount: '-0.01' } },
      rounding: { amount: '0.00' },
    });
  });
});

describe('valuation errors and knownAt', () => {
  it('answers a missing price with PRICE_NOT_FOUND naming the pair and date', async () => {
    for (const [query, field] of [
      [TB, 'trialBalance'],
      [BS, 'balanceSheet'],
    ] as const) {
      const res = await server.gql(query, { asOf: AS_OF, valuation: { currency: 'GBP', at: 'REPORT_DATE' } });
      expect(res.status).toBe(200);
      expect(res.body.data?.[field] ?? null).toBeNull();
      expect(res.body.errors?.[0]?.extensions).toMatchObject({
        code: 'PRICE_NOT_FOUND',
        base: 'EUR',
        quote: 'GBP',
        asOf: AS_OF,
      });
    }
    // Posting by posting too: neither EUR → JPY nor JPY → EUR is recorded (and USD is not a bridge).
    const posted = await server.gql(IS, { valuation: { currency: 'JPY', at: 'POSTING_DATE' } });
    expect(posted.body.errors?.[0]?.extensions).toMatchObject({
      code: 'PRICE_NOT_FOUND',
      base: 'EUR',
      quote: 'JPY',
      asOf: '2026-01-20T00:00:00.000Z',
    });
  });

  it('refuses a currency it cannot read as a client error', async () => {
    for (const currency of ['usd', 'US D', '', 'BTC/99']) {
      const res = await server.gql(TB, { valuation: { currency, at: 'REPORT_DATE' } });
      expect(res.body.errors?.[0]?.extensions?.code, currency).toBe('BAD_USER_INPUT');
    }
    const res = await server.gql(TB, { valuation: { currency: 'USD', at: 'TODAY' } });
    expect(res.body.errors?.length).toBeGreaterThan(0);
    expect(res.body.data ?? null).toBeNull();
  });

  it('values at the prices known at knownAt: a price recorded later does not change an earlier report', async () => {
    const before = (await api.request(TB, { asOf: AS_OF, valuation: USD_REPORT })).trialBalance;
    const postedBefore = (await api.request(TB, { asOf: AS_OF, valuation: USD_POSTING })).trialBalance;
    await new Promise((resolve) => setTimeout(resolve, 5));
    // Backdated: effective before asOf and before the posting of 2026-02-05, recorded after the first reports.
    await setPrice('EUR', 'USD', '1.50', '2026-02-03T00:00:00Z');
    const now = (await api.request(TB, { asOf: AS_OF, valuation: USD_REPORT })).trialBalance;
    expect(valuedTb(now)['assets:eur']).toEqual(['210.00', '0.00']);
    const postedNow = (await api.request(TB, { asOf: AS_OF, valuation: USD_POSTING })).trialBalance;
    // 130 EUR at 1.10 and, now, 10 EUR at 1.50.
    expect(valuedTb(postedNow)['assets:eur']).toEqual(['158.00', '0.00']);
    const then = (await api.request(TB, { asOf: AS_OF, knownAt: before.knownAt, valuation: USD_REPORT })).trialBalance;
    expect(valuedTb(then)).toEqual(valuedTb(before));
    expect(then.lines.find((l: any) => l.code === 'assets:eur').valued.price).toEqual(
      EUR_PRICE('1.2', '2026-02-01T00:00:00.000Z'),
    );
    const postedThen = (await api.request(TB, { asOf: AS_OF, knownAt: postedBefore.knownAt, valuation: USD_POSTING }))
      .trialBalance;
    expect(valuedTb(postedThen)).toEqual(valuedTb(postedBefore));
    expect(valuedTb(postedThen)['assets:eur']).toEqual(['155.00', '0.00']);
  });
});
