/** Period close over GraphQL: the lock refuses postings and reversals at or before it, reopening is explicit, reports show it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerApi } from '../support/api.js';
import { logState } from '../support/log-state.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const api = ledgerApi(() => server);
let seq = 0;
const transfer = (amount: string, effectiveAt: string) =>
  api.transfer(
    { idempotencyKey: `p${++seq}`, debitAccount: 'assets:bank', creditAccount: 'equity:capital', amount, effectiveAt },
    '__typename ... on Transaction { id } ... on PeriodClosed { code lockedThrough effectiveAt }',
  );
const books = (mutation: string, input: Record<string, unknown>) =>
  api.mutate(mutation, input, '__typename ... on Books { lockedThrough } ... on ValidationError { field message }');

beforeAll(async () => {
  server = await startTestServer();
  await api.openAccounts(
    [
      { code: 'assets:bank', type: 'ASSET' },
      { code: 'equity:capital', type: 'EQUITY' },
    ],
    { effectiveAt: '2026-01-01T00:00:00Z' },
  );
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
    const reversal = await api.reverseTransaction({ idempotencyKey: 'r1', transactionId: january.id });
    expect(reversal.__typename).toBe('PeriodClosed');
    expect(await logState(server.database.db)).toEqual(before);
    expect((await transfer('1.00', '2026-02-01T00:00:00Z')).__typename).toBe('Transaction');
    const later = await api.reverseTransaction({
      idempotencyKey: 'r2',
      transactionId: january.id,
      effectiveAt: '2026-02-02T00:00:00Z',
    });
    expect(later.__typename).toBe('Transaction');
  });

  it('refuses an account opened inside the closed period (its reports must not change); the same opening again is a no-op', async () => {
    const open = (code: string, effectiveAt?: string) =>
      api.openAccount(
        { code, type: 'ASSET', effectiveAt },
        '__typename ... on PeriodClosed { lockedThrough effectiveAt }',
      );
    const before = await logState(server.database.db);
    expect(await open('assets:late', '2026-01-31T00:00:00Z')).toEqual({
      __typename: 'PeriodClosed',
      lockedThrough: '2026-01-31T23:59:59.999Z',
      effectiveAt: '2026-01-31T00:00:00.000Z',
    });
    expect(await logState(server.database.db)).toEqual(before);
    expect(
      (await api.request('query($code: String!) { account(code: $code) { code } }', { code: 'assets:late' })).account,
    ).toBeNull();
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
    const trail = await api.auditTrail({ type: 'PeriodReopened' }, 'data metadata { actor command }');
    expect(trail.map((node) => [node.data.reason, node.metadata.command])).toEqual([
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
    const first = (await api.auditTrail({ type: 'PeriodClosed', first: 1 }, 'recordedAt'))[0].recordedAt;
    const earlier = await api.request(
      'query($knownAt: DateTime) { trialBalance(knownAt: $knownAt) { lockedThrough } }',
      {
        knownAt: new Date(Date.parse(first) - 1).toISOString(),
      },
    );
    expect(earlier.trialBalance.lockedThrough).toBeNull();
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
