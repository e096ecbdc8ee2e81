/** Bitemporal queries over GraphQL: effective at T, as known at K, with a backdated entry. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerApi } from '../support/api.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const api = ledgerApi(() => server);
const recorded: Record<string, string> = {};

const pause = () => new Promise((resolve) => setTimeout(resolve, 5));

async function transfer(key: string, amount: string, effectiveAt: string) {
  await pause(); // distinct recorded times between the postings
  return api.transfer(
    { idempotencyKey: key, debitAccount: 'assets:cash', creditAccount: 'revenue:sales', amount, effectiveAt },
    '__typename ... on Transaction { id recordedAt effectiveAt } ... on Error { code message }',
  );
}

/** The balance of assets:cash (the helper throws on GraphQL errors). */
const balance = (asOf?: string, knownAt?: string) =>
  api.balance(
    'assets:cash',
    { asOf, knownAt },
    'posted { amount } pending { amount } available { amount } asOf knownAt version',
  );

beforeAll(async () => {
  server = await startTestServer({ policy: { epochEvery: 2, snapshotEvery: 2 } });
  await api.openAccounts(
    [
      { code: 'assets:cash', type: 'ASSET' },
      { code: 'revenue:sales', type: 'REVENUE' },
    ],
    { effectiveAt: '2026-01-01T00:00:00Z' },
  );
  recorded.t1 = (await transfer('t1', '100.00', '2026-02-01T00:00:00Z')).recordedAt;
  recorded.t2 = (await transfer('t2', '50.00', '2026-03-01T00:00:00Z')).recordedAt;
  // Learned late: an entry effective in mid-January, recorded after t2.
  recorded.t3 = (await transfer('t3', '7.00', '2026-01-15T00:00:00Z')).recordedAt;
  // Two entries at the very same effective instant.
  recorded.t4 = (await transfer('t4', '1.00', '2026-04-01T00:00:00Z')).recordedAt;
  recorded.t5 = (await transfer('t5', '2.00', '2026-04-01T00:00:00Z')).recordedAt;
});
afterAll(() => server.close());

describe('balance(asOf, knownAt)', () => {
  it('includes a backdated entry for later effective times, as known after it was recorded', async () => {
    expect((await balance('2026-02-15T00:00:00Z')).posted.amount).toBe('107.00');
    expect((await balance('2026-01-20T00:00:00Z')).posted.amount).toBe('7.00');
    expect((await balance('2026-01-14T23:59:59.999Z')).posted.amount).toBe('0.00');
  });

  it('never changes what was known before the backdated entry was recorded', async () => {
    const before = await balance('2026-02-15T00:00:00Z', recorded.t2);
    expect(before).toMatchObject({ posted: { amount: '100.00' }, knownAt: recorded.t2, version: 3 });
    expect((await balance('2026-01-20T00:00:00Z', recorded.t2)).posted.amount).toBe('0.00');
    expect((await balance('2026-01-20T00:00:00Z', recorded.t3)).posted.amount).toBe('7.00');
    // recordedAt <= knownAt is inclusive: one millisecond earlier, t3 is not yet known.
    const justBefore = new Date(Date.parse(recorded.t3!) - 1).toISOString();
    expect((await balance('2026-12-31T00:00:00Z', justBefore)).posted.amount).toBe('150.00');
  });

  it('counts every entry at the same instant, inclusively', async () => {
    expect((await balance('2026-04-01T00:00:00Z')).posted.amount).toBe('160.00');
    expect((await balance('2026-03-31T23:59:59.999Z')).posted.amount).toBe('157.00');
    expect((await balance('2026-04-01T00:00:00Z', recorded.t4)).posted.amount).toBe('158.00');
  });

  it('is zero before the account opened, and treats a future knownAt as now', async () => {
    expect(await balance('2025-12-31T00:00:00Z')).toMatchObject({ posted: { amount: '0.00' }, version: 6 });
    const future = await balance(undefined, '2999-01-01T00:00:00Z');
    expect(future.posted.amount).toBe('160.00');
    expect(Date.parse(future.knownAt)).toBeLessThanOrEqual(Date.now());
    expect(future.knownAt).toBe(future.asOf);
    expect(await balance(undefined, recorded.t1)).toMatchObject({
      posted: { amount: '100.00' },
      version: 2,
      pending: { amount: '0.00' },
      available: { amount: '100.00' },
    });
    // Before the ledger knew anything of the account.
    expect(await balance(undefined, '2000-01-01T00:00:00Z')).toMatchObject({ posted: { amount: '0.00' }, version: 0 });
  });

  it('lists the entries that counted, by effective window and known-at', async () => {
    const ENTRIES = `query($from: DateTime, $to: DateTime, $knownAt: DateTime) { account(code: "assets:cash") { entries(from: $from, to: $to, knownAt: $knownAt) { edges { node { amount { amount } effectiveAt } } } } }`;
    const amounts = async (vars: Record<string, string>) =>
      (await server.gql(ENTRIES, vars)).body.data.account.entries.edges.map((e: any) => e.node.amount.amount);
    expect(await amounts({ from: '2026-01-01T00:00:00Z', to: '2026-02-16T00:00:00Z' })).toEqual(['100.00', '7.00']);
    expect(await amounts({ from: '2026-01-01T00:00:00Z', to: '2026-02-16T00:00:00Z', knownAt: recorded.t2! })).toEqual([
      '100.00',
    ]);
    expect(await amounts({ from: '2026-04-01T00:00:00Z', to: '2026-04-01T00:00:00.001Z' })).toEqual(['1.00', '2.00']);
  });

  it('refuses an effective time before the account opened or beyond the allowed skew', async () => {
    expect(await transfer('early', '1.00', '2025-12-31T23:59:59.999Z')).toMatchObject({
      __typename: 'ValidationError',
      code: 'VALIDATION_ERROR',
    });
    const tooLate = new Date(Date.now() + 10 * 60_000).toISOString();
    expect(await transfer('late', '1.00', tooLate)).toMatchObject({ __typename: 'ValidationError' });
    expect((await balance()).posted.amount).toBe('160.00');
  });
});
