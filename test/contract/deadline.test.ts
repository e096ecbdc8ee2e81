/**
 * Reads have deadlines (issue 17): a read whose request runs out of time is stopped where it
 * runs — its SQLite reader thread terminated and replaced, its PostgreSQL statement cancelled —
 * and the event loop stays free while any read runs. Writes never look at a deadline.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadlineExceeded, withDeadline } from '../../src/store/deadline.js';
import { TEST_DIALECT, tempDatabase, type TempDatabase } from '../support/server.js';

/** A statement that never ends by itself. */
const endless =
  TEST_DIALECT === 'sqlite'
    ? sql<{ n: number }>`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) AS n FROM c`
    : sql<{ n: number }>`SELECT pg_sleep(600) AS n`;

let temp: TempDatabase;
beforeAll(async () => {
  temp = await tempDatabase();
});
afterAll(() => temp.dispose());

/** The worst delay of a 10 ms timer over `rounds` rounds: how long the event loop was held. */
async function loopLag(rounds: number): Promise<number> {
  let worst = 0;
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 10));
    worst = Math.max(worst, performance.now() - start - 10);
  }
  return worst;
}

const runningSleeps = async () =>
  (
    await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(600)%' AND state = 'active'`.execute(
      temp.database.db,
    )
  ).rows[0]!.n;

describe(`read deadlines (${TEST_DIALECT})`, () => {
  it('stops a read at its deadline while the event loop and other reads go on', async () => {
    const db = temp.database.db;
    const controller = new AbortController();
    const read = withDeadline(controller.signal, () => endless.execute(db));
    const settled = read.then(
      () => 'finished',
      (error: unknown) => error,
    );
    expect(await loopLag(10)).toBeLessThan(50);
    // Another read is served meanwhile.
    expect(await db.selectFrom('events').select('position').limit(1).execute()).toEqual([]);
    if (TEST_DIALECT === 'postgres') expect(await runningSleeps()).toBe(1);

    const abandonedAt = performance.now();
    controller.abort();
    const outcome = await settled;
    expect(outcome).toBeInstanceOf(DeadlineExceeded);
    expect(performance.now() - abandonedAt).toBeLessThan(2000);
    if (TEST_DIALECT === 'postgres') await expect.poll(runningSleeps, { timeout: 5000 }).toBe(0);

    // The pool serves reads again (on SQLite, from a fresh thread in place of the terminated one).
    for (let i = 0; i < 4; i++) expect(await db.selectFrom('events').select('position').limit(1).execute()).toEqual([]);
  });

  it('refuses a read whose deadline has already passed, before it runs', async () => {
    await expect(
      withDeadline(AbortSignal.abort(), () => temp.database.db.selectFrom('events').selectAll().execute()),
    ).rejects.toBeInstanceOf(DeadlineExceeded);
  });

  it('never abandons a write, even one queued by a request out of time', async () => {
    const written = await withDeadline(AbortSignal.abort(), () =>
      temp.database.write(async (trx) => {
        await trx
          .insertInto('subscribers')
          .values({
            name: 'deadline-test',
            generation: 1,
            position: 0,
            active: 1,
            started_at: new Date().toISOString(),
          })
          .execute();
        return (await trx.selectFrom('subscribers').select('name').where('name', '=', 'deadline-test').execute())
          .length;
      }),
    );
    expect(written).toBe(1);
  });
});
