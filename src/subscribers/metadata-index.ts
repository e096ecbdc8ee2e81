/**
 * Metadata indexes (issue 19, point 2): a path declared searchable for transactions or accounts,
 * kept by a checkpointed subscriber of its own. It is built from the log, batch by batch beside
 * the writes (BUILDING until it passes the head it was declared at, then READY), and rebuilt
 * blue-green like every subscriber. Each value is stored with the positions it held between, so
 * a search pinned to any position reads the metadata as known there (ledger/metadata-filter.ts).
 * All indexes are one family: the runner steps those at the same position together, so N indexes
 * cost one read of the log and one transaction per batch, and each event is decoded once.
 */
import type { AccountEvent } from '../domain/account.js';
import { MetadataNotIndexed, ValidationError } from '../domain/errors.js';
import type { JsonObject } from '../domain/json.js';
import { MAX_METADATA_INDEXES } from '../domain/limits.js';
import { checkMetadataPath, indexedValue, valueAt, type MetadataTarget } from '../domain/metadata.js';
import { decodeAccountEvent } from '../events/catalogue.js';
import type { StoredEvent } from '../events/envelope.js';
import { accountCodeOf, isAccountStream } from '../events/streams.js';
import type { IndexRef } from '../ledger/metadata-filter.js';
import { breathe } from '../slices.js';
import { chunks, ROWS_PER_STATEMENT } from '../store/chunks.js';
import type { Database, Db } from '../store/db.js';
import { readHead } from '../store/event-store.js';
import { activeGeneration, type Subscriber } from './runner.js';

const PREFIX = 'metadata-index:';
/** The family every index belongs to (runner.ts): one follower, one lock. */
export const METADATA_INDEX_FAMILY = 'metadata-index';

export function indexName(target: MetadataTarget, path: string): string {
  return `${PREFIX}${target}:${path}`;
}

/** The events that carry each target's metadata (the others are never decoded). */
const CARRIERS: Record<MetadataTarget, ReadonlySet<string>> = {
  TRANSACTION: new Set(['TransactionPosted', 'HoldPlaced', 'TransactionMetadataUpdated']),
  ACCOUNT: new Set(['AccountOpened', 'AccountUpdated']),
};

/**
 * The events that bring a subject into being: a subject whose first change in a batch is one of
 * these has no value stored yet, so its open row is not looked up. But a posting writes one event
 * per account, at consecutive positions, and a batch may end among them: a posting that is the
 * batch's first event may have begun in the batch before (whose row is then open), so it is
 * looked up.
 */
const BIRTHS: ReadonlySet<string> = new Set(['TransactionPosted', 'HoldPlaced', 'AccountOpened']);

/** The subject an event sets the metadata of, and the whole metadata it sets; null: none. */
function carried(target: MetadataTarget, stored: StoredEvent, event: AccountEvent) {
  switch (event.type) {
    case 'TransactionPosted':
    case 'HoldPlaced':
    case 'TransactionMetadataUpdated':
      return target === 'TRANSACTION' ? { subject: event.data.transactionId, metadata: event.data.metadata } : null;
    case 'AccountOpened':
    case 'AccountUpdated':
      return target === 'ACCOUNT' ? { subject: accountCodeOf(stored.streamId), metadata: event.data.metadata } : null;
    default:
      return null;
  }
}

/** One value a subject takes at a position (undefined: the path is absent from then on). */
interface Change {
  position: number;
  value: string | undefined;
}

/**
 * Events decoded by one index, for the others of its family stepped in the same batch (the
 * runner hands them the same objects); dropped with the batch.
 */
const decoded = new WeakMap<StoredEvent, AccountEvent>();

function decodeOnce(stored: StoredEvent): AccountEvent {
  const known = decoded.get(stored);
  if (known) return known;
  const event = decodeAccountEvent(stored);
  decoded.set(stored, event);
  return event;
}

