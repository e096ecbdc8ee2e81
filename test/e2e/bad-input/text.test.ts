/**
 * Hostile and malformed input over the real socket: sizes and shapes of free text, metadata and
 * idempotency keys. Every refusal is typed data, a clear GraphQL error or a 4xx, and writes
 * nothing (the rules and the shared fixtures: test/support/bad-input.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  badInputServer,
  server,
  writesNothing,
  expectTyped,
  literal,
  freshKey,
  COMMON,
  RESULT,
  POST,
  open,
  post,
  transfer,
  usd,
} from '../../support/bad-input.js';
import type { GraphQLResponse } from '../../support/server.js';

badInputServer();

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
