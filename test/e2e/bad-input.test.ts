/**
 * Hostile and malformed input over the real socket. Every refusal must be either a typed
 * member of the mutation's result union, a GraphQL error with a clear message, or a 4xx —
 * never an HTTP 500, never a masked "Unexpected error" — and must leave the database as it
 * was: the same event count and head hash, idempotency records and read models.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type GraphQLResponse, type RawInit, type TestServer } from '../support/server.js';
import { logState } from '../support/log-state.js';

let server: TestServer;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** What a refusal must not change: the log, the idempotency table and the read models. */
async function writeState() {
  const db = server.database.db;
  const events = await db
    .selectFrom('events')
    .select((eb) => eb.fn.max('position').as('max'))
    .executeTakeFirstOrThrow();
  const count = async (table: 'idempotency' | 'accounts' | 'transactions' | 'entries') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    ...(await logState(db)),
    maxPosition: Number(events.max ?? 0),
    idempotency: await count('idempotency'),
    accounts: await count('accounts'),
    transactions: await count('transactions'),
    entries: await count('entries'),
  };
}

/** Runs `action` and asserts that nothing at all was written meanwhile. */
async function writesNothing<T>(action: () => Promise<T>): Promise<T> {
  const before = await writeState();
  const result = await action();
  expect(await writeState()).toEqual(before);
  return result;
}

const CODES: Record<string, string> = {
  ValidationError: 'VALIDATION_ERROR',
  AccountNotFound: 'ACCOUNT_NOT_FOUND',
  AccountAlreadyExists: 'ACCOUNT_ALREADY_EXISTS',
  AccountClosed: 'ACCOUNT_CLOSED',
  CurrencyMismatch: 'CURRENCY_MISMATCH',
  InvalidAmount: 'INVALID_AMOUNT',
  UnbalancedTransaction: 'UNBALANCED_TRANSACTION',
  IdempotencyConflict: 'IDEMPOTENCY_CONFLICT',
};

/** A typed error as data: HTTP 200, no GraphQL errors, the union member with its stable code. */
function expectTyped(res: GraphQLResponse, field: string, typename: string | string[]): any {
  expectNoServerFault(res);
  expect(res.status).toBe(200);
  expect(res.body.errors).toBeUndefined();
  const value = res.body.data?.[field];
  const allowed = Array.isArray(typename) ? typename : [typename];
  expect(allowed).toContain(value?.__typename);
  expect(value.code).toBe(CODES[value.__typename]);
  expect(typeof value.message).toBe('string');
  expect(value.message.length).toBeGreaterThan(0);
  return value;
}

