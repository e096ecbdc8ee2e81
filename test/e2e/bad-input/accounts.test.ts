/**
 * Hostile and malformed input over the real socket: account codes, currencies, and re-opening an
 * existing code. Every refusal is typed data, a clear GraphQL error or a 4xx, and writes nothing
 * (the rules and the shared fixtures: test/support/bad-input.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  badInputServer,
  server,
  writeState,
  writesNothing,
  expectTyped,
  expectNestedError,
  CLOSE,
  open,
  post,
  pair,
  ACCOUNTS,
} from '../../support/bad-input.js';

badInputServer();

// ---------------------------------------------------------------------------------------------
// Account codes, currencies, and re-opening
// ---------------------------------------------------------------------------------------------

/** Codes are `[a-z0-9_-]+(:[a-z0-9_-]+)*`, at most 128 characters, lowercase ASCII. */
const BAD_CODES: Array<[string, string]> = [
  ['uppercase', 'Assets'],
  ['an empty segment', 'assets::bank'],
  ['a trailing colon', 'assets:'],
  ['a leading colon', ':a'],
  ['a space', 'a b'],
  ['a slash', 'a/b'],
  ['Cyrillic', 'ключ'],
  ['129 characters', 'a'.repeat(129)],
  ['a right-to-left override', 'a\u202eb'],
  ['a NUL byte', 'a\u0000b'],
  ['SQL', "x'; DROP TABLE events;--"],
  ['an empty string', ''],
  ['a dot', 'assets.bank'],
  ['a trailing newline', 'assets\n'],
];

describe('account codes', () => {
  it.each(BAD_CODES)('openAccount refuses a code with %s', async (_label, code) => {
    const res = await writesNothing(() => open({ code, name: 'X', type: 'ASSET', currency: 'USD' }));
    expect(expectTyped(res, 'openAccount', 'ValidationError').field).toBe('code');
  });

  it.each(BAD_CODES)('postTransaction refuses a leg whose code has %s', async (_label, code) => {
    const res = await writesNothing(() => post(pair(code, 'equity:capital', '1.00')));
    expect(expectTyped(res, 'postTransaction', 'ValidationError').field).toBe('entries[0].account');
  });

  it.each(BAD_CODES)('closeAccount refuses a code with %s', async (_label, code) => {
    const res = await writesNothing(() => server.gql(CLOSE, { input: { code } }));
    expect(expectTyped(res, 'closeAccount', 'ValidationError').field).toBe('code');
  });

  it.each(BAD_CODES)('account(code:) refuses a code with %s as a client error', async (_label, code) => {
    const res = await server.gql(`query($code: String!) { account(code: $code) { code } }`, { code });
    expectNestedError(res, /code/, 'account');
  });

  it('a 128-character code (the limit) is accepted', async () => {
    const code = 'a'.repeat(128);
    const res = await open({ code, name: 'Long', type: 'ASSET', currency: 'USD' });
    expect(res.body.data.openAccount).toMatchObject({ __typename: 'Account', code });
  });

  it('the events table survived the SQL-looking code', async () => {
    expect((await writeState()).events).toBeGreaterThan(0);
  });
});

/** A currency is an ISO 4217 code or a custom asset CODE/SCALE with a scale of at most 18. */
describe('currencies', () => {
  it.each([
    ['an unknown ISO code', 'XYZ'],
    ['lowercase "usd"', 'usd'],
    ['a custom asset with scale 19', 'BTC/19'],
    ['a custom asset with scale 100', 'BTC/100'],
    ['a custom asset with a leading-zero scale', 'BTC/08'],
    ['a custom asset with a negative scale', 'BTC/-1'],
    ['a custom asset without a scale', 'BTC/'],
    ['a scale without an asset', '/8'],
    ['a lowercase custom asset', 'btc/8'],
    ['an empty currency', ''],
    ['a padded currency', ' USD'],
    ['an inherited property name', 'constructor'],
    ['a prototype property name', '__proto__'],
  ])('openAccount refuses %s', async (_label, currency) => {
    const res = await writesNothing(() => open({ code: 'assets:coin', name: 'Coin', type: 'ASSET', currency }));
    expect(expectTyped(res, 'openAccount', 'ValidationError').field).toBe('currency');
  });

  it('accepts the custom asset "BTC/8" and holds amounts to its 8 decimals', async () => {
    const res = await open({ code: 'assets:btc', name: 'Bitcoin', type: 'ASSET', currency: 'BTC/8' });
    expect(res.body.data.openAccount).toMatchObject({ __typename: 'Account', currency: 'BTC/8' });
    await open({ code: 'equity:btc', name: 'Bitcoin capital', type: 'EQUITY', currency: 'BTC/8' });
    const tooFine = await writesNothing(() => post(pair('assets:btc', 'equity:btc', '0.000000001')));
    expectTyped(tooFine, 'postTransaction', 'InvalidAmount');
    const satoshi = await post(pair('assets:btc', 'equity:btc', '0.00000001'));
    expect(satoshi.body.data.postTransaction.__typename).toBe('Transaction');
  });
});

/** Opening an existing code is idempotent only with identical fields. */
describe('re-opening an existing code', () => {
  const bank = ACCOUNTS[0]!;
  it.each<[string, Record<string, unknown>]>([
    ['another name', { name: 'Bank 2' }],
    ['another type', { type: 'LIABILITY' }],
    ['another currency', { currency: 'EUR' }],
    ['metadata', { metadata: { a: 1 } }],
    ['a minimum balance', { minimumBalance: '0' }],
    ['an explicit past opening time', { effectiveAt: '2020-01-01T00:00:00Z' }],
  ])('with %s is AccountAlreadyExists', async (_label, change) => {
    const res = await writesNothing(() => open({ ...bank, ...change }));
    expect(expectTyped(res, 'openAccount', 'AccountAlreadyExists').account).toBe('assets:bank');
  });

  it('with identical fields returns the account and writes nothing', async () => {
    const res = await writesNothing(() => open({ ...bank }));
    expect(res.body.data.openAccount).toMatchObject({ __typename: 'Account', code: 'assets:bank', name: 'Bank' });
  });
});
