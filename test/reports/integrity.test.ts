/**
 * Tamper evidence on both databases: a row changed or removed behind the API's back (the
 * refusal triggers dropped first, through a raw connection) is caught at its position, and a
 * long verification shares one pass and lets other work run between its batches.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { verifyIntegrity, verifyIntegrityShared } from '../../src/reports/integrity.js';
import type { Database } from '../../src/store/db.js';
import { books } from '../support/books.js';

async function dropRefusals(database: Database): Promise<void> {
  if (database.dialect === 'sqlite') {
    await sql`DROP TRIGGER events_no_update`.execute(database.db);
    await sql`DROP TRIGGER events_no_delete`.execute(database.db);
  } else {
    await sql`DROP TRIGGER events_no_update ON events`.execute(database.db);
  }
}

async function history() {
  const b = await books();
  for (let i = 1; i <= 6; i++)
    await b.post(`2026-01-0${i}T00:00:00Z`, 'assets:bank:checking', 'equity:capital', `${i}.25`, {
      actor: i === 3 ? 'mallory' : 'writer',
    });
  return b;
}

describe('verifyIntegrity', () => {
  it('is intact on an untouched log, and names the head', async () => {
    const b = await history();
    try {
      const report = await verifyIntegrity(b.temp.database.db);
      const head = await b.temp.database.db
        .selectFrom('events')
        .select(['position', 'hash'])
        .orderBy('position', 'desc')
        .limit(1)
        .executeTakeFirstOrThrow();
      expect(report).toEqual({
        ok: true,
        eventsChecked: Number(head.position),
        headHash: head.hash,
        firstBrokenPosition: null,
        expectedHash: null,
        actualHash: null,
      });
    } finally {
      await b.temp.dispose();
    }
  });

  it.each([
    ['an amount', (p: number) => sql`UPDATE events SET data = replace(data, '"3.25"', '"0.25"') WHERE position = ${p}`],
    [
      'the actor in the metadata',
      (p: number) => sql`UPDATE events SET metadata = replace(metadata, 'mallory', 'alice') WHERE position = ${p}`,
    ],
    [
      'the recorded time',
      (p: number) => sql`UPDATE events SET recorded_at = '2020-01-01T00:00:00.000Z' WHERE position = ${p}`,
    ],
    [
      'the effective time',
      (p: number) => sql`UPDATE events SET effective_at = '2026-01-03T00:00:01.000Z' WHERE position = ${p}`,
    ],
  ])('catches a change of %s at its position', async (_label, change) => {
    const b = await history();
    const database = b.temp.database;
    try {
      const target = await database.db
        .selectFrom('events')
        .select(['position', 'hash'])
        .where('metadata', 'like', '%mallory%')
        .orderBy('position')
        .limit(1)
        .executeTakeFirstOrThrow();
      const P = Number(target.position);
      await dropRefusals(database);
      await change(P).execute(database.db);
      const report = await verifyIntegrity(database.db);
      expect(report).toMatchObject({
        ok: false,
        eventsChecked: P - 1,
        firstBrokenPosition: P,
        actualHash: target.hash,
        headHash: null,
      });
      expect(report.expectedHash).toMatch(/^[0-9a-f]{64}$/);
      expect(report.expectedHash).not.toBe(target.hash);
    } finally {
      await b.temp.dispose();
    }
  });

  it('catches a removed event at the gap', async () => {
    const b = await history();
    const database = b.temp.database;
    try {
      await dropRefusals(database);
      await sql`DELETE FROM events WHERE position = 12`.execute(database.db);
      expect(await verifyIntegrity(database.db)).toMatchObject({
        ok: false,
        eventsChecked: 11,
        firstBrokenPosition: 13,
      });
    } finally {
      await b.temp.dispose();
    }
  });

  it('shares one pass between concurrent callers, and lets the event loop run between batches', async () => {
    const b = await history();
    const db = b.temp.database.db;
    try {
      const first = verifyIntegrityShared(db);
      expect(verifyIntegrityShared(db)).toBe(first);
      const report = await first;
      expect(report.ok).toBe(true);
      expect(verifyIntegrityShared(db)).not.toBe(first);

      let done = false;
      let turns = 0;
      const spin = () => {
        turns += 1;
        if (!done) setImmediate(spin);
      };
      setImmediate(spin);
      await verifyIntegrity(db, 2);
      done = true;
      // Synchronous SQLite reads would otherwise run the whole pass without one turn of the loop.
      expect(turns).toBeGreaterThan(3);
    } finally {
      await b.temp.dispose();
    }
  });
});
