/**
 * Hostile and malformed input over the real socket: the DateTime scalar: as variables and
 * literals, values it must accept, a knownAt in the future. Every refusal is typed data, a clear
 * GraphQL error or a 4xx, and writes nothing (the rules and the shared fixtures:
 * test/support/bad-input.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  badInputServer,
  server,
  writesNothing,
  expectNoServerFault,
  expectGraphQLError,
  literal,
  freshKey,
  RESULT,
  open,
  post,
  transfer,
  usd,
} from '../../support/bad-input.js';
import type { GraphQLResponse } from '../../support/server.js';

badInputServer();

// ---------------------------------------------------------------------------------------------
// DateTime
// ---------------------------------------------------------------------------------------------

/** RFC 3339 with an explicit offset and at most milliseconds; real calendar instants; no epochs. */
const BAD_TIMES: Array<[string, unknown]> = [
  ['month 13', '2026-13-01T00:00:00Z'],
  ['February 30', '2026-02-30T00:00:00Z'],
  ['February 29 of a common year', '2026-02-29T00:00:00Z'],
  ['a date without time', '2026-01-01'],
  ['no offset', '2026-01-01T00:00:00'],
  ['an epoch number', 1700000000],
  ['more than milliseconds', '2026-01-01T00:00:00.1234Z'],
  ['hour 24', '2026-01-01T24:00:00Z'],
  ['minute 60', '2026-01-01T00:60:00Z'],
  ['an offset of +24:00', '2026-01-01T00:00:00+24:00'],
  ['a space for T', '2026-01-01 00:00:00Z'],
  ['an empty string', ''],
  ['"now"', 'now'],
  ['year 10000', '10000-01-01T00:00:00Z'],
  ['year 0000', '0000-01-01T00:00:00Z'],
  ['past year 9999 once in UTC', '9999-12-31T23:59:59-01:00'],
  ['a boolean', true],
];

const TIME_FIELDS: Array<[string, (time: unknown) => Promise<GraphQLResponse>]> = [
  ['postTransaction.effectiveAt', (time) => post(usd({ effectiveAt: time }))],
  [
    'transfer.effectiveAt',
    (time) =>
      transfer({
        idempotencyKey: freshKey(),
        debitAccount: 'assets:bank',
        creditAccount: 'equity:capital',
        amount: '1.00',
        effectiveAt: time,
      }),
  ],
  [
    'openAccount.effectiveAt',
    (time) => open({ code: 'assets:timed', name: 'Timed', type: 'ASSET', currency: 'USD', effectiveAt: time }),
  ],
  [
    'balance(asOf)',
    (time) =>
      server.gql(`query($t: DateTime) { account(code: "assets:bank") { balance(asOf: $t) { posted { amount } } } }`, {
        t: time,
      }),
  ],
  [
    'balance(knownAt)',
    (time) =>
      server.gql(
        `query($t: DateTime) { account(code: "assets:bank") { balance(knownAt: $t) { posted { amount } } } }`,
        { t: time },
      ),
  ],
];

describe('DateTime as variables', () => {
  const cases = TIME_FIELDS.flatMap(([field, send]) =>
    BAD_TIMES.map(([label, time]) => [field, label, time, send] as const),
  );
  it.each(cases)('%s refuses %s', async (_field, _label, time, send) => {
    const res = await writesNothing(() => send(time));
    expectGraphQLError(res, /DateTime/);
  });
});

describe('DateTime as inline literals', () => {
  const cases = BAD_TIMES.filter(([, t]) => typeof t !== 'boolean');
  it.each(cases)('postTransaction.effectiveAt refuses %s', async (_label, time) => {
    const query = `mutation { postTransaction(input: { idempotencyKey: "${freshKey()}", effectiveAt: ${literal(time)}, entries: [{ account: "assets:bank", direction: DEBIT, amount: "1.00" }, { account: "equity:capital", direction: CREDIT, amount: "1.00" }] }) { ${RESULT} } }`;
    expectGraphQLError(await writesNothing(() => server.gql(query)), /DateTime/);
  });

  it.each(cases)('entries(from:) refuses %s', async (_label, time) => {
    const res = await server.gql(
      `{ account(code: "assets:bank") { entries(from: ${literal(time)}) { edges { cursor } } } }`,
    );
    expectGraphQLError(res, /DateTime/);
  });
});

/** The scalar's own contract: years 0001 … 9999 in UTC, any explicit offset, returned normalised to UTC. */
describe('DateTime values the scalar must accept', () => {
  it.each([
    ['the lower bound of the range, year 0001', '0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
    ['a two-digit year, 0050', '0050-06-15T12:00:00Z', '0050-06-15T12:00:00.000Z'],
    ['the upper bound of the range', '9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
    ['a positive offset', '2026-01-01T05:30:00+05:30', '2026-01-01T00:00:00.000Z'],
    ['a negative offset crossing midnight', '2025-12-31T19:00:00-05:00', '2026-01-01T00:00:00.000Z'],
  ])('balance(asOf:) accepts %s', async (_label, asOf, normalised) => {
    const res = await server.gql(
      `query($t: DateTime) { account(code: "assets:bank") { balance(asOf: $t) { asOf } } }`,
      { t: asOf },
    );
    expectNoServerFault(res);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.account.balance.asOf).toBe(normalised);
  });
});

/** A knownAt after now means now, and the answer states the knownAt it used. */
describe('knownAt in the future', () => {
  it('means now, and the answer says so', async () => {
    const before = Date.now();
    const res = await server.gql(
      `{ account(code: "assets:bank") { balance(knownAt: "9999-12-31T23:59:59.999Z") { knownAt } } }`,
    );
    expect(res.body.errors).toBeUndefined();
    const knownAt = Date.parse(res.body.data.account.balance.knownAt);
    expect(knownAt).toBeGreaterThanOrEqual(before - 1000);
    expect(knownAt).toBeLessThanOrEqual(Date.now());
  });
});
