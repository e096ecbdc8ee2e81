/**
 * A write with `deferStatements` (store/deferred-statements.ts) on a real PostgreSQL server: the
 * statements whose answer nobody reads travel with the next one that is read, yet every value
 * lands exactly as sent, an error anywhere fails the transaction whole and leaves the connection
 * clean, and the lock is held from the first read to the commit.
 */
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database, Db } from '../../src/store/db.js';
import { inline } from '../../src/store/deferred-statements.js';
import { openPostgres } from '../../src/store/postgres.js';
import { StorageFault } from '../../src/store/storage-fault.js';
import { throwawayPostgresDatabase } from '../support/server.js';

const DEFERRED = { deferStatements: true };

let url: string;
let drop: () => Promise<void>;
let database: Database;

/** Every query text pg sends, in order (a spy on the real client; the server answers them all). */
const sent: string[] = [];
const query = pg.Client.prototype.query;

beforeAll(async () => {
  // Before any connection opens: each one binds the prototype's query when it connects.
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    if (typeof args[0] === 'string') sent.push(args[0]);
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  ({ url, drop } = await throwawayPostgresDatabase('deferred'));
  // One connection: a transaction left open or aborted on it would break the next write.
  database = openPostgres(url, { poolSize: 1, lockTimeoutMs: 300 });
  await sql`CREATE TABLE notes (id int PRIMARY KEY, body text, amount numeric, flag boolean)`.execute(database.db);
  await sql`CREATE TABLE late (id int UNIQUE DEFERRABLE INITIALLY DEFERRED)`.execute(database.db);
});

beforeEach(async () => {
  await sql`TRUNCATE notes, late`.execute(database.db);
  sent.length = 0;
});

afterAll(async () => {
  pg.Client.prototype.query = query;
  await database?.close();
  await drop?.();
});

interface Tables {
  notes: { id: number; body: string | null; amount?: string | null; flag?: boolean | null };
  late: { id: number };
}
/** This file's own tables, beside the ledger's. */
const t = (db: Db) => db as unknown as Kysely<Tables>;
const notes = (db: Db) => t(db).selectFrom('notes').selectAll().orderBy('id').execute();

