/**
 * Searching the journal: `entries(...)` and `transactions(filter, first, after, atPosition, order)`
 * at the root, and the EntryConnection (with `totalCount`) that Account.entries shares. Every
 * search is pinned to a log position — the head when the first page is read, carried in its
 * cursors — so paging never skips or repeats while others write.
 */
import type { ArgBuilder } from '@pothos/core';
import { checkSearchFilter, type SearchFilterInput } from '../domain/filters.js';
import { MAX_POSITION } from '../domain/limits.js';
import { countEntries, searchEntries, type SortOrder } from '../ledger/search.js';
import { countTransactions, searchTransactions, type FoundTransaction } from '../ledger/transaction-search.js';
import type { EntryView, TransactionView } from '../ledger/queries.js';
import type { Db } from '../store/db.js';
import { asInput, badInput } from './bad-input.js';
import { readHead } from '../store/event-store.js';
import { builder, type InkwellTypes } from './builder.js';
import { connectionType, decodeCursor, encodeCursor, pageSize, toPage, type Page } from './connection.js';
import { SAY } from './limit-text.js';
import { indexesFor, MetadataPredicateRef } from './metadata.js';
import { EntryRef, TransactionRef, TransactionStatusRef, type EntryValue } from './types/entry.js';

/** A page of entries, and how many match in all (counted only when asked for). */
export type EntryPage = Page<EntryValue> & { count: () => Promise<number> };
type TransactionPage = Page<TransactionView> & { count: () => Promise<number> };

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

/** The fields EntryFilter and TransactionFilter share (domain/filters.ts reads both). */
const filterFields = (t: PothosSchemaTypes.InputFieldBuilder<InkwellTypes, 'InputObject'>, legs: string) => ({
  account: t.string({ description: `${legs} on exactly this account code.` }),
  accountPrefix: t.string({
    description: `${legs} on this account or any account below it ("assets" matches "assets:bank").`,
  }),
  accountPattern: t.string({
    description: `${legs} on an account matching: code segments, "*" for one segment, "**" for any number ("liabilities:users:*:wallet").`,
  }),
  effectiveFrom: t.field({ type: 'DateTime', description: 'Effective at or after.' }),
  effectiveTo: t.field({ type: 'DateTime', description: 'Effective at or before.' }),
  recordedFrom: t.field({ type: 'DateTime', description: 'Recorded at or after.' }),
  recordedTo: t.field({ type: 'DateTime', description: 'Recorded at or before.' }),
  status: t.field({
    type: [TransactionStatusRef],
    description: 'Of a transaction in one of these states (an entry is a leg of a POSTED transaction).',
  }),
  currency: t.string({ description: `${legs} in this currency.` }),
  minAmount: t.field({ type: 'Decimal', description: `${legs} of at least this amount (at the currency’s scale).` }),
  maxAmount: t.field({ type: 'Decimal', description: `${legs} of at most this amount (at the currency’s scale).` }),
  idempotencyKey: t.string({ description: 'Of the transaction posted with this idempotency key.' }),
  metadata: t.field({
    type: [MetadataPredicateRef],
    description: 'Of a transaction whose metadata, as known at the position read, meets every predicate.',
  }),
});

const EntryFilterRef = builder.inputType('EntryFilter', {
  description: 'Entries that meet every field given (AND); times are inclusive, as in as-of queries.',
  fields: (t) => filterFields(t, 'A leg'),
});

const TransactionFilterRef = builder.inputType('TransactionFilter', {
  description:
    'Transactions that meet every field given (AND), as known at the position read; the leg fields must all hold for one same leg.',
  fields: (t) => filterFields(t, 'With a leg'),
});

export const TransactionConnection = connectionType<TransactionView, TransactionPage>(
  'Transaction',
  TransactionRef,
  'transaction',
  (t) => ({
    totalCount: t.int({
      description: 'How many transactions match in all, at the position the list is read at.',
      resolve: (page: TransactionPage) => page.count(),
    }),
  }),
);

/** The arguments both searches take. */
const searchArgs = (t: ArgBuilder<InkwellTypes>) => ({
  first: t.int({ description: SAY.pageSize }),
  after: t.string({ description: 'A cursor from a previous page (it carries the position the list is read at).' }),
  atPosition: t.int({
    description: 'Read the list as of this log position (default: the head when the first page is read).',
  }),
  order: t({ type: SortOrderRef, description: 'DESC (default) or ASC.' }),
});

