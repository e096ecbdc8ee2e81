/** Concurrent commands on the same hot accounts: never lost, never doubled, whoever writes. */
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
  ledger.transfer(
    { idempotencyKey: key, debitAccount: 'assets:hot', creditAccount: 'revenue:hot', amount: '0.01' },
    ctx,
  );

describe('concurrent postings', () => {
  it('lands every concurrent transfer on the hot accounts exactly once', async () => {
    const ledger = new Ledger(temp.database);
    const ids = await Promise.all(Array.from({ length: 60 }, (_, i) => transfer(ledger, `k${i}`)));
    expect(new Set(ids).size).toBe(60);
    const accounts = await getAccounts(temp.database.db, ['assets:hot', 'revenue:hot']);
    expect(accounts.get('assets:hot')).toMatchObject({ balance: '0.60', version: 61 });
    expect(accounts.get('revenue:hot')).toMatchObject({ balance: '0.60', version: 61 });
    expect((await rebuildReadModels(temp.database, { apply: false })).differences).toEqual([]);
  });

  it('posts the same key sent concurrently only once', async () => {
    const ledger = new Ledger(temp.database);
    const ids = await Promise.all(Array.from({ length: 10 }, () => transfer(ledger, 'same')));
    expect(new Set(ids).size).toBe(1);
    expect((await getAccounts(temp.database.db, ['assets:hot'])).get('assets:hot')).toMatchObject({
      balance: '0.01',
      version: 2,
    });
  });

  it('keeps two writers on one database right: what one appends empties the memory of the other', async () => {
    // Two Ledgers stand for two processes: each keeps decided states in memory between commits.
    const [a, b] = [new Ledger(temp.database), new Ledger(temp.database)];
    await transfer(a, 'warm-a');
    await transfer(b, 'warm-b');
    const ids = await Promise.all(Array.from({ length: 40 }, (_, i) => transfer(i % 2 ? a : b, `ab${i}`)));
    for (let i = 0; i < 10; i++) await transfer(i % 2 ? a : b, `seq${i}`);
    expect(new Set(ids).size).toBe(40);
    expect((await getAccounts(temp.database.db, ['assets:hot'])).get('assets:hot')).toMatchObject({
      balance: '0.52',
      version: 53,
    });
    expect((await rebuildReadModels(temp.database, { apply: false })).differences).toEqual([]);
  });

  it('refuses to write from a state the store has moved past, and runs the group again one by one', async () => {
    const ledger = new Ledger(temp.database);
    await transfer(ledger, 'first');
    // Only a bug could make the memory disagree with the store (every append moves the head,
    // which empties it): force one, and see the unique (stream, version) index refuse the fork.
    const cache = (ledger.committer as unknown as { cache: { states: Map<string, { version: number }> } }).cache;
    const state = cache.states.get('assets:hot')!;
    cache.states.set('assets:hot', { ...state, version: state.version - 1 });
    const ids = await Promise.all([transfer(ledger, 'second'), transfer(ledger, 'third')]);
    expect(new Set(ids).size).toBe(2);
    // The group of two failed and wrote nothing; each then committed alone.
    expect(ledger.committer.stats).toMatchObject({ groups: 3, commands: 3, largest: 1 });
    expect((await getAccounts(temp.database.db, ['assets:hot'])).get('assets:hot')).toMatchObject({
      version: 4,
      balance: '0.03',
    });
    expect((await rebuildReadModels(temp.database, { apply: false })).differences).toEqual([]);
  });
});

describe('a retry after its original drained the account', () => {
  it('gets the first result, not InsufficientFunds', async () => {
    const ledger = new Ledger(temp.database);
    await ledger.openAccount(
      { code: 'assets:drain', name: 'drain', type: 'ASSET', currency: 'USD', minimumBalance: '0' },
      ctx,
    );
    await ledger.transfer(
      { idempotencyKey: 'fund', debitAccount: 'assets:drain', creditAccount: 'revenue:hot', amount: '10.00' },
      ctx,
    );
    const input = {
      idempotencyKey: 'drain',
      debitAccount: 'revenue:hot',
      creditAccount: 'assets:drain',
      amount: '10.00',
    };
    const first = await ledger.transfer(input, ctx);
    await expect(ledger.transfer(input, ctx)).resolves.toBe(first);
    await expect(ledger.transfer({ ...input, amount: '10.01' }, ctx)).rejects.toMatchObject({
      code: 'IDEMPOTENCY_CONFLICT',
    });
  });
});
