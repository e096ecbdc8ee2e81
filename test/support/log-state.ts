/** What a refused request must leave untouched: the number of events and the head of the hash chain. */
import type { Db } from '../../src/store/db.js';

export async function logState(db: Db): Promise<{ events: number; headHash: string | null }> {
  const count = await db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  const head = await db.selectFrom('events').select('hash').orderBy('position', 'desc').limit(1).executeTakeFirst();
  return { events: Number(count.n), headHash: head?.hash ?? null };
}
