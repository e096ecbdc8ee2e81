/**
 * A subscriber that names its event types reads a window of the log per step and moves its
 * checkpoint past what it skips (runner.ts): it sees every event of its types, in order, once —
 * however many others lie between them — and catches up to the head, on both databases.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/events/envelope.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { checkpoints, SubscriberRunner, type Subscriber } from '../../src/subscribers/runner.js';
import { readHead } from '../../src/store/event-store.js';
import { tempDatabase, type TempDatabase } from '../support/server.js';

const ctx = { actor: 'test', requestId: 'typed' };
let temp: TempDatabase;
let ledger: Ledger;

beforeEach(async () => {
  temp = await tempDatabase();
  ledger = new Ledger(temp.database);
});
afterEach(() => temp.dispose());

function recording(): { subscriber: Subscriber; seen: number[] } {
  const seen: number[] = [];
  const subscriber: Subscriber = {
    name: 'typed-test',
    types: ['AccountUpdated'],
    apply: async (_trx, events: StoredEvent[]) => {
      for (const event of events) {
        expect(event.type).toBe('AccountUpdated');
        seen.push(event.position);
      }
    },
    drop: async () => undefined,
  };
  return { subscriber, seen };
}

describe('a typed subscriber', () => {
  it('sees each event of its types once, across windows of other events, and reaches the head', async () => {
    const open = (code: string) =>
      ledger.openAccount(
        { code, name: code, type: 'ASSET', currency: 'USD', effectiveAt: '2025-01-01T00:00:00Z' },
        ctx,
      );
    await open('assets:a');
    await open('equity:b');
    // Long runs of postings (other types) between the updates: more than a window of a batch of 2.
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 30; i++)
        await ledger.transfer(
          { idempotencyKey: `t${round}-${i}`, debitAccount: 'assets:a', creditAccount: 'equity:b', amount: '1.00' },
          ctx,
        );
      await ledger.updateAccount({ code: 'assets:a', name: `a${round}` }, ctx);
    }
    for (let i = 0; i < 30; i++)
      await ledger.transfer(
        { idempotencyKey: `tail-${i}`, debitAccount: 'assets:a', creditAccount: 'equity:b', amount: '1.00' },
        ctx,
      );
    const { subscriber, seen } = recording();
    const runner = new SubscriberRunner(temp.database, ledger.commits, [subscriber], { batchSize: 2 });
    await runner.catchUp();
    const db = temp.database.db;
    // In log order: without ORDER BY, PostgreSQL returns heap order, which a small row slotted
    // into an earlier page's free space can break.
    const updates = await db
      .selectFrom('events')
      .select('position')
      .where('type', '=', 'AccountUpdated')
      .orderBy('position')
      .execute();
    expect(seen).toEqual(updates.map((row) => Number(row.position)));
    expect(seen).toHaveLength(3);
    const head = (await readHead(db))!.position;
    expect((await checkpoints(db, 'typed-test'))[0]!.position).toBe(head);
    // A rebuild reads them again into a new generation, once each.
    seen.length = 0;
    await runner.rebuild('typed-test');
    expect(seen).toEqual(updates.map((row) => Number(row.position)));
  });
});
