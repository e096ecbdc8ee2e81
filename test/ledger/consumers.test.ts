/**
 * Durable consumers against a real database (issue 21, point 3): leases, redelivery after the
 * ack window, acks that settle a batch through a position, the committed cursor and the lag.
 * Time is passed in, so windows are exact without sleeping.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AckBeyondHandedOut,
  ConsumerAlreadyExists,
  ConsumerNotFound,
  ValidationError,
} from '../../src/domain/errors.js';
import type { EventFilterInput } from '../../src/domain/event-filter.js';
import {
  ackConsumer,
  createConsumer,
  deleteConsumer,
  getConsumer,
  listConsumers,
  pullConsumer,
} from '../../src/ledger/consumers.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { tempDatabase, type TempDatabase } from '../support/server.js';

const ctx = { actor: 'test', requestId: 'consumers' };
const WINDOW = 30_000;
const T0 = Date.parse('2026-06-01T00:00:00Z');
let temp: TempDatabase;
let ledger: Ledger;

beforeEach(async () => {
  temp = await tempDatabase();
  ledger = new Ledger(temp.database);
  await ledger.openAccount({ code: 'assets:cash', name: 'C', type: 'ASSET', currency: 'USD' }, ctx);
  await ledger.openAccount({ code: 'assets:watched', name: 'W', type: 'ASSET', currency: 'USD' }, ctx);
  await ledger.openAccount({ code: 'equity:owner', name: 'O', type: 'EQUITY', currency: 'USD' }, ctx);
});
afterEach(() => temp.dispose());

const transfer = (key: string, from = 'assets:cash') =>
  ledger.transfer({ idempotencyKey: key, debitAccount: from, creditAccount: 'equity:owner', amount: '1.00' }, ctx);
const create = (name: string, filter: EventFilterInput = {}, startPosition = 0, ackTimeoutMs: number | null = null) =>
  createConsumer(temp.database, { name, filter, startPosition, ackTimeoutMs }, 'test', new Date(T0).toISOString());
const pull = (name: string, first: number, at = T0) => pullConsumer(temp.database, name, first, WINDOW, at);
const ack = (name: string, position: number) => ackConsumer(temp.database, name, position);
const head = async () => (await ledger.store.head())!.position;
const positions = (batch: { events: Array<{ position: number }> }) => batch.events.map((e) => e.position);

describe('a consumer', () => {
  it('hands out each event once per window, in order, and leases what it handed out', async () => {
    for (let i = 0; i < 3; i++) await transfer(`t-${i}`);
    await create('all');
    const a = await pull('all', 4);
    const b = await pull('all', 4);
    expect(positions(a)).toEqual([1, 2, 3, 4]);
    expect(positions(b)).toEqual([5, 6, 7, 8]);
    expect(a).toMatchObject({ throughPosition: 4, deliveries: 1, leaseExpiresAt: new Date(T0 + WINDOW).toISOString() });
    const c = await pull('all', 4);
    expect(positions(c)).toEqual([9]);
    // Nothing more within the window: nothing is handed out twice.
    expect(await pull('all', 4, T0 + WINDOW - 1)).toMatchObject({ events: [], throughPosition: null, deliveries: 0 });
    const view = (await getConsumer(temp.database.db, 'all'))!;
    expect(view).toMatchObject({ cursor: 0, handedOutThrough: 9, inFlight: 3, head: 9 });
  });

  it('hands an unacknowledged batch out again once its window has passed, oldest first, in part if asked', async () => {
    for (let i = 0; i < 3; i++) await transfer(`t-${i}`);
    await create('redo');
    await pull('redo', 5); // 1..5
    await pull('redo', 4); // 6..9
    await ack('redo', 9);
    expect(positions(await pull('redo', 5, T0 + WINDOW - 1))).toEqual([]);
    const again = await pull('redo', 3, T0 + WINDOW);
    expect(positions(again)).toEqual([1, 2, 3]);
    expect(again).toMatchObject({ deliveries: 2, leaseExpiresAt: new Date(T0 + 2 * WINDOW).toISOString() });
    // The rest of that batch stays due: the next pull takes it, not new events.
    await transfer('later');
    expect(positions(await pull('redo', 10, T0 + WINDOW))).toEqual([4, 5]);
    expect(positions(await pull('redo', 10, T0 + WINDOW))).toEqual([10, 11]);
  });

  it('an ack settles its batch through the position; the cursor moves past settled batches only', async () => {
    for (let i = 0; i < 3; i++) await transfer(`t-${i}`);
    await create('acks');
    await pull('acks', 3); // 1..3, held by one puller
    await pull('acks', 3); // 4..6, held by another
    // The second puller acks its batch: the first batch is not acknowledged for it.
    expect(await ack('acks', 6)).toMatchObject({ cursor: 0, inFlight: 1 });
    expect(positions(await pull('acks', 10, T0 + WINDOW))).toEqual([1, 2, 3]);
    // Acking within a batch: the part after the position stays leased.
    expect(await ack('acks', 2)).toMatchObject({ cursor: 2, inFlight: 1 });
    expect(positions(await pull('acks', 10, T0 + 3 * WINDOW))).toEqual([3]);
    expect(await ack('acks', 3)).toMatchObject({ cursor: 6, inFlight: 0 });
    // Acks never move the cursor back, and acking again changes nothing.
    expect(await ack('acks', 1)).toMatchObject({ cursor: 6 });
    expect(await ack('acks', 6)).toMatchObject({ cursor: 6 });
    expect(await ack('acks', 0)).toMatchObject({ cursor: 6 });
  });

  it('refuses an ack past what was handed out, and changes nothing', async () => {
    await transfer('t');
    await create('ahead');
    await pull('ahead', 2);
    await expect(ack('ahead', 3)).rejects.toThrow(AckBeyondHandedOut);
    await expect(ack('ahead', 3)).rejects.toMatchObject({ position: 3, handedOutThrough: 2 });
    expect(await getConsumer(temp.database.db, 'ahead')).toMatchObject({ cursor: 0, inFlight: 1, handedOutThrough: 2 });
  });

  it('delivers only what its filter matches, moves past the rest, and reports its lag', async () => {
    for (let i = 0; i < 4; i++) await transfer(`c-${i}`);
    await transfer('w-1', 'assets:watched');
    await create('watched', { accountPrefix: 'assets:watched' }, 3);
    const batch = await pull('watched', 10);
    expect(batch.events.map((e) => e.streamId)).toEqual(['account:assets:watched', 'account:equity:owner']);
    expect(positions(batch)).toEqual([(await head()) - 1, await head()]);
    expect(await getConsumer(temp.database.db, 'watched')).toMatchObject({ cursor: 3, head: await head() });
    await ack('watched', batch.throughPosition!);
    await transfer('c-more');
    // Nothing matches after the ack: an empty pull moves the cursor past what it read.
    expect((await getConsumer(temp.database.db, 'watched'))!.cursor).toBe((await head()) - 2);
    expect(positions(await pull('watched', 10))).toEqual([]);
    const [listed] = await listConsumers(temp.database.db);
    expect(listed).toMatchObject({ name: 'watched', cursor: await head(), head: await head(), inFlight: 0 });
  });

  it('a pull that finds nothing across a long stretch still moves on, and the next goes on from there', async () => {
    for (let batch = 0; batch < 3; batch++) {
      const inputs = Array.from({ length: 1000 }, (_, i) => ({
        idempotencyKey: `bulk-${batch}-${i}`,
        entries: [
          { account: 'assets:cash', direction: 'DEBIT' as const, amount: '1.00' },
          { account: 'equity:owner', direction: 'CREDIT' as const, amount: '1.00' },
        ],
      }));
      await ledger.postTransactions(inputs, ctx, { atomic: true });
    }
    await transfer('needle', 'assets:watched');
    await create('needle', { types: ['TransactionPosted'], accountPrefix: 'assets:watched' });
    // 6,005 events: one pull reads at most 5,000 rows, the second reaches the needle.
    expect(positions(await pull('needle', 1))).toEqual([]);
    expect((await getConsumer(temp.database.db, 'needle'))!.cursor).toBe(5000);
    expect(positions(await pull('needle', 1))).toEqual([(await head()) - 1]);
  });

  it('keeps its own ack window', async () => {
    await transfer('t');
    await create('quick', {}, 0, 500);
    const batch = await pull('quick', 1);
    expect(batch.leaseExpiresAt).toBe(new Date(T0 + 500).toISOString());
    expect(positions(await pull('quick', 1, T0 + 500))).toEqual([1]);
  });
});

describe('refusals', () => {
  it('a name taken, an unknown consumer, a start past the head', async () => {
    await create('one');
    await expect(create('one')).rejects.toThrow(ConsumerAlreadyExists);
    await expect(pull('nobody', 1)).rejects.toThrow(ConsumerNotFound);
    await expect(ack('nobody', 1)).rejects.toThrow(ConsumerNotFound);
    await expect(deleteConsumer(temp.database, 'nobody')).rejects.toThrow(ConsumerNotFound);
    await expect(create('future', {}, (await head()) + 1)).rejects.toThrow(ValidationError);
    expect((await listConsumers(temp.database.db)).map((c) => c.name)).toEqual(['one']);
  });

  it('deleting a consumer removes its leases; the name can be taken again', async () => {
    await transfer('t');
    await create('gone');
    await pull('gone', 2);
    await deleteConsumer(temp.database, 'gone');
    expect(await temp.database.db.selectFrom('consumer_leases').selectAll().execute()).toEqual([]);
    await create('gone');
    expect(positions(await pull('gone', 2))).toEqual([1, 2]);
  });
});
