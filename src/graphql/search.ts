/**
 * Searching the journal: `entries(filter, first, after, atPosition, order)` at the root, and the
 * EntryConnection (with `totalCount`) that Account.entries shares. Every search is pinned to a log
 * position — the head when the first page is read, carried in its cursors — so paging never skips
 * or repeats while others write.
 */
import { checkEntryFilter } from '../domain/filters.js';
import { MAX_POSITION } from '../domain/limits.js';
import { countEntries, headPosition, searchEntries, type EntryKey } from '../ledger/search.js';
import type { EntryView } from '../ledger/queries.js';
import type { Db } from '../store/db.js';
import { asInput, badInput } from './bad-input.js';
import { builder } from './builder.js';
import { connectionType, decodeCursor, encodeCursor, pageSize, toPage, type Page } from './connection.js';
import { SAY } from './limit-text.js';
import { EntryRef, TransactionStatusRef, type EntryValue } from './types/entry.js';

/** A page of entries, and how many match in all (counted only when asked for). */
export type EntryPage = Page<EntryValue> & { count: () => Promise<number> };

export const EntryConnection = connectionType<EntryValue, EntryPage>('Entry', EntryRef, 'entry', (t) => ({
  totalCount: t.int({
    description: 'How many entries match in all, at the position the list is read at.',
    resolve: (page: EntryPage) => page.count(),
  }),
}));

export const SortOrderRef = builder.enumType('SortOrder', {
  description: 'The order of a list in the log.',
  values: {
    ASC: { value: 'ASC', description: 'Oldest first.' },
    DESC: { value: 'DESC', description: 'Newest first.' },
  },
});

const EntryFilterRef = builder.inputType('EntryFilter', {
  description: 'Entries that meet every field given (AND); times are inclusive, as in as-of queries.',
  fields: (t) => ({
    account: t.string({ description: 'Exactly this account code.' }),
    accountPrefix: t.string({
      description: 'This account and every account below it ("assets" matches "assets:bank").',
    }),
    accountPattern: t.string({
      description: 'Code segments, "*" for one segment, "**" for any number: "liabilities:users:*:wallet".',
    }),
    effectiveFrom: t.field({ type: 'DateTime', description: 'Effective at or after.' }),
    effectiveTo: t.field({ type: 'DateTime', description: 'Effective at or before.' }),
    recordedFrom: t.field({ type: 'DateTime', description: 'Recorded at or after.' }),
    recordedTo: t.field({ type: 'DateTime', description: 'Recorded at or before.' }),
    status: t.field({
      type: [TransactionStatusRef],
      description: 'Of a transaction in one of these states (an entry is a leg of a POSTED transaction).',
    }),
    currency: t.string({ description: 'In this currency.' }),
    minAmount: t.field({ type: 'Decimal', description: 'A leg of at least this amount (at the currency’s scale).' }),
    maxAmount: t.field({ type: 'Decimal', description: 'A leg of at most this amount (at the currency’s scale).' }),
    idempotencyKey: t.string({ description: 'Of the transaction posted with this idempotency key.' }),
  }),
});

builder.queryField('entries', (t) =>
  t.field({
    authScopes: { read: true },
    type: EntryConnection,
    description:
      'Entries of every account that match the filter, in log order (newest first by default), as posted at or before `atPosition`.',
    args: {
      filter: t.arg({ type: EntryFilterRef, description: 'What to match; omitted: every entry.' }),
      first: t.arg.int({ description: SAY.pageSize }),
      after: t.arg.string({
        description: 'A cursor from a previous page (it carries the position the list is read at).',
      }),
      atPosition: t.arg.int({
        description: 'Read the list as of this log position (default: the head when the first page is read).',
      }),
      order: t.arg({ type: SortOrderRef, description: 'DESC (default) or ASC.' }),
    },
    resolve: async (_root, args, ctx) => {
      const db = ctx.ledger.database.db;
      const limit = pageSize(args.first);
      const filter = asInput(() => checkEntryFilter({ ...args.filter, status: args.filter?.status ?? undefined }));
      const cursor = parseSearchCursor(args.after);
      if (cursor && args.atPosition != null && args.atPosition !== cursor.atPosition)
        throw badInput('atPosition: the cursor was read at another position');
      const atPosition = cursor?.atPosition ?? (await pinnedPosition(db, args.atPosition));
      const order = args.order ?? 'DESC';
      const rows = await searchEntries(db, { filter, atPosition, order, after: cursor?.key, limit });
      const cursorOf = (row: EntryView) => encodeCursor('entries', `${atPosition}.${row.position}.${row.legIndex}`);
      return { ...toPage(rows, limit, args.after, cursorOf), count: () => countEntries(db, filter, atPosition) };
    },
  }),
);

/** The head, or the position asked for when it is not beyond it (a later one would still move). */
async function pinnedPosition(db: Db, asked: number | null | undefined): Promise<number> {
  if (asked != null && (!Number.isInteger(asked) || asked < 0 || asked > MAX_POSITION))
    throw badInput(`atPosition must be 0 to ${MAX_POSITION}, not ${asked}`);
  const head = await headPosition(db);
  return asked == null ? head : Math.min(asked, head);
}

/** A cursor of this list: the position it is read at, and the last entry seen. */
function parseSearchCursor(after: string | null | undefined): { atPosition: number; key: EntryKey } | undefined {
  const key = decodeCursor('entries', after, 'string');
  if (key === undefined) return undefined;
  const match = /^(\d{1,10})\.(\d{1,15})\.(\d{1,3})$/.exec(key);
  if (!match || Number(match[1]) > MAX_POSITION) throw badInput('after: not a cursor of this list (entries)');
  return { atPosition: Number(match[1]), key: { position: Number(match[2]), legIndex: Number(match[3]) } };
}
