/**
 * The contract every event-store backend must pass. A backend's test file calls
 * `eventStoreContract(name, open)` with a factory for a fresh, migrated database.
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConcurrencyConflict } from '../../src/domain/errors.js';
import { GENESIS_HASH, chainHash } from '../../src/events/envelope.js';
import type { Database } from '../../src/store/db.js';
import { EventStore, type NewEvent } from '../../src/store/event-store.js';

export interface OpenedDatabase {
  database: Database;
  dispose(): Promise<void>;
}

const event = (n: number, extra: Partial<NewEvent> = {}): NewEvent => ({
  type: 'TestEvent',
  schemaVersion: 1,
  data: JSON.stringify({ n }),
  metadata: '{"actor":"contract"}',
  effectiveAt: '2026-01-01T00:00:00.000Z',
  transactionId: null,
  ...extra,
});

export function eventStoreContract(backend: string, open: () => Promise<OpenedDatabase>): void {
  describe(`event store contract: ${backend}`, () => {
    let opened: OpenedDatabase;
    let clockValue: Date;
    let store: EventStore;

    beforeEach(async () => {
      opened = await open();
      clockValue = new Date('2026-06-01T12:00:00.000Z');
      store = new EventStore(opened.database, () => clockValue);
    });
    afterEach(() => opened.dispose());

    const all = async () => {
      const events = [];
      for await (const e of store.readAll()) events.push(e);
      return events;
    };

    it('appends to a new stream with versions from 1 and gap-free positions from 1', async () => {
      const stored = await store.append([{ streamId: 's1', expectedVersion: 0, events: [event(1), event(2)] }]);
      expect(stored.map((e) => [e.position, e.version])).toEqual([
        [1, 1],
        [2, 2],
      ]);
      expect(stored.every((e) => e.recordedAt === '2026-06-01T12:00:00.000Z')).toBe(true);
      expect(await store.readStream('s1')).toEqual(stored);
    });

    it('appends to several streams in one transaction, checking each expected version', async () => {
      await store.append([{ streamId: 'a', expectedVersion: 0, events: [event(1)] }]);
      const stored = await store.append([
        { streamId: 'a', expectedVersion: 1, events: [event(2)] },
        { streamId: 'b', expectedVersion: 0, events: [event(3), event(4)] },
      ]);
      expect(stored.map((e) => `${e.streamId}@${e.version}#${e.position}`)).toEqual(['a@2#2', 'b@1#3', 'b@2#4']);
    });

    it('writes nothing of a batch when one stream conflicts, and names stream, expected and actual version', async () => {
      await store.append([{ streamId: 'a', expectedVersion: 0, events: [event(1), event(2)] }]);
      const attempt = store.append([
        { streamId: 'b', expectedVersion: 0, events: [event(3)] },
        { streamId: 'a', expectedVersion: 1, events: [event(4)] },
      ]);
      await expect(attempt).rejects.toBeInstanceOf(ConcurrencyConflict);
      await expect(attempt).rejects.toMatchObject({ stream: 'a', expectedVersion: 1, actualVersion: 2 });
      expect((await all()).map((e) => e.position)).toEqual([1, 2]);
      expect(await store.readStream('b')).toEqual([]);
      // The failed batch leaves no gap.
      const next = await store.append([{ streamId: 'b', expectedVersion: 0, events: [event(5)] }]);
      expect(next[0]!.position).toBe(3);
    });

    it('lets exactly one of many concurrent appends at the same expected version win', async () => {
      await store.append([{ streamId: 'hot', expectedVersion: 0, events: [event(0)] }]);
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          store.append([{ streamId: 'hot', expectedVersion: 1, events: [event(i)] }]),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConcurrencyConflict);
      expect((await store.readStream('hot')).map((e) => e.version)).toEqual([1, 2]);
    });

    it('never records an event earlier than the log head, even when the clock steps back', async () => {
      await store.append([{ streamId: 'a', expectedVersion: 0, events: [event(1)] }]);
      clockValue = new Date('2026-05-01T00:00:00.000Z');
      const [later] = await store.append([{ streamId: 'a', expectedVersion: 1, events: [event(2)] }]);
      expect(later!.recordedAt).toBe('2026-06-01T12:00:00.000Z');
      clockValue = new Date('2026-07-01T00:00:00.000Z');
      const [after] = await store.append([{ streamId: 'a', expectedVersion: 2, events: [event(3)] }]);
      expect(after!.recordedAt).toBe('2026-07-01T00:00:00.000Z');
    });

    it('reads a stream between two versions', async () => {
      await store.append([{ streamId: 's', expectedVersion: 0, events: [1, 2, 3, 4, 5].map((n) => event(n)) }]);
      expect((await store.readStream('s', { fromVersion: 2, toVersion: 4 })).map((e) => e.version)).toEqual([2, 3, 4]);
      expect((await store.readStream('s', { fromVersion: 5 })).map((e) => e.version)).toEqual([5]);
      expect(await store.readStream('unknown')).toEqual([]);
    });

    it('reads the whole log from a position in batches, in position order', async () => {
      for (let i = 0; i < 7; i++)
        await store.append([{ streamId: `s${i % 3}`, expectedVersion: Math.floor(i / 3), events: [event(i)] }]);
      const seen = [];
      for await (const e of store.readAll(2, 2)) seen.push(e.position);
      expect(seen).toEqual([3, 4, 5, 6, 7]);
    });

    it('chains every event to the previous one by hash', async () => {
      await store.append([{ streamId: 'a', expectedVersion: 0, events: [event(1), event(2)] }]);
      await store.append([{ streamId: 'b', expectedVersion: 0, events: [event(3, { transactionId: 'tx' })] }]);
      let previous = GENESIS_HASH;
      for (const e of await all()) {
        const { hash, ...rest } = e;
        expect(hash).toBe(chainHash(previous, rest));
        previous = hash;
      }
      expect((await store.head())?.hash).toBe(previous);
    });

    it('stores payloads byte for byte', async () => {
      const data = '{"b":1,"a":"é ✓ \\u0000"}';
      await store.append([{ streamId: 'bytes', expectedVersion: 0, events: [event(0, { data })] }]);
      expect((await store.readStream('bytes'))[0]!.data).toBe(data);
    });

    it('refuses UPDATE and DELETE on the event table in the database itself', async () => {
      await store.append([{ streamId: 'a', expectedVersion: 0, events: [event(1)] }]);
      const { db } = opened.database;
      await expect(db.updateTable('events').set({ data: '{}' }).where('position', '=', 1).execute()).rejects.toThrow(
        /immutable/,
      );
      await expect(db.deleteFrom('events').where('position', '=', 1).execute()).rejects.toThrow(/immutable/);
      await expect(sql`DELETE FROM events`.execute(db)).rejects.toThrow(/immutable/);
      expect(await all()).toHaveLength(1);
    });

    it('refuses two requests for the same stream in one append', async () => {
      await expect(
        store.append([
          { streamId: 'a', expectedVersion: 0, events: [event(1)] },
          { streamId: 'a', expectedVersion: 0, events: [event(2)] },
        ]),
      ).rejects.toThrow(/one append request per stream/);
    });
  });
}
