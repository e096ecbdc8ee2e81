/** The Account type: fields, balance as of any time, entries and events. */
import { ACCOUNT_TYPES } from '../../domain/account.js';
import {
  balanceAt,
  currentBalance,
  listEntries,
  listEvents,
  pendingOf,
  type BalanceView,
} from '../../ledger/queries.js';
import { Amount, formatAmount, writtenScale } from '../../domain/money.js';
import { loadAccount } from '../../ledger/load.js';
import { builder } from '../builder.js';
import { connectionType, decodeCursor, encodeCursor, pageSize, toPage } from '../connection.js';
import { AccountRef } from './account-ref.js';
import { LedgerEventRef } from './event.js';
import { MoneyRef } from './money.js';
import { NodeRef } from './node.js';
import { dailyBalancesOf, type DailyBalance } from '../../subscribers/daily-balances.js';
import { badInput } from '../bad-input.js';
import { SAY } from '../limit-text.js';
import { EntryConnection } from '../search.js';
import { metadataAsKnown } from '../metadata-as-known.js';
import { countEntries } from '../../ledger/search.js';
import type { SearchFilter } from '../../domain/filters.js';
import { MAX_DAYS, MAX_POSITION } from '../../domain/limits.js';
import type { METRICS } from '../../domain/monitors.js';

export const AccountTypeRef = builder.enumType('AccountType', {
  description: 'The kind of account, which fixes its normal side.',
  values: Object.fromEntries(
    ACCOUNT_TYPES.map((type) => [
      type,
      { description: type === 'ASSET' || type === 'EXPENSE' ? 'Normal side: DEBIT.' : 'Normal side: CREDIT.' },
    ]),
  ) as Record<(typeof ACCOUNT_TYPES)[number], { description: string }>,
});

export const AccountStatusRef = builder.enumType('AccountStatus', {
  description: 'The lifecycle state of an account.',
  values: {
    OPEN: { description: 'Takes postings.' },
    FROZEN: { description: 'Takes no postings until it is unfrozen.' },
    CLOSED: { description: 'Closed at zero balance; takes no postings.' },
  },
});

interface BalanceValue extends BalanceView {
  /** What live holds reserve: a figure of now (zero for a balance in the past). */
  pending: string;
  asOf: string;
  knownAt: string;
}

/** The figure a balance monitor watches, or an account filter bounds. */
export const MetricRef = builder.enumType('MonitorMetric', {
  description: 'The figure a monitor watches.',
  values: {
    POSTED: { value: 'POSTED', description: 'The normal-side balance.' },
    AVAILABLE: { value: 'AVAILABLE', description: 'The balance less what live holds reserve.' },
  } as const satisfies Record<(typeof METRICS)[number], unknown>,
});

/** A bound on a balance, as account filters take it. */
export const BalancePredicateRef = builder.inputType('BalancePredicate', {
  description: 'A bound on a balance: at least `gte`, at most `lte` (either or both).',
  fields: (t) => ({
    metric: t.field({ type: MetricRef, required: true, description: 'POSTED, or AVAILABLE (posted less holds, now).' }),
    gte: t.field({ type: 'Decimal', description: 'At least this (signed on the normal side).' }),
    lte: t.field({ type: 'Decimal', description: 'At most this (signed on the normal side).' }),
  }),
});

const BalanceRef = builder.objectRef<BalanceValue>('Balance').implement({
  description:
    'A balance, signed on the account’s normal side (positive when an ASSET or EXPENSE has more debits than credits, or a LIABILITY, EQUITY or REVENUE more credits than debits). It counts every event with effectiveAt <= asOf and recordedAt <= knownAt.',
  fields: (t) => ({
    posted: t.field({
      type: MoneyRef,
      description: 'The posted balance.',
      resolve: (b) => ({ amount: b.posted, currency: b.currency }),
    }),
    debits: t.field({
      type: MoneyRef,
      description: 'Every debit the posted balance counts, summed (a volume, never negative).',
      resolve: (b) => ({ amount: b.debits, currency: b.currency }),
    }),
    credits: t.field({
      type: MoneyRef,
      description: 'Every credit the posted balance counts, summed (a volume, never negative).',
      resolve: (b) => ({ amount: b.credits, currency: b.currency }),
    }),
    pending: t.field({
      type: MoneyRef,
      description:
        'Reserved by live holds (outflows on the normal side). Holds are a figure of now: a balance asked for another asOf or knownAt shows zero.',
      resolve: (b) => ({ amount: b.pending, currency: b.currency }),
    }),
    available: t.field({
      type: MoneyRef,
      description: 'Posted less pending: what the account can still give (its balance bound aside).',
      resolve: (b) => ({
        amount: new Amount(b.posted).minus(b.pending).toFixed(writtenScale(b.posted)),
        currency: b.currency,
      }),
    }),
    asOf: t.expose('asOf', { type: 'DateTime', description: 'The effective time the balance is taken at.' }),
    knownAt: t.expose('knownAt', {
      type: 'DateTime',
      description: 'The recorded time the ledger’s knowledge is taken at (never after now).',
    }),
    version: t.exposeInt('version', { description: 'The account’s stream version as known at knownAt.' }),
  }),
});

