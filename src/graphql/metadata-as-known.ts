/** `metadata(knownAt)` on Account and Transaction (issue 19, point 3). */
import DataLoader from 'dataloader';
import type { JsonObject } from '../domain/json.js';
import { metadataKnownAt, type MetadataSubject } from '../ledger/metadata-history.js';
import { positionKnownAt } from '../ledger/queries.js';
import type { GraphQLContext } from './builder.js';

/**
 * What one request has looked up: the position each knownAt stands for, and a loader per subject
 * and position, so `metadata(knownAt)` on every node of a page is one query, not one per node.
 */
interface Lookups {
  positions: Map<string, Promise<number>>;
  loaders: Map<string, DataLoader<string, JsonObject | null>>;
}
const requests = new WeakMap<GraphQLContext, Lookups>();

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
  const [kind, id]: [MetadataSubject, string] =
    'account' in subject ? ['account', subject.account] : ['transaction', subject.transaction];
  const lookups = requests.get(ctx) ?? { positions: new Map(), loaders: new Map() };
  requests.set(ctx, lookups);
  const db = ctx.ledger.database.db;
  const at = await once(lookups.positions, knownAt, () => positionKnownAt(db, knownAt));
  const loader = once(
    lookups.loaders,
    `${kind} ${at}`,
    () =>
      new DataLoader(async (ids: readonly string[]) => {
        const known = await metadataKnownAt(db, kind, ids, at);
        return ids.map((one) => known.get(one) ?? null);
      }),
  );
  return loader.load(id);
}

/** The value under `key`, made the first time it is asked for. */
function once<V>(map: Map<string, V>, key: string, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}
