/**
 * Prices over a real socket (issue 22, point 1): setPrice records PriceSet events; `price` answers
 * the latest effective at asOf as known at knownAt (a correction or a backdated price known later
 * leaves earlier knownAt answers as they were); `prices` lists a pair's prices in a range; hostile
 * inputs are typed errors that write nothing. That `price` equals a brute force over the events
 * is test/property/prices.property.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildReadModels } from '../../src/projections/rebuild.js';
import { ledgerApi } from '../support/api.js';
import { logState } from '../support/log-state.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const RESULT = '__typename ... on Price { base quote rate effectiveAt recordedAt } ... on Error { code message }';
const PRICE = `query($base: String!, $quote: String!, $asOf: DateTime, $knownAt: DateTime) {
  price(base: $base, quote: $quote, asOf: $asOf, knownAt: $knownAt) { base quote rate effectiveAt recordedAt } }`;
const PRICES = `query($base: String!, $quote: String!, $from: DateTime, $to: DateTime, $knownAt: DateTime, $first: Int, $after: String) {
  prices(base: $base, quote: $quote, from: $from, to: $to, knownAt: $knownAt, first: $first, after: $after) {
    edges { cursor node { rate effectiveAt } } pageInfo { hasNextPage endCursor } } }`;

const api = () => ledgerApi(server);
const setPrice = (input: Record<string, unknown>) => api().mutate('setPrice', input, RESULT);
const price = async (base: string, quote: string, times: { asOf?: string; knownAt?: string } = {}) =>
  (await api().request(PRICE, { base, quote, ...times })).price;
const rateAt = async (asOf: string, knownAt?: string) => (await price('EUR', 'USD', { asOf, knownAt }))?.rate ?? null;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let beforeCorrection: string;

beforeAll(async () => {
  server = await startTestServer();
  for (const [rate, effectiveAt] of [
    ['1.10', '2026-01-01T00:00:00Z'],
    ['1.0850', '2026-02-01T00:00:00Z'],
    ['1.12', '2026-03-01T00:00:00Z'],
  ])
    expect(await setPrice({ base: 'EUR', quote: 'USD', rate, effectiveAt })).toMatchObject({ __typename: 'Price' });
  expect(
    await setPrice({ base: 'BTC/8', quote: 'USD', rate: '64250.123456789', effectiveAt: '2026-01-15T00:00:00Z' }),
  ).toMatchObject({ __typename: 'Price', base: 'BTC/8', rate: '64250.123456789' });
  beforeCorrection = new Date().toISOString();
  await sleep(5);
  // Learned later: February's rate was 1.09, and a backdated mid-January price.
  expect((await setPrice({ base: 'EUR', quote: 'USD', rate: '1.09', effectiveAt: '2026-02-01T00:00:00Z' })).rate).toBe(
    '1.09',
  );
  expect(
    (await setPrice({ base: 'EUR', quote: 'USD', rate: '1.095', effectiveAt: '2026-01-15T00:00:00+01:00' })).__typename,
  ).toBe('Price');
});
afterAll(() => server.close());

describe('setPrice', () => {
  it('answers the price recorded, rate exact and canonical, times in UTC', async () => {
    const answer = await setPrice({
      base: 'GBP',
      quote: 'EUR',
      rate: '1.170000',
      effectiveAt: '2026-01-01T12:00:00+02:00',
    });
    expect(answer).toMatchObject({
      __typename: 'Price',
      base: 'GBP',
      quote: 'EUR',
      rate: '1.17',
      effectiveAt: '2026-01-01T10:00:00.000Z',
    });
    expect(Date.parse(answer.recordedAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('is an event on the pair’s own stream', async () => {
    const rows = await server.database.db
      .selectFrom('events')
      .select(['stream_id', 'type', 'schema_version', 'data', 'effective_at'])
      .where('stream_id', '=', 'price:EUR:USD')
      .orderBy('position')
      .execute();
    expect(rows.map((r) => [r.type, r.schema_version, JSON.parse(r.data).rate, r.effective_at])).toEqual([
      ['PriceSet', 1, '1.1', '2026-01-01T00:00:00.000Z'],
      ['PriceSet', 1, '1.085', '2026-02-01T00:00:00.000Z'],
      ['PriceSet', 1, '1.12', '2026-03-01T00:00:00.000Z'],
      ['PriceSet', 1, '1.09', '2026-02-01T00:00:00.000Z'],
      ['PriceSet', 1, '1.095', '2026-01-14T23:00:00.000Z'],
    ]);
  });

  it('changes nothing when the same rate is sent again for the same instant', async () => {
    const before = await logState(server.database.db);
    const again = await setPrice({ base: 'EUR', quote: 'USD', rate: '1.090', effectiveAt: '2026-02-01T00:00:00Z' });
    expect(again).toMatchObject({ __typename: 'Price', rate: '1.09', effectiveAt: '2026-02-01T00:00:00.000Z' });
    expect(await logState(server.database.db)).toEqual(before);
  });

  it('leaves read models that a rebuild from the log reproduces', async () => {
    expect((await rebuildReadModels(server.database, { apply: false })).differences).toEqual([]);
  });
});

describe('price(base, quote, asOf, knownAt)', () => {
  it('is the latest effective at or before asOf', async () => {
    expect(await rateAt('2025-12-31T23:59:59.999Z')).toBeNull();
    expect(await rateAt('2026-01-01T00:00:00Z')).toBe('1.1');
    expect(await rateAt('2026-01-14T22:59:59.999Z')).toBe('1.1');
    expect(await rateAt('2026-01-20T00:00:00Z')).toBe('1.095');
    expect(await rateAt('2026-02-01T00:00:00Z')).toBe('1.09');
    expect(await rateAt('2026-02-28T00:00:00Z')).toBe('1.09');
    expect(await price('EUR', 'USD')).toMatchObject({ rate: '1.12', effectiveAt: '2026-03-01T00:00:00.000Z' });
  });

  it('is as the ledger knew it at knownAt: later corrections and backdated prices do not change it', async () => {
    expect(await rateAt('2026-01-20T00:00:00Z', beforeCorrection)).toBe('1.1');
    expect(await rateAt('2026-02-15T00:00:00Z', beforeCorrection)).toBe('1.085');
    expect(await rateAt('2026-02-15T00:00:00Z', '2020-01-01T00:00:00Z')).toBeNull();
    // A knownAt in the future means now.
    expect(await rateAt('2026-02-15T00:00:00Z', '2999-01-01T00:00:00Z')).toBe('1.09');
  });

  it('answers only recorded pairs: no inverse, no other pair', async () => {
    expect(await price('USD', 'EUR')).toBeNull();
    expect(await price('EUR', 'GBP')).toBeNull();
    expect((await price('BTC/8', 'USD')).rate).toBe('64250.123456789');
  });

  it('refuses a malformed pair as bad input', async () => {
    for (const [base, quote] of [
      ['EUR', 'EUR'],
      ['eur', 'USD'],
      ['EUR', 'XYZ'],
      ['BTC/99', 'USD'],
    ]) {
      const { body } = await server.gql(PRICE, { base, quote });
      expect(body.errors?.[0]?.extensions?.code, `${base}/${quote}`).toBe('BAD_USER_INPUT');
    }
  });
});

describe('prices(base, quote, from, to)', () => {
  const list = async (vars: Record<string, unknown>) =>
    (await api().request(PRICES, { base: 'EUR', quote: 'USD', ...vars })).prices;
  const rates = (page: { edges: Array<{ node: { rate: string; effectiveAt: string } }> }) =>
    page.edges.map((e) => [e.node.effectiveAt.slice(0, 10), e.node.rate]);

  it('lists one price per effective instant, in order, the correction known last', async () => {
    expect(rates(await list({}))).toEqual([
      ['2026-01-01', '1.1'],
      ['2026-01-14', '1.095'],
      ['2026-02-01', '1.09'],
      ['2026-03-01', '1.12'],
    ]);
    expect(rates(await list({ knownAt: beforeCorrection }))).toEqual([
      ['2026-01-01', '1.1'],
      ['2026-02-01', '1.085'],
      ['2026-03-01', '1.12'],
    ]);
  });

  it('keeps to [from, to], both inclusive', async () => {
    expect(rates(await list({ from: '2026-01-14T23:00:00Z', to: '2026-02-01T00:00:00Z' }))).toEqual([
      ['2026-01-14', '1.095'],
      ['2026-02-01', '1.09'],
    ]);
  });

  it('pages with first and after', async () => {
    const first = await list({ first: 3 });
    expect(rates(first)).toHaveLength(3);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await list({ first: 3, after: first.pageInfo.endCursor });
    expect(rates(second)).toEqual([['2026-03-01', '1.12']]);
    expect(second.pageInfo.hasNextPage).toBe(false);
  });

  it('refuses a range backwards, a bad page size or a foreign cursor', async () => {
    for (const vars of [
      { from: '2026-03-01T00:00:00Z', to: '2026-01-01T00:00:00Z' },
      { first: 0 },
      { first: 101 },
      { after: 'bm90LWEtY3Vyc29y' },
    ]) {
      const { body } = await server.gql(PRICES, { base: 'EUR', quote: 'USD', ...vars });
      expect(body.errors?.[0]?.extensions?.code, JSON.stringify(vars)).toBe('BAD_USER_INPUT');
    }
  });
});

describe('hostile inputs: a typed error, nothing written', () => {
  const base = { base: 'EUR', quote: 'USD', effectiveAt: '2026-01-10T00:00:00Z' };
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['a zero rate', { ...base, rate: '0' }, 'rate'],
    ['a zero rate with decimals', { ...base, rate: '0.000' }, 'rate'],
    ['a negative rate', { ...base, rate: '-1.1' }, 'rate'],
    ['a float’s tail', { ...base, rate: '0.1000000000000000055511151231257827' }, 'rate'],
    ['too many significant digits', { ...base, rate: '1234567890123456789012345' }, 'rate'],
    ['the same currency twice', { ...base, quote: 'EUR', rate: '1' }, 'quote'],
    ['a lowercase currency', { ...base, base: 'eur', rate: '1.1' }, 'base'],
    ['an unknown currency', { ...base, quote: 'XYZ', rate: '1.1' }, 'quote'],
    ['a custom asset with too large a scale', { ...base, base: 'BTC/19', rate: '1.1' }, 'base'],
    ['a far future effectiveAt', { ...base, effectiveAt: '2999-01-01T00:00:00Z', rate: '1.1' }, 'effectiveAt'],
  ];
  it.each(cases)('%s', async (_name, input, field) => {
    const before = await logState(server.database.db);
    const answer = await setPrice(input);
    expect(answer).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_ERROR' });
    expect(answer.message.startsWith(`${field}:`), answer.message).toBe(true);
    expect(await logState(server.database.db)).toEqual(before);
  });

  it('refuses a price effective in a closed period', async () => {
    const closed = await api().mutate('closePeriod', { through: '2025-06-30T23:59:59Z' }, '__typename');
    expect(closed).toEqual({ __typename: 'Books' });
    const before = await logState(server.database.db);
    const answer = await setPrice({ ...base, rate: '1.2', effectiveAt: '2025-06-01T00:00:00Z' });
    expect(answer.__typename).toBe('PeriodClosed');
    expect(await logState(server.database.db)).toEqual(before);
  });

  it('refuses malformed scalars as bad input', async () => {
    const before = await logState(server.database.db);
    for (const input of [
      { ...base, rate: 1.1 },
      { ...base, rate: '1e3' },
      { ...base, rate: '+1.1' },
      { ...base, rate: '01.1' },
      { ...base, rate: '1.1', effectiveAt: 'yesterday' },
      { ...base, rate: '1.1', effectiveAt: '2026-02-30T00:00:00Z' },
      { ...base, rate: '1.1', effectiveAt: '2026-01-10T00:00:00' },
    ]) {
      const { body } = await server.gql('mutation($input: SetPriceInput!) { setPrice(input: $input) { __typename } }', {
        input,
      });
      expect(body.errors?.[0]?.extensions?.code, JSON.stringify(input)).toBe('BAD_USER_INPUT');
    }
    expect(await logState(server.database.db)).toEqual(before);
  });
});