export function metadataIndexSubscriber(target: MetadataTarget, path: string): Subscriber {
  const name = indexName(target, path);
  return {
    name,
    family: METADATA_INDEX_FAMILY,
    types: [...CARRIERS[target]],
    async apply(trx, events, generation) {
      const changes = new Map<string, Change[]>();
      const born = new Set<string>();
      // A posting (or an update) writes the same data to each account it touches: decoded once.
      const lastData = new Map<string, string>();
      let first = true;
      for (const stored of events) {
        if (!isAccountStream(stored.streamId) || !CARRIERS[target].has(stored.type)) continue;
        const opensBatch = first;
        first = false;
        if (stored.transactionId !== null) {
          if (lastData.get(stored.transactionId) === stored.data) continue;
          lastData.set(stored.transactionId, stored.data);
        }
        await breathe();
        const found = carried(target, stored, decodeOnce(stored));
        if (!found) continue;
        const value = valueAt(found.metadata as JsonObject | null, path);
        let list = changes.get(found.subject);
        if (!list) {
          list = [];
          changes.set(found.subject, list);
          if (BIRTHS.has(stored.type) && !opensBatch) born.add(found.subject);
        }
        list.push({ position: stored.position, value: value === undefined ? undefined : indexedValue(value) });
      }
      await writeChanges(trx, name, generation, changes, born);
    },
    async drop(trx, generation) {
      await trx
        .deleteFrom('metadata_values')
        .where('index_name', '=', name)
        .where('generation', '=', generation)
        .execute();
    },
  };
}

/**
 * Set-based: one read of the touched subjects' open rows per chunk (but those `born` in the
 * batch: none is stored), then the rows that close and open. A posting names its metadata once
 * per account it touches: an unchanged value is no change.
 */
async function writeChanges(
  trx: Db,
  name: string,
  generation: number,
  changes: Map<string, Change[]>,
  born: ReadonlySet<string>,
) {
  const open = new Map<string, { value: string; from: number }>();
  const known = [...changes.keys()].filter((subject) => !born.has(subject));
  for (const chunk of chunks(known, ROWS_PER_STATEMENT)) {
    const rows = await trx
      .selectFrom('metadata_values')
      .select(['subject', 'value', 'from_position'])
      .where('index_name', '=', name)
      .where('generation', '=', generation)
      .where('subject', 'in', chunk)
      .where('to_position', 'is', null)
      .execute();
    for (const row of rows) open.set(row.subject, { value: row.value, from: Number(row.from_position) });
  }
  const closed: Array<{ subject: string; from: number; to: number }> = [];
  const inserted: Array<{ subject: string; value: string; from: number; to: number | null }> = [];
  for (const [subject, list] of changes) {
    const stored = open.get(subject);
    let current: { value: string; from: number; row: (typeof inserted)[number] | null } | null = stored
      ? { ...stored, row: null }
      : null;
    for (const { position, value } of list) {
      if (value === current?.value) continue;
      if (current?.row) current.row.to = position;
      else if (current) closed.push({ subject, from: current.from, to: position });
      if (value === undefined) {
        current = null;
        continue;
      }
      const row = { subject, value, from: position, to: null };
      inserted.push(row);
      current = { value, from: position, row };
    }
  }
  // Closing an open row is rare (metadata changed after it was posted): one statement each.
  for (const { subject, from, to } of closed)
    await trx
      .updateTable('metadata_values')
      .set({ to_position: to })
      .where('index_name', '=', name)
      .where('generation', '=', generation)
      .where('subject', '=', subject)
      .where('from_position', '=', from)
      .execute();
  for (const chunk of chunks(inserted, ROWS_PER_STATEMENT))
    await trx
      .insertInto('metadata_values')
      .values(
        chunk.map((row) => ({
          index_name: name,
          generation,
          subject: row.subject,
          value: row.value,
          from_position: row.from,
          to_position: row.to,
        })),
      )
      .execute();
}

