/**
 * The bad-input suites (test/e2e/bad-input/*.test.ts), split by section, share this setup:
 * hostile and malformed input over the real socket. Every refusal must be either a typed
 * member of the mutation's result union, a GraphQL error with a clear message, or a 4xx —
 * never an HTTP 500, never a masked "Unexpected error" — and must leave the database as it
 * was: the same event count and head hash, idempotency records and read models.
 *
 * Each file that calls badInputServer() gets a server of its own (vitest isolates each file's
 * modules) with a few accounts in currencies of scale 0, 2 and 3, one closed, two postings.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { logState } from './log-state.js';
import { startTestServer, type GraphQLResponse, type RawInit, type TestServer } from './server.js';

/** The file's server (a live binding: set by badInputServer's beforeAll). */
export let server: TestServer;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** What a refusal must not change: the log, the idempotency table and the read models. */
export async function writeState() {
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
export async function writesNothing<T>(action: () => Promise<T>): Promise<T> {
  const before = await writeState();
  const result = await action();
  expect(await writeState()).toEqual(before);
  return result;
}

export const CODES: Record<string, string> = {
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
export function expectTyped(res: GraphQLResponse, field: string, typename: string | string[]): any {
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
export function expectNoServerFault(res: { status: number; body?: any }) {
  expect(res.status).toBeLessThan(500);
  for (const error of res.body?.errors ?? []) {
    expect(error.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
    expect(error.message).not.toMatch(/Unexpected error/);
  }
}

/** A GraphQL (parse, validation, coercion or resolver) error with a clear message and no data. */
export function expectGraphQLError(res: GraphQLResponse, message: RegExp) {
  expectNoServerFault(res);
  expect([200, 400]).toContain(res.status);
  expect(res.body.errors?.length).toBeGreaterThan(0);
  expect(res.body.errors![0]!.message).toMatch(message);
  expect(res.body.data ?? null).toBeNull();
}

/** As expectGraphQLError, for an error raised below the root, where the parent becomes null. */
export function expectNestedError(res: GraphQLResponse, message: RegExp, root: string) {
  expectNoServerFault(res);
  expect(res.status).toBe(200);
  expect(res.body.errors?.[0]?.message).toMatch(message);
  expect(res.body.data?.[root] ?? null).toBeNull();
}

/** Writes a JS value as a GraphQL literal (strings JSON-escaped, objects with bare keys). */
export function literal(value: unknown): string {
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
export const freshKey = (prefix = 'bad') => `${prefix}-${++keySeq}`;

/** The selections of each result union: every member it can hold, with its specific fields. */
export const COMMON = `__typename ... on Error { code message } ... on ValidationError { field }`;
export const RESULT = /* GraphQL */ `
  ${COMMON}
  ... on InvalidAmount { amount }
  ... on AccountNotFound { account }
  ... on AccountClosed { account }
  ... on CurrencyMismatch { account expected actual }
  ... on UnbalancedTransaction { imbalances { currency debit credit } }
  ... on IdempotencyConflict { idempotencyKey }
  ... on Transaction { id }
`;
export const OPEN = `mutation Open($input: OpenAccountInput!) { openAccount(input: $input) { ${COMMON} ... on AccountAlreadyExists { account } ... on Account { code name currency version } } }`;
export const POST = `mutation Post($input: PostTransactionInput!) { postTransaction(input: $input) { ${RESULT} } }`;
export const TRANSFER = `mutation Transfer($input: TransferInput!) { transfer(input: $input) { ${RESULT} } }`;
export const CLOSE = `mutation Close($input: CloseAccountInput!) { closeAccount(input: $input) { ${COMMON} ... on AccountNotFound { account } ... on Account { status } } }`;

export const open = (input: Record<string, unknown>) => server.gql(OPEN, { input });
export const post = (input: Record<string, unknown>) => server.gql(POST, { input });
export const transfer = (input: Record<string, unknown>) => server.gql(TRANSFER, { input });

/** A balanced two-leg posting between two accounts, for variations on one field. */
export const pair = (debit: string, credit: string, amount: unknown, extra: Record<string, unknown> = {}) => ({
  idempotencyKey: freshKey(),
  entries: [
    { account: debit, direction: 'DEBIT', amount },
    { account: credit, direction: 'CREDIT', amount },
  ],
  ...extra,
});
export const usd = (extra: Record<string, unknown> = {}) => pair('assets:bank', 'equity:capital', '1.00', extra);

/** Base64url of a JSON value, as the server writes its cursors. */
export const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An opening as a literal document (transport and credential suites smuggle it in). */
export const OPEN_LITERAL = `mutation { openAccount(input: { code: "assets:smuggled", name: "Smuggled", type: ASSET, currency: "USD" }) { __typename } }`;

/** Sends raw bytes and parses the answer as JSON when it is JSON. */
export async function rawRequest(init: RawInit) {
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

// ---------------------------------------------------------------------------------------------
// Fixtures: a few accounts in currencies of scale 0, 2 and 3, one closed, two postings.
// ---------------------------------------------------------------------------------------------

export const ACCOUNTS = [
  { code: 'assets:bank', name: 'Bank', type: 'ASSET', currency: 'USD' },
  { code: 'equity:capital', name: 'Capital', type: 'EQUITY', currency: 'USD' },
  { code: 'assets:yen', name: 'Yen', type: 'ASSET', currency: 'JPY' },
  { code: 'equity:yen', name: 'Yen capital', type: 'EQUITY', currency: 'JPY' },
  { code: 'assets:dinar', name: 'Dinar', type: 'ASSET', currency: 'BHD' },
  { code: 'equity:dinar', name: 'Dinar capital', type: 'EQUITY', currency: 'BHD' },
  { code: 'assets:euro', name: 'Euro', type: 'ASSET', currency: 'EUR' },
  { code: 'expenses:closed', name: 'Closed', type: 'EXPENSE', currency: 'USD' },
];
export const SCALED: Record<string, [string, string]> = {
  USD: ['assets:bank', 'equity:capital'],
  JPY: ['assets:yen', 'equity:yen'],
  BHD: ['assets:dinar', 'equity:dinar'],
};
/** The id of the first seed posting (set once the server is up). */
export let seedTransactionId = '';

/** The shared server with its fixtures, for the whole file that calls this at its top level. */
export function badInputServer(): void {
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
}
