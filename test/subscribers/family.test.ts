/**
 * Subscribers of one family (the metadata indexes) are stepped together once they stand at the
 * same position (runner.ts): one transaction per batch for all of them. A member declared later,
 * or rebuilt, is brought up to the others and joins them. Whatever the interleaving — members
 * joining while writes go on, two runners of the family at once, a rebuild — each member's
 * active generation sees every event of its types once, in log order, on both databases.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Ledger } from '../../src/ledger/ledger.js';
import { checkpoints, SubscriberRunner, type Subscriber } from '../../src/subscribers/runner.js';
import type { Database } from '../../src/store/db.js';
import { readHead } from '../../src/store/event-store.js';
import { twoAccounts } from '../support/books.js';
import type { TempDatabase } from '../support/server.js';

let temp: TempDatabase;
let ledger: Ledger;
let ctx: { actor: string; requestId: string };

beforeEach(async () => {
  ({ temp, ledger, ctx } = await twoAccounts('family'));
});
afterEach(() => temp.dispose());

/** What each member applied, by name and generation (shared by every runner of the test). */
type Seen = Map<string, number[]>;

function member(name: string, types: string[] | undefined, seen: Seen): Subscriber {
  return {
    name,
    family: 'test-family',
    ...(types ? { types } : {}),
    apply: async (_trx, events, generation) => {
      const key = `${name}@${generation}`;
      const list = seen.get(key) ?? [];
      for (const event of events) {
        if (types) expect(types).toContain(event.type);
        list.push(event.position);
      }
      seen.set(key, list);
    },
    drop: async () => undefined,
  };
}

const transfer = (key: string) =>
  ledger.transfer({ idempotencyKey: key, debitAccount: 'assets:a', creditAccount: 'equity:b', amount: '1.00' }, ctx);

async function positionsOf(types: string[] | undefined): Promise<number[]> {
  let query = temp.database.db.selectFrom('events').select('position').orderBy('position');
  if (types) query = query.where('type', 'in', types);
  return (await query.execute()).map((row) => Number(row.position));
}

/** The positions a member's active generation applied. */
async function activeSeen(seen: Seen, name: string): Promise<number[]> {
  const active = (await checkpoints(temp.database.db, name)).find((c) => c.active)!;
  return seen.get(`${name}@${active.generation}`) ?? [];
}

describe('a family of subscribers', () => {
  it('steps members at one position in one transaction', async () => {
    const seen: Seen = new Map();
    let writes = 0;
    const counting: Database = {
      ...temp.database,
      write: (work, options) => {
        writes += 1;
        return temp.database.write(work, options);
      },
    };
    const members = [member('m1', ['TransactionPosted'], seen), member('m2', undefined, seen)];
    const runner = new SubscriberRunner(counting, ledger.commits, members, { batchSize: 1000 });
    await runner.catchUp();
    for (let i = 0; i < 5; i++) await transfer(`t${i}`);
    writes = 0;
    await runner.catchUp();
    expect(writes).toBe(1);
    expect(await activeSeen(seen, 'm1')).toEqual(await positionsOf(['TransactionPosted']));
    expect(await activeSeen(seen, 'm2')).toEqual(await positionsOf(undefined));
  });

  it('brings late members and a rebuild up to the others, each event once, with two runners', async () => {
    const seen: Seen = new Map();
    const all = [
      member('early', ['TransactionPosted'], seen),
      member('untyped', undefined, seen),
      member('late', ['AccountUpdated'], seen),
    ];
    const declared = [all[0]!];
    // Two runners (as two processes) discover members as they are declared.
    const discover = async () => [...declared];
    const options = { batchSize: 7, coalesceMs: 1, pollMs: 5, discover };
    const one = new SubscriberRunner(temp.database, ledger.commits, [], options);
    const two = new SubscriberRunner(temp.database, ledger.commits, [], options);
    await one.refresh();
    one.start();
    two.start();
    try {
      for (let i = 0; i < 60; i++) {
        await transfer(`w${i}`);
        if (i % 10 === 0) await ledger.updateAccount({ code: 'assets:a', name: `a${i}` }, ctx);
        if (i === 20) declared.push(all[1]!);
        if (i === 35) declared.push(all[2]!);
      }
      await one.rebuild('early');
      for (let i = 60; i < 80; i++) await transfer(`w${i}`);
    } finally {
      await one.stop();
      await two.stop();
    }
    await one.catchUp();
    const head = (await readHead(temp.database.db))!.position;
    for (const { name } of all) {
      const active = (await checkpoints(temp.database.db, name)).find((c) => c.active)!;
      expect(active.position).toBe(head);
    }
    expect((await checkpoints(temp.database.db, 'early')).map((c) => c.generation)).toEqual([2]);
    expect(await activeSeen(seen, 'early')).toEqual(await positionsOf(['TransactionPosted']));
    expect(await activeSeen(seen, 'untyped')).toEqual(await positionsOf(undefined));
    expect(await activeSeen(seen, 'late')).toEqual(await positionsOf(['AccountUpdated']));
  });

  it('gathers its batches for a while, unless a reader hurries it', async () => {
    const seen: Seen = new Map();
    const members = [member('slow', ['TransactionPosted'], seen)];
    // A pause far longer than the test: only hurry can bring the member to the head in time.
    const runner = new SubscriberRunner(temp.database, ledger.commits, members, { familyCoalesceMs: 60_000 });
    await runner.catchUp();
    runner.start();
    try {
      await transfer('first');
      const head = async () => (await readHead(temp.database.db))!.position;
      const reached = async (position: number) => {
        for (let i = 0; i < 100; i++) {
          if ((await checkpoints(temp.database.db, 'slow'))[0]!.position >= position) return true;
          runner.hurry('test-family');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        return false;
      };
      expect(await reached(await head())).toBe(true);
      await transfer('second');
      const started = Date.now();
      expect(await reached(await head())).toBe(true);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await runner.stop();
    }
    expect(await activeSeen(seen, 'slow')).toEqual(await positionsOf(['TransactionPosted']));
  });
});