describe('a deferred write', () => {
  it('sends BEGIN, the lock and its writes with the statements it reads: two round trips', async () => {
    const seen = await database.write(async (trx) => {
      for (let id = 1; id <= 3; id++)
        await t(trx)
          .insertInto('notes')
          .values({ id, body: `n${id}` })
          .execute();
      return (await notes(trx)).length;
    }, DEFERRED);
    // The read sees the writes held before it: they went first, in the same round trip.
    expect(seen).toBe(3);
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatch(/^begin;\nSET LOCAL lock_timeout[\s\S]*insert into "notes"[\s\S]*select \* from "notes"/);
    expect(sent[1]).toMatch(/^commit$/);
    expect(await notes(database.db)).toHaveLength(3);
  });

  it('sends writes that are never read with the COMMIT', async () => {
    await database.write(async (trx) => {
      await t(trx).insertInto('notes').values({ id: 1, body: 'a' }).execute();
    }, DEFERRED);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/^begin;[\s\S]*insert into "notes"[\s\S]*;\ncommit$/);
    expect(await notes(database.db)).toEqual([{ id: 1, body: 'a', amount: null, flag: null }]);
  });

  it('writes every value exactly as a parameter would (quotes, backslashes, $n, E-string escapes, Unicode)', async () => {
    const text = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\0'));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(text, fc.boolean()), { minLength: 1, maxLength: 5 }), async (rows) => {
        await sql`TRUNCATE notes`.execute(database.db);
        const values = rows.map(([body, flag], id) => ({ id, body, amount: `${id}.50`, flag }));
        await database.write(async (trx) => {
          await t(trx).insertInto('notes').values(values).execute();
        }, DEFERRED);
        const stored = await notes(database.db);
        expect(stored).toEqual(values.map((v) => ({ ...v, body: Buffer.from(v.body).toString() })));
      }),
      { numRuns: 60 },
    );
    await sql`TRUNCATE notes`.execute(database.db);
    const hostile = ["'); DROP TABLE notes; --", '\\', "\\'", '$1', "E'\\x41'", '\\n', "''", 'ü€𝄞'];
    await database.write(async (trx) => {
      await t(trx)
        .insertInto('notes')
        .values(hostile.map((body, id) => ({ id, body })))
        .execute();
    }, DEFERRED);
    expect((await notes(database.db)).map((row) => (row as { body: string }).body)).toEqual(hostile);
  });

  it('fails whole when a held statement fails, and leaves the connection clean', async () => {
    await database.write(async (trx) => {
      await t(trx).insertInto('notes').values({ id: 1, body: 'first' }).execute();
    }, DEFERRED);
    const failing = database.write(async (trx) => {
      await t(trx).insertInto('notes').values({ id: 2, body: 'lost' }).execute();
      await t(trx).insertInto('notes').values({ id: 1, body: 'duplicate' }).execute();
      await t(trx).insertInto('notes').values({ id: 3, body: 'lost too' }).execute();
    }, DEFERRED);
    await expect(failing).rejects.toMatchObject({ code: '23505' });
    expect(await notes(database.db)).toEqual([{ id: 1, body: 'first', amount: null, flag: null }]);
    // The one connection is back in the pool outside any transaction: the next write commits.
    await database.write(async (trx) => {
      await t(trx).insertInto('notes').values({ id: 4, body: 'next' }).execute();
    }, DEFERRED);
    expect(await notes(database.db)).toHaveLength(2);
  });

  it('rolls back a transaction whose COMMIT fails, and leaves the connection clean', async () => {
    const failing = database.write(async (trx) => {
      await t(trx)
        .insertInto('late')
        .values([{ id: 1 }, { id: 1 }])
        .execute();
      await t(trx).insertInto('notes').values({ id: 1, body: 'lost' }).execute();
    }, DEFERRED);
    // A deferred unique constraint is checked at the COMMIT.
    await expect(failing).rejects.toMatchObject({ code: '23505' });
    expect(sent.at(-1)).toBe('rollback');
    expect(await notes(database.db)).toEqual([]);
    await database.write(async (trx) => {
      await t(trx).insertInto('late').values({ id: 1 }).execute();
    }, DEFERRED);
    expect(await t(database.db).selectFrom('late').selectAll().execute()).toEqual([{ id: 1 }]);
  });

  it('sends nothing at all for work that fails before its first read', async () => {
    const failing = database.write(async (trx) => {
      await t(trx).insertInto('notes').values({ id: 1, body: 'never sent' }).execute();
      throw new Error('refused');
    }, DEFERRED);
    await expect(failing).rejects.toThrow('refused');
    expect(sent).toEqual([]);
    expect(await notes(database.db)).toEqual([]);
  });

  it('sends a value pg cannot put in a query text (a NUL) as a parameter, after what was held', async () => {
    const failing = database.write(async (trx) => {
      await t(trx).insertInto('notes').values({ id: 1, body: 'held' }).execute();
      await t(trx).insertInto('notes').values({ id: 2, body: 'a\0b' }).execute();
    }, DEFERRED);
    // PostgreSQL refuses a NUL in text, as it does without deferring; nothing is written.
    await expect(failing).rejects.toMatchObject({ code: '22021' });
    expect(await notes(database.db)).toEqual([]);
  });

  it('holds the write lock from its first read until the commit', async () => {
    let release!: () => void;
    const latch = new Promise<void>((resolve) => {
      release = resolve;
    });
    let read!: () => void;
    const hasRead = new Promise<void>((resolve) => {
      read = resolve;
    });
    const other = openPostgres(url, { poolSize: 1, lockTimeoutMs: 300 });
    try {
      const holding = database.write(async (trx) => {
        await notes(trx);
        read();
        await latch;
        await t(trx).insertInto('notes').values({ id: 1, body: 'held' }).execute();
      }, DEFERRED);
      await hasRead;
      const waiting = other.write(async (trx) => notes(trx), DEFERRED);
      await expect(waiting).rejects.toSatisfy((e) => e instanceof StorageFault && e.fault === 'STORAGE_LOCKED');
      release();
      await holding;
      expect(await other.write(async (trx) => notes(trx), DEFERRED)).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});

describe('inline', () => {
  it('writes each $n as its value, $10 apart from $1', () => {
    const values = Array.from({ length: 11 }, (_, i) => `v${i + 1}`);
    const text = Array.from({ length: 11 }, (_, i) => `$${i + 1}`).join(',');
    expect(inline(text, values)).toBe(values.map((v) => `E'${v}'`).join(','));
  });

  it('writes null as NULL and numbers, bigints and booleans as quoted text, as pg sends them', () => {
    expect(inline('$1 $2 $3 $4 $5', [null, undefined, 12.5, 9007199254740993n, true])).toBe(
      "NULL NULL '12.5' '9007199254740993' 'true'",
    );
  });

  it('leaves a $n inside a quoted string or identifier alone', () => {
    expect(inline(`select '$1', 'it''s $2', "col$1", $1, $2`, ['a', 'b'])).toBe(
      `select '$1', 'it''s $2', "col$1", E'a', E'b'`,
    );
  });

  it('escapes quotes and backslashes', () => {
    expect(inline('$1', ["it's \\ a"])).toBe("E'it''s \\\\ a'");
  });

  it('answers null for a value it does not write (a NUL, an object, a Buffer, a Date)', () => {
    for (const value of ['a\0', { a: 1 }, Buffer.from('x'), new Date(0)]) expect(inline('$1', [value])).toBeNull();
  });
});