/** Not a server fault: a status a client can act on, and never the masked "Unexpected error". */
function expectNoServerFault(res: { status: number; body?: any }) {
  expect(res.status).toBeLessThan(500);
  for (const error of res.body?.errors ?? []) {
    expect(error.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
    expect(error.message).not.toMatch(/Unexpected error/);
  }
}

/** A GraphQL (parse, validation, coercion or resolver) error with a clear message and no data. */
function expectGraphQLError(res: GraphQLResponse, message: RegExp) {
  expectNoServerFault(res);
  expect([200, 400]).toContain(res.status);
  expect(res.body.errors?.length).toBeGreaterThan(0);
  expect(res.body.errors![0]!.message).toMatch(message);
  expect(res.body.data ?? null).toBeNull();
}

/** As expectGraphQLError, for an error raised below the root, where the parent becomes null. */
function expectNestedError(res: GraphQLResponse, message: RegExp, root: string) {
  expectNoServerFault(res);
  expect(res.status).toBe(200);
  expect(res.body.errors?.[0]?.message).toMatch(message);
  expect(res.body.data?.[root] ?? null).toBeNull();
}

/** Writes a JS value as a GraphQL literal (strings JSON-escaped, objects with bare keys). */
function literal(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{ ${Object.entries(value)
      .map(([k, v]) => `${k}: ${literal(v)}`)
      .join(', ')} }`;
  }
  return String(value);
}

let keySeq = 0;
const freshKey = (prefix = 'bad') => `${prefix}-${++keySeq}`;

/** The selections of each result union: every member it can hold, with its specific fields. */
const COMMON = `__typename ... on Error { code message } ... on ValidationError { field }`;
const RESULT = /* GraphQL */ `
  ${COMMON}
  ... on InvalidAmount { amount }
  ... on AccountNotFound { account }
  ... on AccountClosed { account }
  ... on CurrencyMismatch { account expected actual }
  ... on UnbalancedTransaction { imbalances { currency debit credit } }
  ... on IdempotencyConflict { idempotencyKey }
  ... on Transaction { id }
`;
const OPEN = `mutation Open($input: OpenAccountInput!) { openAccount(input: $input) { ${COMMON} ... on AccountAlreadyExists { account } ... on Account { code name currency version } } }`;
const POST = `mutation Post($input: PostTransactionInput!) { postTransaction(input: $input) { ${RESULT} } }`;
const TRANSFER = `mutation Transfer($input: TransferInput!) { transfer(input: $input) { ${RESULT} } }`;
const CLOSE = `mutation Close($input: CloseAccountInput!) { closeAccount(input: $input) { ${COMMON} ... on AccountNotFound { account } ... on Account { status } } }`;

const open = (input: Record<string, unknown>) => server.gql(OPEN, { input });
const post = (input: Record<string, unknown>) => server.gql(POST, { input });
const transfer = (input: Record<string, unknown>) => server.gql(TRANSFER, { input });

/** A balanced two-leg posting between two accounts, for variations on one field. */
const pair = (debit: string, credit: string, amount: unknown, extra: Record<string, unknown> = {}) => ({
  idempotencyKey: freshKey(),
  entries: [
    { account: debit, direction: 'DEBIT', amount },
    { account: credit, direction: 'CREDIT', amount },
  ],
  ...extra,
});
const usd = (extra: Record<string, unknown> = {}) => pair('assets:bank', 'equity:capital', '1.00', extra);

/** Base64url of a JSON value, as the server writes its cursors. */
const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

// ---------------------------------------------------------------------------------------------
// Fixtures: a few accounts in currencies of scale 0, 2 and 3, one closed, two postings.
// ---------------------------------------------------------------------------------------------

const ACCOUNTS = [
  { code: 'assets:bank', name: 'Bank', type: 'ASSET', currency: 'USD' },
  { code: 'equity:capital', name: 'Capital', type: 'EQUITY', currency: 'USD' },
  { code: 'assets:yen', name: 'Yen', type: 'ASSET', currency: 'JPY' },
  { code: 'equity:yen', name: 'Yen capital', type: 'EQUITY', currency: 'JPY' },
  { code: 'assets:dinar', name: 'Dinar', type: 'ASSET', currency: 'BHD' },
  { code: 'equity:dinar', name: 'Dinar capital', type: 'EQUITY', currency: 'BHD' },
  { code: 'assets:euro', name: 'Euro', type: 'ASSET', currency: 'EUR' },
  { code: 'expenses:closed', name: 'Closed', type: 'EXPENSE', currency: 'USD' },
];
const SCALED: Record<string, [string, string]> = {
  USD: ['assets:bank', 'equity:capital'],
  JPY: ['assets:yen', 'equity:yen'],
  BHD: ['assets:dinar', 'equity:dinar'],
};
let seedTransactionId = '';

beforeAll(async () => {
  server = await startTestServer();
  for (const input of ACCOUNTS) expect((await open(input)).body.data.openAccount.__typename).toBe('Account');
  const closed = await server.gql(CLOSE, { input: { code: 'expenses:closed' } });
  expect(closed.body.data.closeAccount).toMatchObject({ __typename: 'Account', status: 'CLOSED' });
  const seeded = await post({ ...usd(), idempotencyKey: 'seed-1' });
  expect(seeded.body.data.postTransaction.__typename).toBe('Transaction');
  seedTransactionId = seeded.body.data.postTransaction.id;
  const second = await post({ ...pair('assets:bank', 'equity:capital', '2.00'), idempotencyKey: 'seed-2' });
  expect(second.body.data.postTransaction.__typename).toBe('Transaction');
});
afterAll(() => server.close());

// ---------------------------------------------------------------------------------------------
// Decimal amounts
// ---------------------------------------------------------------------------------------------

const DIGITS_41 = `1${'0'.repeat(40)}`;

/**
 * Each amount, posted on both legs of an otherwise valid transaction. A well-formed decimal
 * that breaks a money rule (≤ 0, too many decimals for the currency, even trailing zeros) is an
 * InvalidAmount; anything that is not a plain decimal *string* is refused by the scalar.
 */
const AMOUNTS: Array<[label: string, amount: unknown, currency: string, expected: 'InvalidAmount' | RegExp]> = [
  ['exponent "1e5"', '1e5', 'USD', /Decimal/],
  ['3 decimals on USD', '1.234', 'USD', 'InvalidAmount'],
  ['1 decimal on JPY', '1.5', 'JPY', 'InvalidAmount'],
  ['"1.0" on JPY (written decimals count)', '1.0', 'JPY', 'InvalidAmount'],
  ['"1.00" on JPY', '1.00', 'JPY', 'InvalidAmount'],
  ['4 decimals on BHD', '0.0001', 'BHD', 'InvalidAmount'],
  ['"1.2340" on BHD (trailing zero counts)', '1.2340', 'BHD', 'InvalidAmount'],
  ['negative "-5"', '-5', 'USD', 'InvalidAmount'],
  ['negative "-0.01"', '-0.01', 'USD', 'InvalidAmount'],
  ['zero "0"', '0', 'USD', 'InvalidAmount'],
  ['zero "0.00"', '0.00', 'USD', 'InvalidAmount'],
  ['zero "0" on JPY', '0', 'JPY', 'InvalidAmount'],
  ['negative zero "-0"', '-0', 'USD', /Decimal/],
  ['negative zero "-0.00"', '-0.00', 'USD', /Decimal/],
  ['empty string', '', 'USD', /Decimal/],
  ['leading space', ' 1', 'USD', /Decimal/],
  ['trailing space', '1 ', 'USD', /Decimal/],
  ['trailing newline', '1\n', 'USD', /Decimal/],
  ['plus sign', '+1', 'USD', /Decimal/],
  ['leading zero "01"', '01', 'USD', /Decimal/],
  ['leading zeros "00.5"', '00.5', 'USD', /Decimal/],
  ['thousands separator "1,000"', '1,000', 'USD', /Decimal/],
  ['underscore separator "1_000"', '1_000', 'USD', /Decimal/],
  ['decimal comma "1,5"', '1,5', 'USD', /Decimal/],
  ['two points "1.2.3"', '1.2.3', 'USD', /Decimal/],
  ['"NaN"', 'NaN', 'USD', /Decimal/],
  ['"Infinity"', 'Infinity', 'USD', /Decimal/],
  ['"-Infinity"', '-Infinity', 'USD', /Decimal/],
  ['hexadecimal "0x10"', '0x10', 'USD', /Decimal/],
  ['no integer part ".5"', '.5', 'USD', /Decimal/],
  ['no fraction "5."', '5.', 'USD', /Decimal/],
  ['fullwidth digit "１"', '１', 'USD', /Decimal/],
  ['Arabic-Indic digit "٥"', '٥', 'USD', /Decimal/],
  ['a 41-digit number', DIGITS_41, 'USD', /Decimal/],
  ['a 41-digit fraction', `0.${'1'.repeat(40)}`, 'BHD', /Decimal/],
  ['a JSON number 5', 5, 'USD', /Decimal/],
  ['a JSON number 5.5', 5.5, 'USD', /Decimal/],
  ['null for a required amount', null, 'USD', /Decimal!|non-null|null/i],
  ['a boolean true', true, 'USD', /Decimal/],
  ['an object', { value: '5' }, 'USD', /Decimal/],
  ['a list ["5"]', ['5'], 'USD', /Decimal/],
];

describe('Decimal amounts as variables', () => {
  it.each(AMOUNTS)('refuses %s', async (_label, amount, currency, expected) => {
    const [debit, credit] = SCALED[currency]!;
    const res = await writesNothing(() => post(pair(debit, credit, amount)));
    if (expected === 'InvalidAmount') {
      const error = expectTyped(res, 'postTransaction', 'InvalidAmount');
      expect(error.amount).toBe(amount);
    } else {
      expectGraphQLError(res, expected);
    }
  });
});

describe('Decimal amounts as inline literals', () => {
  it.each(AMOUNTS)('refuses %s', async (_label, amount, currency, expected) => {
    const [debit, credit] = SCALED[currency]!;
    const leg = (account: string, direction: string) =>
      `{ account: ${literal(account)}, direction: ${direction}, amount: ${literal(amount)} }`;
    const query = `mutation { postTransaction(input: { idempotencyKey: ${literal(freshKey())}, entries: [${leg(debit, 'DEBIT')}, ${leg(credit, 'CREDIT')}] }) { ${RESULT} } }`;
    const res = await writesNothing(() => server.gql(query));
    if (expected === 'InvalidAmount') {
      const error = expectTyped(res, 'postTransaction', 'InvalidAmount');
      expect(error.amount).toBe(amount);
    } else {
      // A literal that is not a string is refused by the scalar, including numbers (no silent float).
      expectGraphQLError(res, expected);
    }
  });
});

/** The transfer shortcut applies the same amount rules. */
describe('Decimal amounts of a transfer', () => {
  it.each<[string, unknown, 'InvalidAmount' | RegExp]>([
    ['"1.234"', '1.234', 'InvalidAmount'],
    ['"0"', '0', 'InvalidAmount'],
    ['"-1.00"', '-1.00', 'InvalidAmount'],
    ['"1e2"', '1e2', /Decimal/],
    ['a JSON number 1', 1, /Decimal/],
  ])('refuses %s', async (_label, amount, expected) => {
    const res = await writesNothing(() =>
      transfer({ idempotencyKey: freshKey(), debitAccount: 'assets:bank', creditAccount: 'equity:capital', amount }),
    );
    if (expected === 'InvalidAmount') expect(expectTyped(res, 'transfer', 'InvalidAmount').amount).toBe(amount);
    else expectGraphQLError(res, expected);
  });
});

/** minimumBalance is a signed Decimal bound: same syntax, the currency's scale. */
describe('minimumBalance', () => {
  it.each<[string, unknown, 'ValidationError' | RegExp]>([
    ['3 decimals on USD', '-1.234', 'ValidationError'],
    ['"-0"', '-0', /Decimal/],
    ['exponent', '1e3', /Decimal/],
    ['a JSON number', 0, /Decimal/],
  ])('refuses %s', async (_label, minimumBalance, expected) => {
    const res = await writesNothing(() =>
      open({ code: 'assets:minbal', name: 'Min', type: 'ASSET', currency: 'USD', minimumBalance }),
    );
    if (expected === 'ValidationError')
      expect(expectTyped(res, 'openAccount', 'ValidationError').field).toBe('minimumBalance');
    else expectGraphQLError(res, expected);
  });
});

// ---------------------------------------------------------------------------------------------
// Accounts a posting names, and the shape of the posting
// ---------------------------------------------------------------------------------------------

describe('postings the ledger refuses', () => {
  it('an unknown account is AccountNotFound', async () => {
    const res = await writesNothing(() => post(pair('assets:nowhere', 'equity:capital', '1.00')));
    expect(expectTyped(res, 'postTransaction', 'AccountNotFound').account).toBe('assets:nowhere');
  });

  it('an unknown account in a transfer is AccountNotFound', async () => {
    const res = await writesNothing(() =>
      transfer({
        idempotencyKey: freshKey(),
        debitAccount: 'assets:bank',
        creditAccount: 'equity:nowhere',
        amount: '1.00',
      }),
    );
    expect(expectTyped(res, 'transfer', 'AccountNotFound').account).toBe('equity:nowhere');
  });

  it('a closed account is AccountClosed', async () => {
    const res = await writesNothing(() => post(pair('expenses:closed', 'equity:capital', '1.00')));
    expect(expectTyped(res, 'postTransaction', 'AccountClosed').account).toBe('expenses:closed');
  });

  it('a closed account in a transfer is AccountClosed', async () => {
    const res = await writesNothing(() =>
      transfer({
        idempotencyKey: freshKey(),
        debitAccount: 'assets:bank',
        creditAccount: 'expenses:closed',
        amount: '1.00',
      }),
    );
    expect(expectTyped(res, 'transfer', 'AccountClosed').account).toBe('expenses:closed');
  });

  it('closing an unknown account is AccountNotFound', async () => {
    const res = await writesNothing(() => server.gql(CLOSE, { input: { code: 'assets:nowhere' } }));
    expect(expectTyped(res, 'closeAccount', 'AccountNotFound').account).toBe('assets:nowhere');
  });

  it('EntryInput.currency "EUR" on a USD account is CurrencyMismatch', async () => {
    const input = usd();
    (input.entries[0] as any).currency = 'EUR';
    const res = await writesNothing(() => post(input));
    expect(expectTyped(res, 'postTransaction', 'CurrencyMismatch')).toMatchObject({
      account: 'assets:bank',
      expected: 'USD',
      actual: 'EUR',
    });
  });

  it('EntryInput.currency "usd" (wrong case) on a USD account is CurrencyMismatch', async () => {
    const input = usd();
    (input.entries[1] as any).currency = 'usd';
    const res = await writesNothing(() => post(input));
    expect(expectTyped(res, 'postTransaction', 'CurrencyMismatch')).toMatchObject({
      account: 'equity:capital',
      expected: 'USD',
      actual: 'usd',
    });
  });

  it('a transfer asserting "EUR" between USD accounts is CurrencyMismatch', async () => {
    const res = await writesNothing(() =>
      transfer({
        idempotencyKey: freshKey(),
        debitAccount: 'assets:bank',
        creditAccount: 'equity:capital',
        amount: '1.00',
        currency: 'EUR',
      }),
    );
    expect(expectTyped(res, 'transfer', 'CurrencyMismatch')).toMatchObject({ expected: 'USD', actual: 'EUR' });
  });

  it('a transfer between a USD and an EUR account is refused as typed (unbalanced per currency)', async () => {
    const res = await writesNothing(() =>
      transfer({
        idempotencyKey: freshKey(),
        debitAccount: 'assets:euro',
        creditAccount: 'equity:capital',
        amount: '1.00',
      }),
    );
    const error = expectTyped(res, 'transfer', ['UnbalancedTransaction', 'CurrencyMismatch']);
    // What the code does today: each currency is checked on its own, so both are unbalanced.
    expect(error.__typename).toBe('UnbalancedTransaction');
    expect(error.imbalances).toEqual(
      expect.arrayContaining([
        { currency: 'EUR', debit: '1.00', credit: '0.00' },
        { currency: 'USD', debit: '0.00', credit: '1.00' },
      ]),
    );
  });

  it('debits not equal to credits is UnbalancedTransaction', async () => {
    const input = {
      idempotencyKey: freshKey(),
      entries: [
        { account: 'assets:bank', direction: 'DEBIT', amount: '10.00' },
        { account: 'equity:capital', direction: 'CREDIT', amount: '9.99' },
      ],
    };
    const res = await writesNothing(() => post(input));
    expect(expectTyped(res, 'postTransaction', 'UnbalancedTransaction').imbalances).toEqual([
      { currency: 'USD', debit: '10.00', credit: '9.99' },
    ]);
  });

  it('two debits and no credit is UnbalancedTransaction', async () => {
    const input = {
      idempotencyKey: freshKey(),
      entries: [
        { account: 'assets:bank', direction: 'DEBIT', amount: '1' },
        { account: 'equity:capital', direction: 'DEBIT', amount: '1' },
      ],
    };
    const res = await writesNothing(() => post(input));
    expectTyped(res, 'postTransaction', 'UnbalancedTransaction');
  });

  it.each<[string, () => Array<Record<string, unknown>>]>([
    ['0 legs', () => []],
    ['a single leg', () => [{ account: 'assets:bank', direction: 'DEBIT', amount: '1.00' }]],
    [
      '101 legs',
      () =>
        Array.from({ length: 101 }, (_, i) => ({
          account: i % 2 ? 'equity:capital' : 'assets:bank',
          direction: i % 2 ? 'CREDIT' : 'DEBIT',
          amount: i === 100 ? '2.00' : '1.00',
        })),
    ],
    [
      'the same account on both sides',
      () => [
        { account: 'assets:bank', direction: 'DEBIT', amount: '1.00' },
        { account: 'assets:bank', direction: 'CREDIT', amount: '1.00' },
      ],
    ],
  ])('%s is a ValidationError on entries', async (_label, entries) => {
    const res = await writesNothing(() => post({ idempotencyKey: freshKey(), entries: entries() }));
    expect(expectTyped(res, 'postTransaction', 'ValidationError').field).toBe('entries');
  });

  it('debits off by 0.01 in 40 digits are UnbalancedTransaction (exact, never float)', async () => {
    const big = `1${'0'.repeat(37)}`;
    const input = {
      idempotencyKey: freshKey(),
      entries: [
        { account: 'assets:bank', direction: 'DEBIT', amount: `${big}.01` },
        { account: 'equity:capital', direction: 'CREDIT', amount: `${big}.00` },
      ],
    };
    const res = await writesNothing(() => post(input));
    expect(expectTyped(res, 'postTransaction', 'UnbalancedTransaction').imbalances).toEqual([
      { currency: 'USD', debit: `${big}.01`, credit: `${big}.00` },
    ]);
  });

  it('0.10 + 0.20 against 0.30 balances (no float arithmetic)', async () => {
    const entries = [
      { account: 'assets:bank', direction: 'DEBIT', amount: '0.10' },
      { account: 'assets:bank', direction: 'DEBIT', amount: '0.20' },
      { account: 'equity:capital', direction: 'CREDIT', amount: '0.30' },
    ];
    const res = await post({ idempotencyKey: freshKey('exact'), entries });
    expect(res.body.data.postTransaction.__typename).toBe('Transaction');
  });

  it('closing a closed account changes nothing', async () => {
    const res = await writesNothing(() => server.gql(CLOSE, { input: { code: 'expenses:closed' } }));
    expect(res.body.data.closeAccount).toMatchObject({ __typename: 'Account', status: 'CLOSED' });
  });

  it('a transfer from an account to itself is a ValidationError', async () => {
    const res = await writesNothing(() =>
      transfer({
        idempotencyKey: freshKey(),
        debitAccount: 'assets:bank',
        creditAccount: 'assets:bank',
        amount: '1.00',
      }),
    );
    expectTyped(res, 'transfer', 'ValidationError');
  });

  it('100 legs (the limit) are accepted', async () => {
    const entries = Array.from({ length: 100 }, (_, i) => ({
      account: i % 2 ? 'equity:capital' : 'assets:bank',
      direction: i % 2 ? 'CREDIT' : 'DEBIT',
      amount: '0.01',
    }));
    const res = await post({ idempotencyKey: freshKey('limit'), entries });
    expect(res.body.data.postTransaction.__typename).toBe('Transaction');
  });

  it('a reused idempotency key with a different request is IdempotencyConflict', async () => {
    const res = await writesNothing(() =>
      post({ ...pair('assets:bank', 'equity:capital', '3.00'), idempotencyKey: 'seed-1' }),
    );
    expect(expectTyped(res, 'postTransaction', 'IdempotencyConflict').idempotencyKey).toBe('seed-1');
  });

  it('a posting key reused by a transfer with the same legs is IdempotencyConflict', async () => {
    const res = await writesNothing(() =>
      transfer({
        idempotencyKey: 'seed-1',
        debitAccount: 'assets:bank',
        creditAccount: 'equity:capital',
        amount: '1.00',
      }),
    );
    expectTyped(res, 'transfer', 'IdempotencyConflict');
  });

  it('a retry with the same key and request writes nothing and returns the first transaction', async () => {
    const res = await writesNothing(() => post({ ...usd(), idempotencyKey: 'seed-1' }));
    expect(res.body.data.postTransaction).toMatchObject({ __typename: 'Transaction', id: seedTransactionId });
  });
});

/** GraphQL-level shape errors in a posting: unknown fields, wrong enum values, wrong types. */
describe('malformed posting inputs', () => {
  it.each<[string, () => Record<string, unknown>, RegExp]>([
    ['an unknown input field', () => ({ ...usd(), amount: '1.00' }), /amount/],
    ['a missing idempotencyKey', () => ({ entries: usd().entries }), /idempotencyKey/],
    ['an idempotencyKey that is a number', () => ({ ...usd(), idempotencyKey: 5 }), /String/],
    [
      'a lowercase direction',
      () => ({
        ...usd(),
        entries: [
          { account: 'assets:bank', direction: 'debit', amount: '1.00' },
          { account: 'equity:capital', direction: 'CREDIT', amount: '1.00' },
        ],
      }),
      /Direction/,
    ],
    [
      'a null leg',
      () => ({ ...usd(), entries: [null, { account: 'equity:capital', direction: 'CREDIT', amount: '1.00' }] }),
      /EntryInput|null/,
    ],
    ['entries that are null', () => ({ ...usd(), entries: null }), /entries|null/],
    [
      'an account that is a number',
      () => ({
        ...usd(),
        entries: [
          { account: 42, direction: 'DEBIT', amount: '1.00' },
          { account: 'equity:capital', direction: 'CREDIT', amount: '1.00' },
        ],
      }),
      /String/,
    ],
  ])('refuses %s', async (_label, input, message) => {
    expectGraphQLError(await writesNothing(() => post(input())), message);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['an unknown account type', { code: 'assets:x', name: 'X', type: 'ASSETS', currency: 'USD' }, /AccountType/],
    ['a lowercase account type', { code: 'assets:x', name: 'X', type: 'asset', currency: 'USD' }, /AccountType/],
    ['a missing name', { code: 'assets:x', type: 'ASSET', currency: 'USD' }, /name/],
    ['a name that is a number', { code: 'assets:x', name: 7, type: 'ASSET', currency: 'USD' }, /String/],
  ])('openAccount refuses %s', async (_label, input, message) => {
    expectGraphQLError(await writesNothing(() => open(input)), message);
  });
});

/** Posting before an account existed, or too far ahead of the clock, is refused. */
describe('effective time of a posting', () => {
  it('an effectiveAt an hour in the future is a ValidationError', async () => {
    const effectiveAt = new Date(Date.now() + 3_600_000).toISOString();
    const res = await writesNothing(() => post(usd({ effectiveAt })));
    expect(expectTyped(res, 'postTransaction', 'ValidationError').field).toBe('effectiveAt');
  });

  it('a transfer an hour in the future is a ValidationError', async () => {
    const effectiveAt = new Date(Date.now() + 3_600_000).toISOString();
    const res = await writesNothing(() =>
      transfer({
        idempotencyKey: freshKey(),
        debitAccount: 'assets:bank',
        creditAccount: 'equity:capital',
        amount: '1.00',
        effectiveAt,
      }),
    );
    expect(expectTyped(res, 'transfer', 'ValidationError').field).toBe('effectiveAt');
  });

  it('an effectiveAt before the account was opened is a ValidationError', async () => {
    const res = await writesNothing(() => post(usd({ effectiveAt: '2020-01-01T00:00:00Z' })));
    expect(expectTyped(res, 'postTransaction', 'ValidationError').field).toBe('effectiveAt');
  });

  it('opening an account an hour in the future is a ValidationError', async () => {
    const effectiveAt = new Date(Date.now() + 3_600_000).toISOString();
    const res = await writesNothing(() =>
      open({ code: 'assets:future', name: 'Future', type: 'ASSET', currency: 'USD', effectiveAt }),
    );
    expect(expectTyped(res, 'openAccount', 'ValidationError').field).toBe('effectiveAt');
  });
});

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

// ---------------------------------------------------------------------------------------------
// Sizes and shapes of free text, metadata and idempotency keys
// ---------------------------------------------------------------------------------------------

/** name ≤ 200 characters, not blank, no control characters; description ≤ 1,000. */
describe('names and descriptions', () => {
  it.each([
    ['201 characters', 'n'.repeat(201)],
    ['an empty name', ''],
    ['a blank name', '   '],
    ['a control character', 'Bank\u0007'],
    ['a NUL byte', 'Bank\u0000'],
    ['a right-to-left override', 'Bank\u202e'],
  ])('openAccount refuses a name of %s', async (_label, name) => {
    const res = await writesNothing(() => open({ code: 'assets:named', name, type: 'ASSET', currency: 'USD' }));
    expect(expectTyped(res, 'openAccount', 'ValidationError').field).toBe('name');
  });

  it.each([
    ['1,001 characters', 'd'.repeat(1001)],
    ['a NUL byte', 'pay\u0000ment'],
    ['an escape sequence', 'pay\u001b[31mment'],
  ])('postTransaction refuses a description of %s', async (_label, description) => {
    const res = await writesNothing(() => post(usd({ description })));
    expect(expectTyped(res, 'postTransaction', 'ValidationError').field).toBe('description');
  });

  it('transfer refuses a description of 1,001 characters', async () => {
    const res = await writesNothing(() =>
      transfer({
        idempotencyKey: freshKey(),
        debitAccount: 'assets:bank',
        creditAccount: 'equity:capital',
        amount: '1.00',
        description: 'd'.repeat(1001),
      }),
    );
    expect(expectTyped(res, 'transfer', 'ValidationError').field).toBe('description');
  });

  it('a name of 200 and a description of 1,000 characters (the limits) are accepted', async () => {
    const opened = await open({ code: 'assets:long-name', name: 'n'.repeat(200), type: 'ASSET', currency: 'USD' });
    expect(opened.body.data.openAccount.__typename).toBe('Account');
    const posted = await post(usd({ description: 'd'.repeat(1000) }));
    expect(posted.body.data.postTransaction.__typename).toBe('Transaction');
  });
});

/** metadata is a JSON object of at most 16 KiB (as canonical JSON). */
const OVERSIZE = { blob: 'x'.repeat(16 * 1024) };
const BAD_METADATA: Array<[string, unknown]> = [
  ['over 16 KiB', OVERSIZE],
  ['over 16 KiB in multi-byte characters', { blob: 'é'.repeat(8200) }],
  ['an array', [1, 2, 3]],
  ['a string', 'metadata'],
  ['a number', 42],
  ['a boolean', true],
];

describe('metadata', () => {
  it.each(BAD_METADATA)('postTransaction refuses metadata that is %s', async (_label, metadata) => {
    const res = await writesNothing(() => post(usd({ metadata })));
    expect(expectTyped(res, 'postTransaction', 'ValidationError').field).toBe('metadata');
  });

  it.each(BAD_METADATA)('openAccount refuses metadata that is %s', async (_label, metadata) => {
    const res = await writesNothing(() =>
      open({ code: 'assets:meta', name: 'Meta', type: 'ASSET', currency: 'USD', metadata }),
    );
    expect(expectTyped(res, 'openAccount', 'ValidationError').field).toBe('metadata');
  });

  it.each(BAD_METADATA)('transfer refuses metadata that is %s', async (_label, metadata) => {
    const res = await writesNothing(() =>
      transfer({
        idempotencyKey: freshKey(),
        debitAccount: 'assets:bank',
        creditAccount: 'equity:capital',
        amount: '1.00',
        metadata,
      }),
    );
    expect(expectTyped(res, 'transfer', 'ValidationError').field).toBe('metadata');
  });

  it('refuses metadata over 16 KiB written as an inline literal', async () => {
    const query = `mutation { postTransaction(input: { idempotencyKey: "${freshKey()}", metadata: { blob: ${literal(OVERSIZE.blob)} }, entries: [{ account: "assets:bank", direction: DEBIT, amount: "1.00" }, { account: "equity:capital", direction: CREDIT, amount: "1.00" }] }) { ${RESULT} } }`;
    const res = await writesNothing(() => server.gql(query));
    expect(expectTyped(res, 'postTransaction', 'ValidationError').field).toBe('metadata');
  });

  it('refuses an inline list literal as metadata', async () => {
    const query = `mutation { openAccount(input: { code: "assets:meta", name: "Meta", type: ASSET, currency: "USD", metadata: [1, 2] }) { ${COMMON} } }`;
    const res = await writesNothing(() => server.gql(query));
    expect(expectTyped(res, 'openAccount', 'ValidationError').field).toBe('metadata');
  });

  it('refuses metadata holding a number beyond double range (1e400) as a ValidationError, not a crash', async () => {
    // JSON.parse turns 1e400 into Infinity, which no JSON encoder can write back.
    const body = `{"query":${JSON.stringify(POST)},"variables":{"input":{"idempotencyKey":"${freshKey()}","metadata":{"x":1e400},"entries":[{"account":"assets:bank","direction":"DEBIT","amount":"1.00"},{"account":"equity:capital","direction":"CREDIT","amount":"1.00"}]}}}`;
    const res = await writesNothing(async () => {
      const response = await server.raw({ method: 'POST', headers: { 'content-type': 'application/json' }, body });
      return { status: response.status, headers: response.headers, body: await response.json() } as GraphQLResponse;
    });
    expect(expectTyped(res, 'postTransaction', 'ValidationError').field).toBe('metadata');
  });

  it('refuses metadata nested 20,000 levels deep as a ValidationError, not a crash', async () => {
    // 20,000 levels are 120 KB of JSON: far over 16 KiB, and deep enough to exhaust a recursive encoder.
    const depth = 20_000;
    const metadata = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const body = `{"query":${JSON.stringify(POST)},"variables":{"input":{"idempotencyKey":"${freshKey()}","metadata":${metadata},"entries":[{"account":"assets:bank","direction":"DEBIT","amount":"1.00"},{"account":"equity:capital","direction":"CREDIT","amount":"1.00"}]}}}`;
    const res = await writesNothing(async () => {
      const response = await server.raw({ method: 'POST', headers: { 'content-type': 'application/json' }, body });
      return { status: response.status, headers: response.headers, body: await response.json() } as GraphQLResponse;
    });
    expect(expectTyped(res, 'postTransaction', 'ValidationError').field).toBe('metadata');
  });

  it('metadata of exactly 16 KiB (the limit) is accepted', async () => {
    const metadata = { k: 'x'.repeat(16 * 1024 - '{"k":""}'.length) };
    const res = await post(usd({ metadata }));
    expect(res.body.data.postTransaction.__typename).toBe('Transaction');
  });
});

/** idempotencyKey is 1 … 128 printable ASCII characters. */
describe('idempotency keys', () => {
  const KEYS: Array<[string, string]> = [
    ['empty', ''],
    ['129 characters', 'k'.repeat(129)],
    ['non-ASCII', 'ключ-1'],
    ['an accented letter', 'café'],
    ['an emoji', 'key-😀'],
    ['a NUL byte', 'key\u0000'],
    ['a tab', 'key\t1'],
    ['a newline', 'key\n1'],
    ['DEL', 'key\u007f'],
    ['a right-to-left override', 'key\u202e1'],
  ];

  it.each(KEYS)('postTransaction refuses a key that is %s', async (_label, idempotencyKey) => {
    const res = await writesNothing(() => post({ ...usd(), idempotencyKey }));
    expect(expectTyped(res, 'postTransaction', 'ValidationError').field).toBe('idempotencyKey');
  });

  it.each(KEYS)('transfer refuses a key that is %s', async (_label, idempotencyKey) => {
    const res = await writesNothing(() =>
      transfer({ idempotencyKey, debitAccount: 'assets:bank', creditAccount: 'equity:capital', amount: '1.00' }),
    );
    expect(expectTyped(res, 'transfer', 'ValidationError').field).toBe('idempotencyKey');
  });

  it('a key of 128 printable characters (the limit) is accepted', async () => {
    const res = await post({ ...usd(), idempotencyKey: `~ ${'k'.repeat(126)}` });
    expect(res.body.data.postTransaction.__typename).toBe('Transaction');
  });
});

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

// ---------------------------------------------------------------------------------------------
// Transport: what reaches GraphQL at all
// ---------------------------------------------------------------------------------------------

const OPEN_LITERAL = `mutation { openAccount(input: { code: "assets:smuggled", name: "Smuggled", type: ASSET, currency: "USD" }) { __typename } }`;

/** Sends raw bytes and parses the answer as JSON when it is JSON. */
async function rawRequest(init: RawInit) {
  const response = await server.raw(init);
  const text = await response.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  // Whatever went wrong, a client can branch on a code.
  for (const error of body?.errors ?? []) expect(error.extensions?.code, JSON.stringify(error)).toMatch(/^[A-Z_]+$/);
  return { status: response.status, body, text };
}

describe('transport', () => {
  it.each<[string, Record<string, string>, BodyInit, number]>([
    [
      'a form-encoded POST',
      { 'content-type': 'application/x-www-form-urlencoded' },
      `query=${encodeURIComponent(OPEN_LITERAL)}`,
      415,
    ],
    [
      'a multipart POST',
      { 'content-type': 'multipart/form-data; boundary=X' },
      `--X\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query: OPEN_LITERAL })}\r\n--X--\r\n`,
      415,
    ],
    ['a text/plain POST', { 'content-type': 'text/plain' }, JSON.stringify({ query: OPEN_LITERAL }), 415],
    ['a POST without a content type', {}, new Blob([JSON.stringify({ query: OPEN_LITERAL })]), 415],
    ['an application/graphql POST', { 'content-type': 'application/graphql' }, OPEN_LITERAL, 415],
  ])('refuses %s with %i and executes nothing', async (_label, headers, body, status) => {
    const res = await writesNothing(() => rawRequest({ method: 'POST', headers, body }));
    expect(res.status).toBe(status);
    expect(res.body.errors[0].message).toMatch(/application\/json/);
  });

  const CSRF = { 'x-graphql-yoga-csrf': '1' };

  it('refuses a GET without the CSRF header (a browser could send it cross-site without a preflight)', async () => {
    const res = await writesNothing(() =>
      rawRequest({ path: `/graphql?query=${encodeURIComponent('{ __typename }')}` }),
    );
    expect(res.status).toBe(403);
    expect(res.body.errors[0].message).toMatch(/CSRF/);
    expect(res.body.errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('gives a variable that was not provided a code too (graphql-js gives it none)', async () => {
    const res = await writesNothing(() =>
      rawRequest({
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: 'mutation($i: TransferInput!) { transfer(input: $i) { __typename } }',
          variables: null,
        }),
      }),
    );
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({
      message: expect.stringMatching(/^Variable "\$i" of required type "TransferInput!" was not provided/),
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('refuses a mutation sent with GET and executes nothing', async () => {
    const res = await writesNothing(() =>
      rawRequest({ path: `/graphql?query=${encodeURIComponent(OPEN_LITERAL)}`, headers: CSRF }),
    );
    expect(res.status).toBe(405);
    expect(res.body.errors[0].message).toMatch(/mutation/i);
    expect(res.body.errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('refuses a mutation sent with GET under an operationName and executes nothing', async () => {
    const query = `query Q { __typename } ${OPEN_LITERAL.replace('mutation', 'mutation M')}`;
    const res = await writesNothing(() =>
      rawRequest({ path: `/graphql?operationName=M&query=${encodeURIComponent(query)}`, headers: CSRF }),
    );
    expect(res.status).toBe(405);
  });

  it.each([
    ['variables that are not JSON', 'variables=not-json'],
    ['variables that are a JSON array', 'variables=%5B1%5D'],
    ['extensions that are not JSON', 'extensions=%7B'],
    ['extensions that are a string', 'extensions=%22x%22'],
  ])('refuses a GET with %s as 400', async (_label, param) => {
    const res = await writesNothing(() =>
      rawRequest({ path: `/graphql?query=${encodeURIComponent('{ __typename }')}&${param}`, headers: CSRF }),
    );
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('refuses application/graphql-response+json bodies with a message, and reads application/json in any case', async () => {
    const body = JSON.stringify({ query: '{ __typename }' });
    const other = await rawRequest({
      method: 'POST',
      headers: { 'content-type': 'application/graphql-response+json' },
      body,
    });
    expect(other.status).toBe(415);
    expect(other.body.errors[0].message).toMatch(/application\/json/);
    for (const type of ['Application/JSON', 'APPLICATION/JSON ; charset=UTF-8', 'application/json;charset=utf-8']) {
      const res = await rawRequest({ method: 'POST', headers: { 'content-type': type }, body });
      expect(res.status, type).toBe(200);
      expect(res.body.data).toEqual({ __typename: 'Query' });
    }
  });

  it('answers a plain query sent with GET', async () => {
    const res = await rawRequest({ path: `/graphql?query=${encodeURIComponent('{ __typename }')}`, headers: CSRF });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ __typename: 'Query' });
  });

  it.each<[string, string, number[]]>([
    ['malformed JSON', '{"query": "mutation {', [400]],
    ['an empty body', '', [400]],
    ['a JSON array (batching is off)', JSON.stringify([{ query: OPEN_LITERAL }, { query: OPEN_LITERAL }]), [400]],
    ['a JSON string', JSON.stringify(OPEN_LITERAL), [400]],
    ['JSON null', 'null', [400]],
    ['a JSON number', '42', [400]],
    ['a query that is not a string', JSON.stringify({ query: 5 }), [400]],
    ['no query', JSON.stringify({ variables: {} }), [200, 400]],
    ['variables that are a list', JSON.stringify({ query: OPEN_LITERAL, variables: [1] }), [400]],
    ['variables that are a string', JSON.stringify({ query: OPEN_LITERAL, variables: 'x' }), [400]],
    ['a form body labelled JSON', `query=${encodeURIComponent(OPEN_LITERAL)}`, [400]],
    ['JSON with a BOM and trailing garbage', `\ufeff${JSON.stringify({ query: OPEN_LITERAL })}xyz`, [400]],
  ])('refuses %s (status %j) and executes nothing', async (_label, body, statuses) => {
    const res = await writesNothing(() =>
      rawRequest({ method: 'POST', headers: { 'content-type': 'application/json' }, body }),
    );
    expectNoServerFault(res);
    expect(statuses).toContain(res.status);
    expect(res.body?.errors?.[0]?.message).toEqual(expect.any(String));
    expect(res.body?.data ?? null).toBeNull();
  });

  it('refuses a body over 1 MiB with 413 and executes nothing', async () => {
    const body = JSON.stringify({ query: OPEN_LITERAL, variables: { pad: 'x'.repeat(1024 * 1024 + 1) } });
    const res = await writesNothing(() =>
      rawRequest({ method: 'POST', headers: { 'content-type': 'application/json' }, body }),
    );
    expect(res.status).toBe(413);
    expect(res.body.errors[0].message).toMatch(/limited to \d+ bytes/);
  });

  it('refuses a chunked body without Content-Length and executes nothing', async () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ query: OPEN_LITERAL }));
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    });
    const res = await writesNothing(() =>
      rawRequest({
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: stream,
        duplex: 'half',
      } as RawInit),
    );
    expect([411, 413]).toContain(res.status);
  });

  it.each([
    ['an unknown path', '/nowhere', 'POST'],
    ['a path below /graphql', '/graphql/x', 'POST'],
    ['a traversal', '/graphql/../admin', 'GET'],
  ])('answers %s with 404', async (_label, path, method) => {
    const init: RawInit = { path, method };
    if (method === 'POST')
      Object.assign(init, {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: OPEN_LITERAL }),
      });
    const res = await writesNothing(() => rawRequest(init));
    expect(res.status).toBe(404);
  });

  it('refuses a GET whose URL is over the header limit, without a 500', async () => {
    const query = `{ ${'__typename '.repeat(2000)}}`;
    const res = await writesNothing(() =>
      rawRequest({ path: `/graphql?query=${encodeURIComponent(query)}&pad=${'x'.repeat(20_000)}` }),
    );
    expect([414, 431]).toContain(res.status);
  });

  it.each([
    ['129 characters', 'r'.repeat(129)],
    ['a space', 'req id'],
    ['non-ASCII bytes', Buffer.from('req-é', 'utf8').toString('latin1')],
  ])('replaces an x-request-id of %s with its own', async (_label, id) => {
    const res = await server.gql('{ __typename }', undefined, { 'x-request-id': id });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each(['PUT', 'DELETE', 'PATCH'])('refuses method %s with 405 and executes nothing', async (method) => {
    const res = await writesNothing(() =>
      rawRequest({
        method,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: OPEN_LITERAL }),
      }),
    );
    expect(res.status).toBe(405);
  });

  it('refuses two mutations without an operationName and executes neither', async () => {
    const query = `${OPEN_LITERAL.replace('mutation', 'mutation A')} ${OPEN_LITERAL.replace('mutation', 'mutation B')}`;
    expectGraphQLError(await writesNothing(() => server.gql(query)), /operation/i);
  });

  it('refuses an operationName that is not in the document and executes nothing', async () => {
    const res = await writesNothing(async () => {
      const r = await rawRequest({
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: OPEN_LITERAL.replace('mutation', 'mutation A'), operationName: 'B' }),
      });
      return r;
    });
    expectNoServerFault(res);
    expect(res.body.errors[0].message).toMatch(/operation/i);
    expect(res.body.data ?? null).toBeNull();
  });
});

/** Abusive documents are refused by the armor limits, quickly, before any resolver runs. */
describe('abusive documents', () => {
  /** account → entries → edges → node → account → …, `levels` fields deep. */
  const depthQuery = (levels: number) => {
    const cycle = ['account', 'entries(first: 1)', 'edges', 'node'];
    const fields = Array.from({ length: levels }, (_, i) =>
      i === 0 ? 'account(code: "assets:bank")' : cycle[i % cycle.length],
    );
    return `{ ${fields.map((field) => `${field} {`).join(' ')} __typename ${'}'.repeat(levels)} }`;
  };

  it.each<[string, () => string, RegExp]>([
    ['a 10,000-deep nesting of "{"', () => '{'.repeat(10_000), /token|Syntax/i],
    [
      'a 10,000-deep nesting of selections',
      () => `${'{ a '.repeat(10_000)}${'}'.repeat(10_000)}`,
      /nested more than 64 levels/i,
    ],
    [
      'a 10,000-deep list literal',
      () => `{ account(code: ${'['.repeat(10_000)}"x"${']'.repeat(10_000)}) { code } }`,
      /nested more than 64 levels/i,
    ],
    [
      'a 10,000-deep object literal',
      () =>
        `mutation { openAccount(input: { code: "assets:deep", name: "D", type: ASSET, currency: "USD", metadata: ${'{ a: '.repeat(10_000)}1${' }'.repeat(10_000)} }) { __typename } }`,
      /nested more than 64 levels/i,
    ],
    ['a cyclic query 30 levels deep', () => depthQuery(30), /depth|cost/i],
    ['a cyclic query 13 levels deep (one past the limit)', () => depthQuery(13), /depth/i],
    // Aliases of __typename are free (graphql-armor allows them); aliases of real fields count.
    [
      '50 aliases',
      () => `{ ${Array.from({ length: 50 }, (_, i) => `a${i}: account(code: "assets:bank") { code }`).join(' ')} }`,
      /alias/i,
    ],
    [
      '50 aliased mutations',
      () =>
        `mutation { ${Array.from({ length: 50 }, (_, i) => `m${i}: openAccount(input: { code: "assets:alias-${i}", name: "A", type: ASSET, currency: "USD" }) { __typename }`).join(' ')} }`,
      /alias|token|cost/i,
    ],
    ['3,000 tokens', () => `{ ${'__typename '.repeat(3000)}}`, /token/i],
    // Found by a red-team pass: a comment ended by a bare CR, or an escaped \""" in a block string, hid nesting from the guard.
    [
      'a deep list after a comment ended by a bare CR',
      () => `# x\r{ accounts(prefix: ${'['.repeat(70)}"a"${']'.repeat(70)}) { edges { cursor } } }`,
      /nested more than 64 levels/i,
    ],
    [
      'a deep list after a block string with an escaped quote',
      () =>
        `{ a: accounts(prefix: """ \\""" [ """) { edges { cursor } } b: accounts(prefix: ${'['.repeat(70)}"a"${']'.repeat(70)}) { edges { cursor } } }`,
      /nested more than 64 levels/i,
    ],
    ['50 directives', () => `{ __typename ${'@include(if: true) '.repeat(50)}}`, /directive/i],
  ])('refuses %s quickly', async (_label, query, message) => {
    const started = Date.now();
    const res = await writesNothing(() => server.gql(query()));
    expect(Date.now() - started).toBeLessThan(2000);
    expectGraphQLError(res, message);
  });

  it('answers a cyclic query within the depth limit', async () => {
    const res = await server.gql(depthQuery(8));
    expectNoServerFault(res);
    expect(res.body.errors).toBeUndefined();
  });

  it('still serves after the abuse', async () => {
    const res = await server.gql(`{ account(code: "assets:bank") { code } }`);
    expect(res.body.data).toEqual({ account: { code: 'assets:bank' } });
  });
});