export type MetadataIndexState = 'BUILDING' | 'READY';

export interface MetadataIndexView {
  target: MetadataTarget;
  path: string;
  state: MetadataIndexState;
  /** The last log position the index has taken in. */
  position: number;
  createdAt: string;
  createdBy: string;
}

/** Every declared index, by target then path. */
export async function listMetadataIndexes(db: Db): Promise<MetadataIndexView[]> {
  const rows = await db.selectFrom('metadata_indexes').selectAll().orderBy('target').orderBy('path').execute();
  const views: MetadataIndexView[] = [];
  for (const row of rows) {
    const { position } = await activeGeneration(db, indexName(row.target, row.path));
    views.push({
      target: row.target,
      path: row.path,
      state: position >= Number(row.created_position) ? 'READY' : 'BUILDING',
      position,
      createdAt: row.created_at,
      createdBy: row.created_by,
    });
  }
  return views;
}

export const createMetadataIndexErrors = [ValidationError] as const;

/**
 * Declares an index (declaring it again changes nothing). Its subscriber starts at position 0
 * and is READY once past today's head; until then, searches on it are refused as not indexed.
 */
export async function declareMetadataIndex(
  database: Database,
  input: { target: MetadataTarget; path: string },
  by: { actor: string; now: string },
): Promise<MetadataIndexView> {
  const path = checkMetadataPath(input.path, 'path');
  const { target } = input;
  await database.write(
    async (trx) => {
      const declared = await trx.selectFrom('metadata_indexes').select(['target', 'path']).execute();
      if (declared.some((row) => row.target === target && row.path === path)) return;
      if (declared.length >= MAX_METADATA_INDEXES)
        throw new ValidationError('path', `at most ${MAX_METADATA_INDEXES} metadata indexes can be declared`);
      const head = (await readHead(trx))?.position ?? 0;
      await trx
        .insertInto('metadata_indexes')
        .values({ target, path, created_position: head, created_at: by.now, created_by: by.actor })
        .execute();
    },
    { lock: 'metadata-indexes' },
  );
  return (await listMetadataIndexes(database.db)).find((index) => index.target === target && index.path === path)!;
}

/** A subscriber for every declared index (the runner discovers new ones as they are declared). */
export async function metadataIndexSubscribers(db: Db): Promise<Subscriber[]> {
  const rows = await db.selectFrom('metadata_indexes').select(['target', 'path']).execute();
  return rows.map((row) => metadataIndexSubscriber(row.target, row.path));
}

/**
 * The generation a search reads for each path, once every index has taken in `atPosition`:
 * an undeclared or still-building index is refused (MetadataNotIndexed, never a table scan).
 * `wait` resolves when subscribers may have moved, false once the caller should stop waiting.
 */
export async function indexesAt(
  db: Db,
  target: MetadataTarget,
  paths: readonly string[],
  atPosition: number,
  wait: () => Promise<boolean>,
): Promise<Map<string, IndexRef>> {
  const refs = new Map<string, IndexRef>();
  for (const path of new Set(paths)) {
    const declared = await db
      .selectFrom('metadata_indexes')
      .select('created_position')
      .where('target', '=', target)
      .where('path', '=', path)
      .executeTakeFirst();
    if (!declared) throw new MetadataNotIndexed(target, path, 'no index is declared on it');
    const name = indexName(target, path);
    for (;;) {
      const { generation, position } = await activeGeneration(db, name);
      if (position < Number(declared.created_position))
        throw new MetadataNotIndexed(
          target,
          path,
          `its index is still being built (at position ${position} of ${declared.created_position})`,
        );
      if (position >= atPosition) {
        refs.set(path, { name, generation });
        break;
      }
      if (!(await wait()))
        throw new MetadataNotIndexed(target, path, `its index has not yet reached position ${atPosition}`);
    }
  }
  return refs;
}
