/** Concurrent commands on the same hot accounts: retried on version conflicts, never lost or doubled. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/ledger/ledger.js';
import { getAccounts } from '../../src/ledger/queries.js';
import { rebuildReadModels } from '../../src/projections/rebuild.js';
import { tempDatabase, type TempDatabase } from '../support/server.js';

const ctx = { actor: 'test', requestId: 'concurrency' };
let temp: TempDatabase;

beforeEach(async () => {
  temp = await tempDatabase();
  const ledger = new Ledger(temp.database);
  await ledger.openAccount({ code: 'assets:hot', name: 'Hot', type: 'ASSET', currency: 'USD' }, ctx);
  await ledger.openAccount({ code: 'revenue:hot', name: 'Hot', type: 'REVENUE', currency: 'USD' }, ctx);
});
afterEach(() => temp.dispose());

const transfer = (ledger: Ledger, key: string) =>
  ledger.transfer({ idempotencyKey: key, debitAccount: 'assets:hot', creditAccount: 'revenue:hot', amount: '0.01' }, ctx);

describe('concurrent postings', () => {
  it('retries version conflicts so every concurrent transfer lands exactly once', async () => {
    const ledger = new Ledger(temp.database, { maxRetries: 50 });
    const ids = await Promise.all(Array.from({ length: 60 }, (_, i) => transfer(ledger, `k${i}`)));
    expect(new Set(ids).size).toBe(60);
    const accounts = await getAccounts(temp.database.db, ['assets:hot', 'revenue:hot']);
    expect(accounts.get('assets:hot')).toMatchObject({ balance: '0.60', version: 61 });
    expect(accounts.get('revenue:hot')).toMatchObject({ balance: '0.60', version: 61 });
    expect((await rebuildReadModels(temp.database, { apply: false })).differences).toEqual([]);
  });

  it('posts the same key sent concurrently only once', async () => {
    const ledger = new Ledger(temp.database, { maxRetries: 50 });
    const ids = await Promise.all(Array.from({ length: 10 }, () => transfer(ledger, 'same')));
    expect(new Set(ids).size).toBe(1);
    expect((await getAccounts(temp.database.db, ['assets:hot'])).get('assets:hot')).toMatchObject({ balance: '0.01', version: 2 });
  });

  it('decides under the write lock once the optimistic retries run out, so hot accounts still make progress', async () => {
    const ledger = new Ledger(temp.database, { maxRetries: 0 });
    const ids = await Promise.all(Array.from({ length: 10 }, (_, i) => transfer(ledger, `c${i}`)));
    expect(new Set(ids).size).toBe(10);
    expect((await getAccounts(temp.database.db, ['assets:hot'])).get('assets:hot')).toMatchObject({ version: 11, balance: '0.10' });
  });

  it('reports a ConcurrencyConflict naming the stream when the stream keeps moving under every attempt', async () => {
    const ledger = new Ledger(temp.database, { maxRetries: 2 });
    // A foreign writer (not this ledger) lands an event between every load and its append.
    const append = ledger.store.appendIn.bind(ledger.store);
    let attempts = 0;
    ledger.store.appendIn = async (trx, requests) => {
      attempts += 1;
      {
        await append(trx, [{ streamId: 'account:assets:hot', expectedVersion: 1, events: [{ type: 'AccountClosed', schemaVersion: 1, data: '{}', metadata: '{}', effectiveAt: '2026-01-01T00:00:00.000Z', transactionId: null }] }]);
      }
      return append(trx, requests);
    };
    await expect(transfer(ledger, 'moved')).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT', stream: 'account:assets:hot', expectedVersion: 1, actualVersion: 2 });
    expect(attempts).toBe(3); // two optimistic retries after the first, then one under the lock
    expect((await getAccounts(temp.database.db, ['assets:hot'])).get('assets:hot')).toMatchObject({ version: 1, balance: '0.00' });
  });
});

describe('a retry after its original drained the account', () => {
  it('gets the first result, not InsufficientFunds, when it decides under the write lock', async () => {
    // maxRetries 0: every command decides inside the write transaction, before any key check.
    const ledger = new Ledger(temp.database, { maxRetries: 0 });
    await ledger.openAccount({ code: 'assets:drain', name: 'drain', type: 'ASSET', currency: 'USD', minimumBalance: '0' }, ctx);
    await ledger.transfer({ idempotencyKey: 'fund', debitAccount: 'assets:drain', creditAccount: 'revenue:hot', amount: '10.00' }, ctx);
    const input = { idempotencyKey: 'drain', debitAccount: 'revenue:hot', creditAccount: 'assets:drain', amount: '10.00' };
    const first = await ledger.transfer(input, ctx);
    await expect(ledger.transfer(input, ctx)).resolves.toBe(first);
    await expect(ledger.transfer({ ...input, amount: '10.01' }, ctx)).rejects.toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
  });
});