/** A calendar day, YYYY-MM-DD, that exists. */
function day(value: string, field: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) {
    throw badInput(`${field}: expected a day as YYYY-MM-DD, not ${JSON.stringify(value.slice(0, 40))}`);
  }
  return value;
}

const DailyBalanceRef = builder.objectRef<DailyBalance & { currency: string }>('DailyBalance').implement({
  description: 'One day of an account (UTC, by effective time).',
  fields: (t) => ({
    day: t.exposeString('day', { description: 'YYYY-MM-DD.' }),
    debits: t.field({
      type: MoneyRef,
      description: 'Debits effective that day.',
      resolve: (d) => ({ amount: d.debits, currency: d.currency }),
    }),
    credits: t.field({
      type: MoneyRef,
      description: 'Credits effective that day.',
      resolve: (d) => ({ amount: d.credits, currency: d.currency }),
    }),
    balance: t.field({
      type: MoneyRef,
      description: 'The normal-side balance at the end of the day.',
      resolve: (d) => ({ amount: d.balance, currency: d.currency }),
    }),
  }),
});

const DailyBalanceHistoryRef = builder
  .objectRef<{ throughPosition: number; days: Array<DailyBalance & { currency: string }> }>('DailyBalanceHistory')
  .implement({
    description: 'An account’s days, as the daily balance history knows them.',
    fields: (t) => ({
      throughPosition: t.exposeInt('throughPosition', {
        description: 'The log position the history has applied (compare with the newest event’s).',
      }),
      days: t.field({
        type: [DailyBalanceRef],
        description: 'Every day of the range, in order.',
        resolve: (h) => h.days,
      }),
    }),
  });
const EventConnection = connectionType('Event', LedgerEventRef, 'event');

AccountRef.implement({
  description: 'An account: the aggregate whose event stream every balance is derived from.',
  interfaces: [NodeRef],
  // However it is reached (a root field, node(id:), an entry), reading it needs the read permission.
  authScopes: { read: true },
  isTypeOf: (value) => typeof value === 'object' && value !== null && 'code' in value && 'balance' in value,
  fields: (t) => ({
    code: t.exposeString('code', { description: 'Immutable, unique, hierarchical with ":" (assets:bank:checking).' }),
    name: t.exposeString('name', { description: 'A display name.' }),
    type: t.field({
      type: AccountTypeRef,
      description: 'ASSET, LIABILITY, EQUITY, REVENUE or EXPENSE.',
      resolve: (a) => a.type,
    }),
    currency: t.exposeString('currency', { description: 'ISO 4217 code, or a custom asset CODE/SCALE.' }),
    status: t.field({ type: AccountStatusRef, description: 'OPEN, FROZEN or CLOSED.', resolve: (a) => a.status }),
    version: t.exposeInt('version', { description: 'The number of events in its stream.' }),
    minimumBalance: t.expose('minimumBalance', {
      type: 'Decimal',
      nullable: true,
      description: 'The lowest its normal-side balance may go ("0" forbids overdraft); null means no bound.',
    }),
    maximumBalance: t.field({
      type: 'Decimal',
      nullable: true,
      description: 'The highest its normal-side balance may go, what holds bring in counted; null means no bound.',
      // Read from the account's state (its latest snapshot and the events after it): a bounded cost.
      resolve: async (account, _args, ctx) => {
        const state = await loadAccount(ctx.ledger.database.db, account.code);
        return state.exists && state.maximumBalance !== null ? formatAmount(state.maximumBalance, account.scale) : null;
      },
    }),
    metadata: t.field({
      type: 'JSON',
      nullable: true,
      description:
        'Its JSON object as the ledger knew it at `knownAt` (default now): given at opening, replaced by updateAccount.',
      args: { knownAt: t.arg({ type: 'DateTime', description: 'Recorded time; default now.' }) },
      resolve: (account, args, ctx) => metadataAsKnown(ctx, { account: account.code }, args.knownAt, account.metadata),
    }),
    openedAt: t.expose('openedAt', {
      type: 'DateTime',
      description: 'Effective time of its opening; nothing posts before it.',
    }),
    balance: t.field({
      type: BalanceRef,
      description:
        'The balance effective at `asOf` as the ledger knew it at `knownAt` (both default to now; a knownAt after now means now).',
      args: {
        asOf: t.arg({ type: 'DateTime', description: 'Effective time; default now.' }),
        knownAt: t.arg({ type: 'DateTime', description: 'Recorded time; default now.' }),
      },
      resolve: async (account, args, ctx) => {
        const knownAt = args.knownAt && args.knownAt < ctx.now ? args.knownAt : ctx.now;
        const asOf = args.asOf ?? ctx.now;
        const db = ctx.ledger.database.db;
        const now = knownAt === ctx.now && asOf === ctx.now;
        const balance = now ? await currentBalance(db, account, ctx.now) : await balanceAt(db, account, asOf, knownAt);
        const pending = now ? await pendingOf(db, account, ctx.now) : new Amount(0).toFixed(account.scale);
        return { ...balance, pending, asOf, knownAt };
      },
    }),
  }),
});

