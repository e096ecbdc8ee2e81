/**
 * The audit trail: events recorded in [from, to), as known at a fixed log position, filtered
 * by actor, account, transaction or event type — each with its metadata, the schema version
 * it was stored at, and its hash.
 */
import { sql } from 'kysely';
import { ValidationError } from '../domain/errors.js';
import { checkCode } from '../domain/limits.js';
import { eventView, type EventView } from '../ledger/queries.js';
import { accountStream } from '../events/streams.js';
import type { Database } from '../store/db.js';
import { fromRow } from '../store/event-store.js';
import { breathe, type ReportCut } from './cut.js';

export interface AuditFilter {
  from?: string | null;
  to?: string | null;
  actor?: string | null;
  account?: string | null;
  transaction?: string | null;
  type?: string | null;
}

export type AuditEvent = EventView;

/** The filter's own rules (the same for the auditTrail field and every export of it). */
export function checkAuditFilter(filter: AuditFilter): AuditFilter {
  if (filter.from && filter.to && filter.from >= filter.to)
    throw new ValidationError('from', `from (${filter.from}) must be before to (${filter.to})`);
  if (filter.actor != null && !/^[\x20-\x7e]{1,128}$/.test(filter.actor))
    throw new ValidationError('actor', '1 to 128 printable ASCII characters');
  if (filter.type != null && !/^[A-Za-z]{1,64}$/.test(filter.type))
    throw new ValidationError('type', 'an event type name, e.g. TransactionPosted');
  if (filter.transaction != null && !/^[0-9a-f-]{36}$/.test(filter.transaction))
    throw new ValidationError('transaction', 'a transaction id (UUID)');
  return { ...filter, account: filter.account == null ? null : checkCode(filter.account, 'account') };
}

/** Up to `limit` events after position `after`, in log order. */
export async function auditEvents(
  database: Database,
  filter: AuditFilter,
  cut: ReportCut,
  after: number,
  limit: number,
): Promise<AuditEvent[]> {
  let query = database.db
    .selectFrom('events')
    .selectAll()
    .where('position', '>', after)
    .where('position', '<=', cut.atPosition);
  if (filter.from) query = query.where('recorded_at', '>=', filter.from);
  if (filter.to) query = query.where('recorded_at', '<', filter.to);
  if (filter.account) query = query.where('stream_id', '=', accountStream(filter.account));
  if (filter.transaction) query = query.where('transaction_id', '=', filter.transaction);
  if (filter.type) query = query.where('type', '=', filter.type);
  if (filter.actor) {
    // Metadata is stored as canonical JSON text; each dialect reads a field of it its own way.
    const actor =
      database.dialect === 'postgres'
        ? sql<string>`(metadata::jsonb ->> 'actor')`
        : sql<string>`json_extract(metadata, '$.actor')`;
    query = query.where(actor, '=', filter.actor);
  }
  const rows = await query.orderBy('position').limit(limit).execute();
  return rows.map((row) => eventView(fromRow(row)));
}

/** Every matching event, for exports: batches in log order, constant memory. */
export async function* allAuditEvents(
  database: Database,
  filter: AuditFilter,
  cut: ReportCut,
  batch = 1000,
): AsyncGenerator<AuditEvent> {
  let after = 0;
  for (;;) {
    const page = await auditEvents(database, filter, cut, after, batch);
    yield* page;
    if (page.length < batch) return;
    after = page[page.length - 1]!.stored.position;
    await breathe();
  }
}
