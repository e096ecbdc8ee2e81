/** Concurrent commands on the same hot accounts: retried on version conflicts, never lost or doubled. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConcurrencyConflict } from '../../src/domain/errors.js';
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

  it('reports a ConcurrencyConflict naming the stream once retries run out, and writes nothing for it', async () => {
    const ledger = new Ledger(temp.database, { maxRetries: 0 });
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => transfer(ledger, `c${i}`)));
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected.length).toBeGreaterThan(0);
    for (const r of rejected) {
      expect(r.reason).toBeInstanceOf(ConcurrencyConflict);
      expect(r.reason.stream).toMatch(/^account:(assets|revenue):hot$/);
    }
    const landed = results.length - rejected.length;
    expect((await getAccounts(temp.database.db, ['assets:hot'])).get('assets:hot')).toMatchObject({ version: 1 + landed });
  });
});