builder.queryField('entries', (t) =>
  t.field({
    authScopes: { read: true },
    type: EntryConnection,
    description:
      'Entries of every account that match the filter, in log order (newest first by default), as posted at or before `atPosition`.',
    args: {
      filter: t.arg({ type: EntryFilterRef, description: 'What to match; omitted: every entry.' }),
      ...searchArgs(t.arg),
    },
    resolve: async (_root, args, ctx) => {
      const db = ctx.ledger.database.db;
      const { limit, filter, atPosition, order, key } = await readSearch(db, 'entries', args, ENTRY_KEY);
      const after = key && { position: Number(key[1]), legIndex: Number(key[2]) };
      const indexes = await indexesFor(ctx, 'TRANSACTION', filter.metadata, atPosition);
      const rows = await searchEntries(db, { filter, atPosition, order, after, limit, indexes });
      const cursorOf = (row: EntryView) => encodeCursor('entries', `${atPosition}.${row.position}.${row.legIndex}`);
      return {
        ...toPage(rows, limit, args.after, cursorOf),
        count: () => countEntries(db, filter, atPosition, indexes),
      };
    },
  }),
);

builder.queryField('transactions', (t) =>
  t.field({
    authScopes: { read: true },
    type: TransactionConnection,
    description:
      'Transactions that match the filter, each as known at `atPosition`, in log order of their first event (newest first by default).',
    args: {
      filter: t.arg({ type: TransactionFilterRef, description: 'What to match; omitted: every transaction.' }),
      ...searchArgs(t.arg),
    },
    resolve: async (_root, args, ctx) => {
      const db = ctx.ledger.database.db;
      const { limit, filter, atPosition, order, key } = await readSearch(db, 'transactions', args, TRANSACTION_KEY);
      const after = key && Number(key[1]);
      const indexes = await indexesFor(ctx, 'TRANSACTION', filter.metadata, atPosition);
      const search = { filter, atPosition, now: ctx.now, indexes };
      const rows = await searchTransactions(db, { ...search, order, after, limit });
      const cursorOf = (row: FoundTransaction) => encodeCursor('transactions', `${atPosition}.${row.firstPosition}`);
      return { ...toPage(rows, limit, args.after, cursorOf), count: () => countTransactions(db, search) };
    },
  }),
);

/** A search cursor's key after its position: an entry's (position, leg); a transaction's first position. */
const ENTRY_KEY = /^(\d{1,15})\.(\d{1,3})$/;
const TRANSACTION_KEY = /^(\d{1,15})$/;

interface SearchArgs {
  filter?: SearchFilterInput | null;
  first?: number | null;
  after?: string | null;
  atPosition?: number | null;
  order?: SortOrder | null;
}

/** The page size, the checked filter, the position read at (the cursor's, or pinned now) and the cursor's key. */
async function readSearch(db: Db, kind: string, args: SearchArgs, keyPattern: RegExp) {
  const limit = pageSize(args.first);
  const filter = asInput(() => checkSearchFilter(args.filter));
  const order = args.order ?? 'DESC';
  const cursor = decodeCursor(kind, args.after, 'string');
  if (cursor === undefined) return { limit, filter, order, atPosition: await pinnedPosition(db, args.atPosition) };
  const [, position, rest] = /^(\d{1,10})\.(.*)$/.exec(cursor) ?? [];
  const key = rest === undefined ? null : keyPattern.exec(rest);
  const at = Number(position);
  if (!key || !(at <= MAX_POSITION)) throw badInput(`after: not a cursor of this list (${kind})`);
  if (args.atPosition != null && args.atPosition !== at)
    throw badInput('atPosition: the cursor was read at another position');
  return { limit, filter, order, atPosition: at, key };
}

/** The head, or the position asked for when it is not beyond it (a later one would still move). */
async function pinnedPosition(db: Db, asked: number | null | undefined): Promise<number> {
  if (asked != null && (!Number.isInteger(asked) || asked < 0 || asked > MAX_POSITION))
    throw badInput(`atPosition must be 0 to ${MAX_POSITION}, not ${asked}`);
  const head = (await readHead(db))?.position ?? 0;
  return asked == null ? head : Math.min(asked, head);
}