// Found in review: text PostgreSQL and SQLite would store differently, cursors only one dialect refuses.
describe('text that is not well-formed Unicode, and cursors beyond any column', () => {
  it.each([
    [
      'a name with a lone high surrogate',
      { input: { code: 'assets:lone1', name: 'x\ud800y', type: 'ASSET', currency: 'USD' } },
      OPEN,
      'openAccount',
    ],
    [
      'a name with a lone low surrogate',
      { input: { code: 'assets:lone2', name: 'x\udc00', type: 'ASSET', currency: 'USD' } },
      OPEN,
      'openAccount',
    ],
    [
      'metadata with a lone surrogate in a value',
      { input: { code: 'assets:lone3', name: 'A', type: 'ASSET', currency: 'USD', metadata: { k: '\ud83d' } } },
      OPEN,
      'openAccount',
    ],
    [
      'metadata with a lone surrogate in a key',
      { input: { code: 'assets:lone4', name: 'A', type: 'ASSET', currency: 'USD', metadata: { '\udfff': 1 } } },
      OPEN,
      'openAccount',
    ],
  ])('refuses %s as a ValidationError, writing nothing', async (_label, variables, query, field) => {
    const res = await writesNothing(() => server.gql(query, variables));
    expectNoServerFault(res);
    expectTyped(res, field, 'ValidationError');
  });

  it('accepts well-formed astral characters (a surrogate pair)', async () => {
    const res = await server.gql(OPEN, {
      input: { code: 'assets:emoji', name: 'Piggy 🐷', type: 'ASSET', currency: 'USD' },
    });
    expect(res.body.data.openAccount).toMatchObject({ code: 'assets:emoji', name: 'Piggy 🐷' });
  });

  it.each([
    [
      'an event cursor beyond a 32-bit version',
      `{ account(code: "assets:bank") { events(after: "${Buffer.from(JSON.stringify(['event', 3_000_000_000])).toString('base64url')}") { edges { cursor } } } }`,
    ],
    [
      'an account cursor holding a NUL byte',
      `{ accounts(after: "${Buffer.from(JSON.stringify(['account', 'a\u0000'])).toString('base64url')}") { edges { cursor } } }`,
    ],
    [
      'an account cursor holding a control character',
      `{ accounts(after: "${Buffer.from(JSON.stringify(['account', 'a\u0007b'])).toString('base64url')}") { edges { cursor } } }`,
    ],
  ])('refuses %s as a bad cursor, not a server error', async (_label, query) => {
    const res = await server.gql(query);
    expectNoServerFault(res);
    // A nested field's error leaves its parent null; a root field's leaves data null.
    expect(res.body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/not a cursor of this list/),
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Credentials: keys that are missing, forged, revoked, expired or too weak for the request
// ---------------------------------------------------------------------------------------------

describe('credentials', () => {
  const MUTATION = JSON.stringify({ query: OPEN_LITERAL });
  const postWith = (authorization: string | null) =>
    rawRequest({
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: authorization ?? '' },
      body: MUTATION,
    });

  it.each<[string, string | null]>([
    ['no Authorization header', null],
    ['an empty Authorization header', ''],
    ['"Bearer" alone', 'Bearer'],
    ['Basic credentials', `Basic ${Buffer.from('admin:admin').toString('base64')}`],
    ['a Digest header', 'Digest username="admin"'],
    ['a token with a space inside', 'Bearer ink_abc def'],
    ['an SQL-like token', "Bearer ink_'OR'1'='1"],
    ['an SQL-like token with a comment', 'Bearer x";DROP/**/TABLE/**/api_keys;--'],
    ['a token that is a stored hash, not a secret', `Bearer ${'0'.repeat(64)}`],
    ['a token of 257 characters', `Bearer ${'a'.repeat(257)}`],
    ['a token of 8000 characters', `Bearer ${'a'.repeat(8000)}`],
    ['the admin key with one character changed', 'CHANGED'],
    ['the admin key truncated', 'TRUNCATED'],
    ['the admin key with a suffix', 'SUFFIXED'],
    ['two Bearer tokens', 'TWICE'],
  ])('refuses %s with 401 and writes nothing', async (_label, header) => {
    const key = server.adminKey;
    const variants: Record<string, string> = {
      CHANGED: `Bearer ${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`,
      TRUNCATED: `Bearer ${key.slice(0, -1)}`,
      SUFFIXED: `Bearer ${key}x`,
      TWICE: `Bearer ${key}, Bearer ${key}`,
    };
    const res = await writesNothing(() => postWith(header === null ? null : (variants[header] ?? header)));
    expect(res.status).toBe(401);
    expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(res.body.data).toBeUndefined();
  });

  it('refuses a revoked key with 401 and writes nothing', async () => {
    const key = await server.createKey('admin', { name: 'hostile-revoked' });
    await server.gql('mutation { revokeApiKey(input: { name: "hostile-revoked" }) { __typename } }');
    const res = await writesNothing(() => postWith(`Bearer ${key}`));
    expect(res.status).toBe(401);
    expect(res.body.errors[0].message).toMatch(/revoked/);
  });

  it('refuses an expired key with 401 and writes nothing', async () => {
    const key = await server.createKey('admin', {
      name: 'hostile-expired',
      expiresAt: new Date(Date.now() + 300).toISOString(),
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    const res = await writesNothing(() => postWith(`Bearer ${key}`));
    expect(res.status).toBe(401);
    expect(res.body.errors[0].message).toMatch(/expired/);
  });

  it.each([
    ['a reader opening an account', 'reader', OPEN_LITERAL],
    [
      'a reader posting',
      'reader',
      `mutation { transfer(input: { idempotencyKey: "r-1", debitAccount: "assets:bank", creditAccount: "equity:capital", amount: "1.00" }) { __typename } }`,
    ],
    [
      'an auditor posting',
      'auditor',
      `mutation { postTransaction(input: { idempotencyKey: "a-1", entries: [{ account: "assets:bank", direction: DEBIT, amount: "1.00" }, { account: "equity:capital", direction: CREDIT, amount: "1.00" }] }) { __typename } }`,
    ],
    [
      'a writer closing an account',
      'writer',
      `mutation { closeAccount(input: { code: "assets:euro" }) { __typename } }`,
    ],
    [
      'a writer minting itself an admin key',
      'writer',
      `mutation { createApiKey(input: { name: "escalated", role: admin }) { __typename } }`,
    ],
    [
      'a writer revoking the admin key',
      'writer',
      `mutation { revokeApiKey(input: { name: "test-admin" }) { __typename } }`,
    ],
    [
      'a reader posting inside an aliased batch of reads',
      'reader',
      `mutation { a: __typename b: transfer(input: { idempotencyKey: "r-2", debitAccount: "assets:bank", creditAccount: "equity:capital", amount: "1.00" }) { __typename } }`,
    ],
  ])('refuses %s as FORBIDDEN and writes nothing', async (_label, role, query) => {
    const key = await server.createKey(role);
    const before = await server.database.db.selectFrom('api_keys').selectAll().execute();
    const res = await writesNothing(() => server.gqlAs(key, query));
    expectNoServerFault(res);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await server.database.db.selectFrom('api_keys').selectAll().execute()).toEqual(before);
  });

  it('still serves the admin after all of the above', async () => {
    const res = await server.gql('{ account(code: "assets:bank") { code } }');
    expect(res.body.data.account.code).toBe('assets:bank');
  });
});
