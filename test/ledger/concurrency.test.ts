/** Concurrent commands on the same hot accounts: never lost, never doubled, whoever writes. */
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
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

/** The group committer's write cache (private): which account states it keeps between commits. */
const cacheOf = (ledger: Ledger) =>
  (ledger.committer as unknown as { cache: { states: Map<string, { version: number }> } }).cache;

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

  it('keeps two writers on one database right: what one appends, the other forgets', async () => {
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
    // Only a bug could make the memory disagree with the store (every append moves the head, and
    // what another writer appended is forgotten): force one, and see the unique (stream, version)
    // index refuse the fork.
    const cache = cacheOf(ledger);
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

describe('two writers on one database', () => {
  it('keeps what another writer did not touch: only the streams it wrote are read again', async () => {
    const [a, b] = [new Ledger(temp.database), new Ledger(temp.database)];
    await a.openAccount({ code: 'assets:cold', name: 'Cold', type: 'ASSET', currency: 'USD' }, ctx);
    await a.transfer(
      { idempotencyKey: 'a1', debitAccount: 'assets:cold', creditAccount: 'revenue:hot', amount: '1.00' },
      ctx,
    );
    const cold = cacheOf(a).states.get('assets:cold');
    expect(cold).toBeDefined();
    await transfer(b, 'b1');
    await transfer(b, 'b2');
    // a's next commit catches up from the log: revenue:hot was written by b (read again, with b's
    // postings in it), assets:cold was not (the very same state object is kept).
    await transfer(a, 'a2');
    expect(cacheOf(a).states.get('assets:cold')).toBe(cold);
    expect(cacheOf(a).states.get('revenue:hot')?.version).toBe(5);
    const accounts = await getAccounts(temp.database.db, ['assets:hot', 'revenue:hot', 'assets:cold']);
    expect(accounts.get('revenue:hot')).toMatchObject({ balance: '1.03', version: 5 });
    expect(accounts.get('assets:hot')).toMatchObject({ balance: '0.03', version: 4 });
    expect((await rebuildReadModels(temp.database, { apply: false })).differences).toEqual([]);
  });

  it('equals the same commands from one writer, whatever two writers interleave (property)', async () => {
    const codes = ['assets:hot', 'revenue:hot', 'assets:x', 'assets:y', 'expenses:z'];
    const setup = new Ledger(temp.database);
    for (const code of codes.slice(2))
      await setup.openAccount(
        { code, name: code, type: code.startsWith('assets') ? 'ASSET' : 'EXPENSE', currency: 'USD' },
        ctx,
      );
    const command = fc.record({
      writer: fc.integer({ min: 0, max: 1 }),
      from: fc.integer({ min: 0, max: 4 }),
      to: fc.integer({ min: 0, max: 4 }),
      cents: fc.integer({ min: 1, max: 999 }),
      // Some are backdated (to a point since every account opened, in permille of the time since):
      // the on-time frontiers (late entries) must follow the other writer too.
      back: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 999 })),
    });
    const opened = Date.now();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(command, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }),
        async (rounds) => {
          run += 1;
          const writers = [new Ledger(temp.database), new Ledger(temp.database)];
          const before = await getAccounts(temp.database.db, codes);
          const expected = new Map(codes.map((code) => [code, 0]));
          let n = 0;
          for (const round of rounds) {
            // Each round's commands at once, on both writers: groups, pipelining and catch-ups interleave.
            await Promise.all(
              round.map(({ writer, from, to, cents, back }) => {
                if (from === to) return Promise.resolve();
                expected.set(codes[from]!, expected.get(codes[from]!)! - cents);
                expected.set(codes[to]!, expected.get(codes[to]!)! + cents);
                return writers[writer]!.transfer(
                  {
                    idempotencyKey: `p${run}-${n++}`,
                    debitAccount: codes[to]!,
                    creditAccount: codes[from]!,
                    amount: (cents / 100).toFixed(2),
                    effectiveAt:
                      back === null ? null : new Date(opened + ((Date.now() - opened) * back) / 1000).toISOString(),
                  },
                  ctx,
                );
              }),
            );
          }
          const after = await getAccounts(temp.database.db, codes);
          for (const code of codes) {
            const sign = code.startsWith('revenue') ? -1 : 1;
            const moved = new Decimal(after.get(code)!.balance).minus(before.get(code)!.balance).times(100).times(sign);
            expect(moved.toFixed(0), code).toBe(String(expected.get(code)));
          }
        },
      ),
      { numRuns: 15 },
    );
    expect((await rebuildReadModels(temp.database, { apply: false })).differences).toEqual([]);
  });
});
