/** Period close over GraphQL: the lock refuses postings and reversals at or before it, reopening is explicit, reports show it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logState } from '../support/log-state.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let seq = 0;
const transfer = async (amount: string, effectiveAt: string) =>
  (
    await server.gql(
      'mutation($input: TransferInput!) { transfer(input: $input) { __typename ... on Transaction { id } ... on PeriodClosed { code lockedThrough effectiveAt } } }',
      {
        input: {
          idempotencyKey: `p${++seq}`,
          debitAccount: 'assets:bank',
          creditAccount: 'equity:capital',
          amount,
          effectiveAt,
        },
      },
    )
  ).body.data.transfer;
const books = async (mutation: string, input: Record<string, unknown>) =>
  (
    await server.gql(
      `mutation($input: ${mutation[0]!.toUpperCase()}${mutation.slice(1)}Input!) { ${mutation}(input: $input) { __typename ... on Books { lockedThrough } ... on ValidationError { field message } } }`,
      { input },
    )
  ).body.data[mutation];

beforeAll(async () => {
  server = await startTestServer();
  for (const [code, type] of [
    ['assets:bank', 'ASSET'],
    ['equity:capital', 'EQUITY'],
  ] as const) {
    await server.gql('mutation($input: OpenAccountInput!) { openAccount(input: $input) { __typename } }', {
      input: { code, name: code, type, currency: 'USD', effectiveAt: '2026-01-01T00:00:00Z' },
    });
  }
});
afterAll(() => server.close());

describe('period close', () => {
  it('refuses postings and reversals at or before the lock, writing nothing; after it they go through', async () => {
    expect((await server.gql('{ books { lockedThrough } }')).body.data.books).toEqual({ lockedThrough: null });
    const january = await transfer('10.00', '2026-01-10T00:00:00Z');
    expect(await books('closePeriod', { through: '2026-01-31T23:59:59.999Z', reason: 'January closed' })).toEqual({
      __typename: 'Books',
      lockedThrough: '2026-01-31T23:59:59.999Z',
    });
    const before = await logState(server.database.db);
    expect(await transfer('1.00', '2026-01-31T23:59:59.999Z')).toEqual({
      __typename: 'PeriodClosed',
      code: 'PERIOD_CLOSED',
      lockedThrough: '2026-01-31T23:59:59.999Z',
      effectiveAt: '2026-01-31T23:59:59.999Z',
    });
    const reversal = await server.gql(
      `mutation { reverseTransaction(input: { idempotencyKey: "r1", transactionId: "${january.id}" }) { __typename } }`,
    );
    expect(reversal.body.data.reverseTransaction.__typename).toBe('PeriodClosed');
    expect(await logState(server.database.db)).toEqual(before);
    expect((await transfer('1.00', '2026-02-01T00:00:00Z')).__typename).toBe('Transaction');
    const later = await server.gql(
      `mutation { reverseTransaction(input: { idempotencyKey: "r2", transactionId: "${january.id}", effectiveAt: "2026-02-02T00:00:00Z" }) { __typename } }`,
    );
    expect(later.body.data.reverseTransaction.__typename).toBe('Transaction');
  });

  it('refuses an account opened inside the closed period (its reports must not change); the same opening again is a no-op', async () => {
    const open = async (code: string, effectiveAt?: string) =>
      (
        await server.gql(
          'mutation($input: OpenAccountInput!) { openAccount(input: $input) { __typename ... on PeriodClosed { lockedThrough effectiveAt } } }',
          { input: { code, name: code, type: 'ASSET', currency: 'USD', effectiveAt } },
        )
      ).body.data.openAccount;
    const before = await logState(server.database.db);
    expect(await open('assets:late', '2026-01-31T00:00:00Z')).toEqual({
      __typename: 'PeriodClosed',
      lockedThrough: '2026-01-31T23:59:59.999Z',
      effectiveAt: '2026-01-31T00:00:00.000Z',
    });
    expect(await logState(server.database.db)).toEqual(before);
    expect((await server.gql('{ account(code: "assets:late") { code } }')).body.data.account).toBeNull();
    // Opened before the close, the same opening is answered as before (nothing new enters the period).
    expect((await open('assets:bank', '2026-01-01T00:00:00Z')).__typename).toBe('Account');
    expect((await open('assets:late', '2026-02-01T00:00:00Z')).__typename).toBe('Account');
    expect((await open('assets:now')).__typename).toBe('Account');
  });

  it('closes only the past, keeps the later lock, and reopens only explicitly and backwards', async () => {
    expect(await books('closePeriod', { through: '2999-01-01T00:00:00Z' })).toMatchObject({
      __typename: 'ValidationError',
      field: 'through',
    });
    expect(await books('closePeriod', { through: '2026-01-15T00:00:00Z' })).toEqual({
      __typename: 'Books',
      lockedThrough: '2026-01-31T23:59:59.999Z',
    });
    expect(await books('reopenPeriod', { through: '2026-02-10T00:00:00Z' })).toMatchObject({
      __typename: 'ValidationError',
      message: expect.stringMatching(/moves the lock back/),
    });
    expect(await books('reopenPeriod', { through: '2026-01-05T00:00:00Z', reason: 'late invoice' })).toEqual({
      __typename: 'Books',
      lockedThrough: '2026-01-05T00:00:00.000Z',
    });
    expect((await transfer('2.00', '2026-01-15T00:00:00Z')).__typename).toBe('Transaction');
    expect((await transfer('2.00', '2026-01-05T00:00:00Z')).__typename).toBe('PeriodClosed');
    expect(await books('reopenPeriod', {})).toEqual({ __typename: 'Books', lockedThrough: null });
    expect(await books('reopenPeriod', {})).toEqual({ __typename: 'Books', lockedThrough: null });
    expect(await books('reopenPeriod', { through: '2026-01-05T00:00:00Z' })).toMatchObject({
      __typename: 'ValidationError',
      message: expect.stringMatching(/nothing to reopen/),
    });
    const trail = await server.gql(
      '{ auditTrail(type: "PeriodReopened") { edges { node { data metadata { actor command } } } } }',
    );
    expect(trail.body.data.auditTrail.edges.map((e: any) => [e.node.data.reason, e.node.metadata.command])).toEqual([
      ['late invoice', 'reopenPeriod'],
      [null, 'reopenPeriod'],
    ]);
  });

  it('shows the lock in reports, as it was at their log position', async () => {
    expect(await books('closePeriod', { through: '2026-01-20T00:00:00Z' })).toMatchObject({
      lockedThrough: '2026-01-20T00:00:00.000Z',
    });
    const now = await server.gql('{ trialBalance { lockedThrough } }');
    expect(now.body.data.trialBalance.lockedThrough).toBe('2026-01-20T00:00:00.000Z');
    const first = (await server.gql('{ auditTrail(type: "PeriodClosed", first: 1) { edges { node { recordedAt } } } }'))
      .body.data.auditTrail.edges[0].node.recordedAt;
    const earlier = await server.gql(
      `{ trialBalance(knownAt: "${new Date(Date.parse(first) - 1).toISOString()}") { lockedThrough } }`,
    );
    expect(earlier.body.data.trialBalance.lockedThrough).toBeNull();
  });

  it('lets no posting at or before the lock commit after it, when they race', async () => {
    await books('reopenPeriod', {});
    const racing = Array.from({ length: 20 }, (_, i) => transfer('0.01', `2026-03-0${1 + (i % 5)}T00:00:00Z`));
    const close = books('closePeriod', { through: '2026-03-31T00:00:00Z' });
    const results = await Promise.all([...racing, close]);
    expect(results.slice(0, 20).every((r) => ['Transaction', 'PeriodClosed'].includes(r.__typename))).toBe(true);
    const db = server.database.db;
    const closedAt = await db
      .selectFrom('events')
      .select('position')
      .where('type', '=', 'PeriodClosed')
      .orderBy('position', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    const after = await db
      .selectFrom('events')
      .select('position')
      .where('type', '=', 'TransactionPosted')
      .where('position', '>', closedAt.position)
      .where('effective_at', '<=', '2026-03-31T00:00:00.000Z')
      .execute();
    expect(after).toEqual([]);
  });
});
