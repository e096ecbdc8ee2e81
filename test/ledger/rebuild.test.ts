/** Rebuild replays the log in batches; a transaction's events never straddle two batches. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/ledger/ledger.js';
import { rebuildReadModels } from '../../src/projections/rebuild.js';
import { tempDatabase, type TempDatabase } from '../support/server.js';

const ctx = { actor: 'test', requestId: 'rebuild' };
let temp: TempDatabase;

beforeEach(async () => {
  temp = await tempDatabase();
  const ledger = new Ledger(temp.database, { policy: { epochEvery: 2 } });
  for (const code of ['assets:a', 'assets:b', 'assets:c'])
    await ledger.openAccount({ code, name: code, type: 'ASSET', currency: 'USD' }, ctx);
  for (let i = 0; i < 12; i++) {
    // Three-leg entries: three events per transaction, so any batch size cuts through some of them.
    await ledger.postTransaction(
      {
        idempotencyKey: `k${i}`,
        entries: [
          { account: 'assets:a', direction: 'DEBIT', amount: '2.00' },
          { account: 'assets:b', direction: 'CREDIT', amount: '1.50' },
          { account: 'assets:c', direction: 'CREDIT', amount: '0.50' },
        ],
      },
      ctx,
    );
  }
});
afterEach(() => temp.dispose());

describe('rebuild in batches', () => {
  it.each([1, 2, 3, 4, 5, 1000])('finds no difference with batches of %i events', async (batchSize) => {
    const report = await rebuildReadModels(temp.database, { apply: false, epochEvery: 2, batchSize });
    expect(report).toEqual({ eventsReplayed: 39, differences: [], applied: false });
  });
});
