/**
 * The categories' read models: a row per category and a row per membership change, as pure
 * functions of the category events, written in the append transaction — and by rebuild through
 * this same function, so projection and replay cannot drift.
 */
import { decodeCategoryEvent } from '../events/catalogue.js';
import type { StoredEvent } from '../events/envelope.js';
import { categoryCodeOf } from '../events/streams.js';
import type { Db } from '../store/db.js';

/** Writes what these category events (in log order) change, inside the caller's transaction. */
export async function projectCategoryEvents(trx: Db, events: readonly StoredEvent[]): Promise<void> {
  for (const stored of events) {
    const event = decodeCategoryEvent(stored);
    if (event.type === 'CategoryCreated') {
      await trx
        .insertInto('categories')
        .values({
          code: event.data.code,
          name: event.data.name,
          created_at: stored.recordedAt,
          created_position: stored.position,
          version: stored.version,
          last_position: stored.position,
        })
        .execute();
      continue;
    }
    const category = categoryCodeOf(stored.streamId);
    await trx
      .insertInto('category_memberships')
      .values({
        position: stored.position,
        category_code: category,
        account_code: event.data.account,
        child_code: event.data.childCategory,
        added: event.type === 'CategoryMemberAdded' ? 1 : 0,
        effective_at: stored.effectiveAt,
        recorded_at: stored.recordedAt,
      })
      .execute();
    await trx
      .updateTable('categories')
      .set({ version: stored.version, last_position: stored.position })
      .where('code', '=', category)
      .execute();
  }
}
