/**
 * Hostile and malformed input over the real socket: connections (page sizes, cursors, list
 * filters) and lookups of things that do not exist. Every refusal is typed data, a clear GraphQL
 * error or a 4xx, and writes nothing (the rules and the shared fixtures: test/support/bad-
 * input.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { badInputServer, server, expectGraphQLError, expectNestedError, cursorOf } from '../../support/bad-input.js';

badInputServer();

// ---------------------------------------------------------------------------------------------
// Connections: page sizes and cursors
// ---------------------------------------------------------------------------------------------

/** `first` is 1 … 100; anything else is an error, on every list. */
describe('page sizes', () => {
  const declare = (first: string) => (first === '$n' ? 'query($n: Int)' : '');
  const LISTS: Array<[string, (first: string) => string, string]> = [
    ['accounts', (first) => `${declare(first)} { accounts(first: ${first}) { edges { cursor } } }`, 'accounts'],
    [
      'Account.entries',
      (first) => `${declare(first)} { account(code: "assets:bank") { entries(first: ${first}) { edges { cursor } } } }`,
      'account',
    ],
    [
      'Account.events',
      (first) => `${declare(first)} { account(code: "assets:bank") { events(first: ${first}) { edges { cursor } } } }`,
      'account',
    ],
  ];
  const asVariables = LISTS.flatMap(([list, query, root]) =>
    [0, 101, -1, 1_000_000].map((first) => [list, first, query, root] as const),
  );
  it.each(asVariables)('%s refuses first: $n = %s', async (_list, first, query, root) => {
    expectNestedError(await server.gql(query('$n'), { n: first }), /first must be between 1 and 100/, root);
  });

  // A literal is priced as a variable is (an out-of-range first counts as 100), so both get the resolver's error.
  const asLiterals = LISTS.flatMap(([list, query, root]) =>
    ['0', '101', '-1', '1000000'].map((first) => [list, first, query, root] as const),
  );
  it.each(asLiterals)('%s refuses the literal first: %s', async (_list, first, query, root) => {
    expectNestedError(await server.gql(query(first)), /first must be between 1 and 100/, root);
  });

  it.each<[string, unknown]>([
    ['beyond a 32-bit Int', 2147483648],
    ['a float', 1.5],
    ['a string', '10'],
    ['a boolean', true],
  ])('accounts refuses a first variable that is %s', async (_label, first) => {
    expectGraphQLError(
      await server.gql(`query($n: Int) { accounts(first: $n) { edges { cursor } } }`, { n: first }),
      /Int cannot represent/,
    );
  });

  it.each([
    ['a float', '1.5'],
    ['a string', '"10"'],
  ])('accounts refuses a first literal that is %s', async (_label, first) => {
    expectGraphQLError(await server.gql(`{ accounts(first: ${first}) { edges { cursor } } }`), /Int cannot represent/);
  });
});

