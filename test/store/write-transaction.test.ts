/**
 * A write transaction commits whole or not at all, on either storage. On SQLite the writes of a
 * transaction are sent to the writer thread without waiting for each answer (sqlite-threads.ts,
 * deferWrites): a write that fails there must still fail the transaction — the next read or the
 * COMMIT answers with its error — and leave nothing behind, nor poison the next transaction.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Db } from '../../src/store/db.js';
import { tempDatabase, type TempDatabase } from '../support/server.js';

let temp: TempDatabase;
let database: Database;

beforeAll(async () => {
  temp = await tempDatabase();
  database = temp.database;
});
afterAll(() => temp.dispose());

const key = (name: string) => ({
  name,
  role: 'reader' as const,
  key_hash: `hash-${name}`,
  key_prefix: 'ink',
  created_at: '2026-12-02T00:00:00.000Z',
  created_by: 'test',
  expires_at: null,
  revoked_at: null,
});
const insert = (trx: Db, name: string) => trx.insertInto('api_keys').values(key(name)).execute();
const names = async () =>
  (await database.db.selectFrom('api_keys').select('name').where('name', 'like', 'wt-%').orderBy('name').execute()).map(
    (r) => r.name,
  );

describe('a write transaction', () => {
  it('commits every write it made', async () => {
    await database.write(async (trx) => {
      for (const name of ['wt-a', 'wt-b', 'wt-c']) await insert(trx, name);
    });
    expect(await names()).toEqual(['wt-a', 'wt-b', 'wt-c']);
  });

  it('fails whole when a write in its middle fails, and the error is that write’s', async () => {
    const failed = database.write(async (trx) => {
      await insert(trx, 'wt-d');
      await insert(trx, 'wt-a'); // the primary key refuses it
      await insert(trx, 'wt-e');
    });
    await expect(failed).rejects.toThrow(/unique|primary key|duplicate/i);
    expect(await names()).toEqual(['wt-a', 'wt-b', 'wt-c']);
  });

  it('answers a read after a failed write with that failure', async () => {
    let read = false;
    const failed = database.write(async (trx) => {
      await insert(trx, 'wt-a');
      await trx.selectFrom('api_keys').select('name').execute();
      read = true;
    });
    await expect(failed).rejects.toThrow(/unique|primary key|duplicate/i);
    expect(read).toBe(false);
  });

  it('is not poisoned by the failure of the one before', async () => {
    await expect(database.write((trx) => insert(trx, 'wt-b'))).rejects.toThrow();
    await database.write((trx) => insert(trx, 'wt-f'));
    expect(await names()).toEqual(['wt-a', 'wt-b', 'wt-c', 'wt-f']);
  });

  it('rolls back what it wrote when its own work throws', async () => {
    await expect(
      database.write(async (trx) => {
        await insert(trx, 'wt-g');
        throw new Error('changed its mind');
      }),
    ).rejects.toThrow('changed its mind');
    expect(await names()).toEqual(['wt-a', 'wt-b', 'wt-c', 'wt-f']);
  });

  it('waits for the disk unless it says it may be lost (a subscriber batch), and only for itself', async () => {
    // SQLite: synchronous 2 = FULL (the commit syncs the WAL), 1 = NORMAL; PostgreSQL: synchronous_commit.
    const syncs = (trx: Db) =>
      database.dialect === 'sqlite'
        ? sql<{ synchronous: number }>`PRAGMA synchronous`.execute(trx).then((r) => String(r.rows[0]!.synchronous))
        : sql<{ synchronous_commit: string }>`SHOW synchronous_commit`
            .execute(trx)
            .then((r) => r.rows[0]!.synchronous_commit);
    const [durable, lossy] = database.dialect === 'sqlite' ? ['2', '1'] : ['on', 'off'];
    expect(await database.write(syncs)).toBe(durable);
    expect(await database.write(syncs, { lock: 'wt-lossy', durable: false })).toBe(lossy);
    expect(await database.write(syncs)).toBe(durable);
    await database.write((trx) => insert(trx, 'wt-h'), { durable: false });
    expect(await names()).toEqual(['wt-a', 'wt-b', 'wt-c', 'wt-f', 'wt-h']);
  });
});
