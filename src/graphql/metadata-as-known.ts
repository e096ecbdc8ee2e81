/** `metadata(knownAt)` on Account and Transaction (issue 19, point 3). */
import type { JsonObject } from '../domain/json.js';
import { metadataKnownAt } from '../ledger/metadata-history.js';
import { positionKnownAt } from '../ledger/queries.js';
import type { GraphQLContext } from './builder.js';

/**
 * `metadata(knownAt)` of an account or transaction: as the view has it without knownAt (now, or
 * the position a search read), otherwise as the log knew it then (null before it existed).
 */
export async function metadataAsKnown(
  ctx: GraphQLContext,
  subject: { account: string } | { transaction: string },
  knownAt: string | null | undefined,
  current: JsonObject | null,
): Promise<JsonObject | null> {
  if (knownAt == null || knownAt >= ctx.now) return current;
  const db = ctx.ledger.database.db;
  return (await metadataKnownAt(db, subject, await positionKnownAt(db, knownAt))) ?? null;
}