/** Its history: the daily balances, the entries and the events of its stream. */
builder.objectFields(AccountRef, (t) => ({
  dailyBalances: t.field({
    type: DailyBalanceHistoryRef,
    description: `Closing balance and movements of every day (UTC, by effective time) from \`from\` to \`to\`, at most ${MAX_DAYS} days, from the daily balance history: as known at its checkpoint \`throughPosition\` (it follows the log a moment behind).`,
    args: {
      from: t.arg.string({ required: true, description: 'First day, YYYY-MM-DD.' }),
      to: t.arg.string({ required: true, description: 'Last day, YYYY-MM-DD.' }),
    },
    resolve: async (account, args, ctx) => {
      const [from, to] = [day(args.from, 'from'), day(args.to, 'to')];
      const span = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
      if (span < 1 || span > MAX_DAYS) throw badInput(`from..to must be 1 to ${MAX_DAYS} days, not ${span}`);
      const history = await dailyBalancesOf(ctx.ledger.database.db, account, from, to);
      return {
        throughPosition: history.throughPosition,
        days: history.days.map((d) => ({ ...d, currency: account.currency })),
      };
    },
  }),
  entries: t.field({
    type: EntryConnection,
    description:
      'Its entries in recording order; `from`/`to` bound the effective time as [from, to), `knownAt` hides later recordings.',
    args: {
      first: t.arg.int({ description: SAY.pageSize }),
      after: t.arg.string({ description: 'A cursor from a previous page.' }),
      from: t.arg({ type: 'DateTime', description: 'Effective at or after.' }),
      to: t.arg({ type: 'DateTime', description: 'Effective before.' }),
      knownAt: t.arg({ type: 'DateTime', description: 'Recorded at or before.' }),
    },
    resolve: async (account, args, ctx) => {
      const limit = pageSize(args.first);
      const after = parseEntryKey(decodeCursor('entry', args.after, 'string'));
      const rows = await listEntries(ctx.ledger.database.db, account.code, {
        after,
        limit,
        from: args.from,
        to: args.to,
        knownAt: args.knownAt,
      });
      // Keyset on (position, leg): one event may carry two legs of the same account.
      const page = toPage(rows, limit, args.after, (row) => encodeCursor('entry', `${row.position}.${row.legIndex}`));
      const counted: SearchFilter = { account: account.code };
      if (args.from) counted.effectiveFrom = args.from;
      if (args.to) counted.effectiveBefore = args.to;
      if (args.knownAt) counted.recordedTo = args.knownAt;
      return { ...page, count: () => countEntries(ctx.ledger.database.db, counted, MAX_POSITION) };
    },
  }),
  events: t.field({
    type: EventConnection,
    description: 'The events of its stream in version order, decoded to their current shape.',
    args: {
      first: t.arg.int({ description: SAY.pageSize }),
      after: t.arg.string({ description: 'A cursor from a previous page.' }),
    },
    resolve: async (account, args, ctx) => {
      const limit = pageSize(args.first);
      const afterVersion = decodeCursor('event', args.after, 'number');
      const rows = await listEvents(ctx.ledger.database.db, account.code, { afterVersion, limit });
      return toPage(rows, limit, args.after, (row) => encodeCursor('event', row.stored.version));
    },
  }),
}));

function parseEntryKey(key: string | undefined): { position: number; legIndex: number } | undefined {
  if (key === undefined) return undefined;
  const match = /^(\d{1,15})\.(\d{1,3})$/.exec(key);
  if (!match) throw badInput('after: not a cursor of this list (entry)');
  return { position: Number(match[1]), legIndex: Number(match[2]) };
}
