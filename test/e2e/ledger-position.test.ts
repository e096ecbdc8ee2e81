/**
 * Read-your-writes without a replica (issue 24, point 3), on both databases: every mutation
 * answers with the log position it committed at (extensions.ledgerPosition), a transaction tells
 * its own (Transaction.ledgerPosition), and x-inkwell-min-position is checked and, with no
 * replica, answered by the primary at once. The replica side is test/postgres/replica-reads.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHead } from '../../src/store/event-store.js';
import { logState } from '../support/log-state.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const ctx = { actor: 'test', requestId: 'setup' };

beforeAll(async () => {
  server = await startTestServer();
  await server.ledger.openAccount({ code: 'assets:cash', name: 'Cash', type: 'ASSET', currency: 'USD' }, ctx);
  await server.ledger.openAccount({ code: 'equity:owner', name: 'Owner', type: 'EQUITY', currency: 'USD' }, ctx);
});

afterAll(async () => {
  await server?.close();
});

const TRANSFER = `mutation ($key: String!, $from: String!, $dryRun: Boolean) {
  transfer(input: { idempotencyKey: $key, debitAccount: "assets:cash", creditAccount: $from, amount: "1.00" }, dryRun: $dryRun) {
    __typename
    ... on Transaction { id ledgerPosition }
    ... on DryRun { transaction { ledgerPosition } }
    ... on Error { code }
  }
}`;

const transfer = (key: string, options: { from?: string; dryRun?: boolean; headers?: Record<string, string> } = {}) =>
  server.gql(TRANSFER, { key, from: options.from ?? 'equity:owner', dryRun: options.dryRun ?? false }, options.headers);

async function head(): Promise<number> {
  return (await readHead(server.database.db))?.position ?? 0;
}

describe('ledgerPosition', () => {
  it('a mutation answers with the head its commit left; the transaction with the position it was posted at', async () => {
    const posted = await transfer('pos-1');
    expect(posted.body.data.transfer.__typename).toBe('Transaction');
    const position = posted.body.extensions?.ledgerPosition;
    expect(position).toBe(await head());
    // Its first event's position: the commit that holds it holds all of its events.
    const first = await server.database.db
      .selectFrom('events')
      .select((eb) => eb.fn.min('position').as('p'))
      .where('transaction_id', '=', posted.body.data.transfer.id)
      .executeTakeFirstOrThrow();
    expect(posted.body.data.transfer.ledgerPosition).toBe(Number(first.p));
    expect(posted.body.data.transfer.ledgerPosition).toBeLessThanOrEqual(position);

    // Asked for at that position, a read sees it (no replica: the primary answers, always up to date).
    const read = await server.gql(
      `query ($id: ID!) { transaction(id: $id) { id ledgerPosition } }`,
      { id: posted.body.data.transfer.id },
      { 'x-inkwell-min-position': String(position) },
    );
    const { __typename, ...seen } = posted.body.data.transfer;
    expect(read.body.data.transaction).toEqual(seen);
    // Queries carry no ledgerPosition, and without a replica no readFrom.
    expect(read.body.extensions?.ledgerPosition).toBeUndefined();
    expect(read.body.extensions?.readFrom).toBeUndefined();
  });

  it('a mutation that writes nothing answers with the head it saw', async () => {
    const first = await transfer('pos-2');
    const second = await transfer('pos-3');
    expect(second.body.extensions?.ledgerPosition).toBeGreaterThan(first.body.extensions?.ledgerPosition);
    // A retry of the first: its first result, and the head now (after the second).
    const retry = await transfer('pos-2');
    expect(retry.body.data.transfer).toEqual(first.body.data.transfer);
    expect(retry.body.extensions?.ledgerPosition).toBe(second.body.extensions?.ledgerPosition);
    // A refusal writes nothing and says where the log stood.
    const refused = await transfer('pos-4', { from: 'equity:nobody' });
    expect(refused.body.data.transfer).toEqual({ __typename: 'AccountNotFound', code: 'ACCOUNT_NOT_FOUND' });
    expect(refused.body.extensions?.ledgerPosition).toBe(await head());
    expect(refused.body.extensions?.ledgerPosition).toBe(second.body.extensions?.ledgerPosition);
  });

  it('a dry run committed nothing: its transaction has no position', async () => {
    const rehearsed = await transfer('pos-dry', { dryRun: true });
    expect(rehearsed.body.data.transfer).toEqual({ __typename: 'DryRun', transaction: { ledgerPosition: null } });
    expect(rehearsed.body.extensions?.ledgerPosition).toBe(await head());
  });

  it('refuses an x-inkwell-min-position that is not a position, and writes nothing', async () => {
    const before = await logState(server.database.db);
    for (const bad of ['-1', '1.5', 'abc', '01', '1e3', '99999999999999999', '']) {
      for (const reply of [
        await transfer(`pos-bad`, { headers: { 'x-inkwell-min-position': bad } }),
        await server.gql('{ accounts(first: 1) { edges { node { code } } } }', {}, { 'x-inkwell-min-position': bad }),
      ]) {
        expect(reply.status, bad).toBe(200);
        expect(reply.body.data, bad).toBeUndefined();
        expect(reply.body.errors?.[0]?.extensions?.code, bad).toBe('BAD_USER_INPUT');
        expect(reply.body.errors?.[0]?.message, bad).toMatch(/^x-inkwell-min-position must be a log position/);
      }
    }
    expect(await logState(server.database.db)).toEqual(before);
  });
});