/** A cursor is opaque and names its list: garbage, or a cursor of another list, is an error. */
describe('cursors', () => {
  let accountsCursor = '';
  let eventsCursor = '';
  let entriesCursor = '';
  beforeAll(async () => {
    const res = await server.gql(
      `{ accounts(first: 1) { pageInfo { endCursor } } account(code: "assets:bank") { events(first: 1) { pageInfo { endCursor } } entries(first: 1) { pageInfo { endCursor } } } }`,
    );
    accountsCursor = res.body.data.accounts.pageInfo.endCursor;
    eventsCursor = res.body.data.account.events.pageInfo.endCursor;
    entriesCursor = res.body.data.account.entries.pageInfo.endCursor;
    expect([accountsCursor, eventsCursor, entriesCursor].every((c) => typeof c === 'string' && c.length > 0)).toBe(
      true,
    );
  });

  const ENTRIES = `query($after: String) { account(code: "assets:bank") { entries(first: 5, after: $after) { edges { cursor } } } }`;
  const EVENTS = `query($after: String) { account(code: "assets:bank") { events(first: 5, after: $after) { edges { cursor } } } }`;
  const ACCOUNTS_Q = `query($after: String) { accounts(first: 5, after: $after) { edges { cursor } } }`;

  it.each<[string, string, () => string, string]>([
    ['entries', 'after "garbage"', () => 'garbage', 'account'],
    ['entries', 'an empty cursor', () => '', 'account'],
    ['entries', 'an accounts cursor', () => accountsCursor, 'account'],
    ['entries', 'an events cursor', () => eventsCursor, 'account'],
    ['entries', 'base64 of ["entry","x"]', () => cursorOf(['entry', 'x']), 'account'],
    ['entries', 'base64 of ["entry",5]', () => cursorOf(['entry', 5]), 'account'],
    ['entries', 'base64 of ["entry","1.2.3"]', () => cursorOf(['entry', '1.2.3']), 'account'],
    ['entries', 'base64 of a JSON object', () => cursorOf({ kind: 'entry', key: '1.0' }), 'account'],
    ['entries', 'standard base64 with "+/="', () => Buffer.from('["entry","1.0"]>?').toString('base64'), 'account'],
    ['entries', 'a 600-character cursor', () => 'A'.repeat(600), 'account'],
    ['entries', 'a cursor with a NUL', () => `${entriesCursor}\u0000`, 'account'],
    ['events', 'after "garbage"', () => 'garbage', 'account'],
    ['events', 'an entries cursor', () => entriesCursor, 'account'],
    ['events', 'base64 of ["event",-1]', () => cursorOf(['event', -1]), 'account'],
    ['events', 'base64 of ["event",1.5]', () => cursorOf(['event', 1.5]), 'account'],
    ['events', 'base64 of ["event","1"]', () => cursorOf(['event', '1']), 'account'],
    ['events', 'base64 of ["event",1e300]', () => cursorOf(['event', 1e300]), 'account'],
    ['accounts', 'after "garbage"', () => 'garbage', 'accounts'],
    ['accounts', 'an events cursor', () => eventsCursor, 'accounts'],
    ['accounts', 'base64 of ["account",5]', () => cursorOf(['account', 5]), 'accounts'],
    ['accounts', 'base64 of ["account","a","b"]', () => cursorOf(['account', 'a', 'b']), 'accounts'],
  ])('%s refuses %s', async (list, _label, after, root) => {
    const query = list === 'entries' ? ENTRIES : list === 'events' ? EVENTS : ACCOUNTS_Q;
    expectNestedError(await server.gql(query, { after: after() }), /not a cursor of this list/, root);
  });

  it('the genuine cursors still page', async () => {
    const res = await server.gql(ENTRIES, { after: entriesCursor });
    expect(res.body.errors).toBeUndefined();
    expect(Array.isArray(res.body.data.account.entries.edges)).toBe(true);
  });
});

/** Queries with a prefix or a type filter validate them the same way. */
describe('list filters', () => {
  it.each([
    ['uppercase', 'Assets'],
    ['a trailing colon', 'assets:'],
    ['an empty prefix', ''],
    ['SQL', "a' OR '1'='1"],
  ])('accounts(prefix:) refuses %s', async (_label, prefix) => {
    expectGraphQLError(
      await server.gql(`query($p: String) { accounts(prefix: $p) { edges { cursor } } }`, { p: prefix }),
      /prefix/,
    );
  });

  it('accounts(type:) refuses an unknown enum value', async () => {
    expectGraphQLError(await server.gql(`{ accounts(type: ASSETS) { edges { cursor } } }`), /AccountType|ASSETS/);
  });
});

// ---------------------------------------------------------------------------------------------
// Lookups of things that do not exist: null, not an error
// ---------------------------------------------------------------------------------------------

describe('lookups', () => {
  it.each<[string, string, Record<string, unknown>, string]>([
    ['account(code: "unknown:x")', `query($v: String!) { account(code: $v) { code } }`, { v: 'unknown:x' }, 'account'],
    [
      'transaction with an unknown UUID',
      `query($v: ID!) { transaction(id: $v) { id } }`,
      { v: '00000000-0000-7000-8000-000000000000' },
      'transaction',
    ],
    [
      'transaction(id: "not-a-uuid")',
      `query($v: ID!) { transaction(id: $v) { id } }`,
      { v: 'not-a-uuid' },
      'transaction',
    ],
    [
      'transaction with an account id',
      `query($v: ID!) { transaction(id: $v) { id } }`,
      { v: 'Account:assets:bank' },
      'transaction',
    ],
    ['transaction with SQL', `query($v: ID!) { transaction(id: $v) { id } }`, { v: "' OR 1=1 --" }, 'transaction'],
    ['node with an unknown account', `query($v: ID!) { node(id: $v) { id } }`, { v: 'Account:unknown:x' }, 'node'],
    ['node with a malformed account code', `query($v: ID!) { node(id: $v) { id } }`, { v: 'Account:Ключ' }, 'node'],
    ['node with garbage', `query($v: ID!) { node(id: $v) { id } }`, { v: 'garbage' }, 'node'],
  ])('%s is null', async (_label, query, variables, field) => {
    const res = await server.gql(query, variables);
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({ [field]: null });
  });

  it('transaction(id:) with a number literal is still just an ID lookup (null)', async () => {
    const res = await server.gql(`{ transaction(id: 12345) { id } }`);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({ transaction: null });
  });
});
