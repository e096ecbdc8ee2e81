/** `balances(selector, asOf, knownAt, groupBy)`: aggregate balances over the accounts a selector names. */
import type { MetadataPredicate } from '../domain/metadata.js';
import { aggregateBalances, checkGroupBy, checkSelector, type AggregateBalance } from '../reports/aggregate.js';
import { reportCut } from '../reports/cut.js';
import { asInput } from './bad-input.js';
import { builder } from './builder.js';
import { indexesFor, MetadataPredicateRef } from './metadata.js';
import { MoneyRef } from './types/money.js';

const AccountSelectorRef = builder.inputType('AccountSelector', {
  description: 'The accounts to aggregate: exactly one field.',
  fields: (t) => ({
    prefix: t.string({ description: 'This account and every account below it ("liabilities:users").' }),
    pattern: t.string({
      description: 'Code segments, "*" for one segment, "**" for any number ("liabilities:users:*:wallet").',
    }),
    metadata: t.field({
      type: [MetadataPredicateRef],
      description: 'Accounts whose metadata, as known at knownAt, meets every predicate (ACCOUNT indexes).',
    }),
  }),
});

const GroupByRef = builder.inputType('GroupBy', {
  description: 'How to group the accounts selected.',
  fields: (t) => ({
    level: t.int({ description: 'By the first `level` segments of their codes ("assets:bank" at level 2).' }),
    metadataPath: t.string({
      description:
        'By their value at this metadata path as known at knownAt, as JSON ("\\"eu\\""); "" for members without one (an ACCOUNT index).',
    }),
  }),
});

const AggregateBalanceRef = builder.objectRef<AggregateBalance>('AggregateBalance').implement({
  description: 'The balances of a group of accounts in one currency: always the sum of its members.',
  fields: (t) => {
    const money = (field: 'debits' | 'credits' | 'posted' | 'pending' | 'available', description: string) =>
      t.field({ type: MoneyRef, description, resolve: (b) => ({ amount: b[field], currency: b.currency }) });
    return {
      key: t.exposeString('key', { description: 'The group: the selector, or the code segments grouped by.' }),
      currency: t.exposeString('currency', { description: 'The members’ currency (currencies are never mixed).' }),
      debits: money('debits', 'Every debit the members’ posted balances count, summed.'),
      credits: money('credits', 'Every credit the members’ posted balances count, summed.'),
      posted: money('posted', 'The members’ normal-side posted balances, summed.'),
      pending: money('pending', 'Reserved by live holds: a figure of now, zero at another asOf or knownAt.'),
      available: money('available', 'Posted less pending.'),
      accountCount: t.exposeInt('accountCount', { description: 'How many accounts the group sums.' }),
    };
  },
});

builder.queryField('balances', (t) =>
  t.field({
    authScopes: { read: true },
    type: [AggregateBalanceRef],
    description:
      'Balances summed over the accounts a selector names, per group and currency, effective at `asOf` as known at `knownAt` (both default to now). Accounts opened later are left out.',
    args: {
      selector: t.arg({ type: AccountSelectorRef, required: true, description: 'The accounts.' }),
      asOf: t.arg({ type: 'DateTime', description: 'Effective time; default now.' }),
      knownAt: t.arg({ type: 'DateTime', description: 'Recorded time; default now.' }),
      groupBy: t.arg({ type: GroupByRef, description: 'Omitted: one row per currency, keyed by the selector.' }),
    },
    resolve: async (_root, args, ctx) => {
      const db = ctx.ledger.database.db;
      const selector = asInput(() => checkSelector(args.selector));
      const { level, metadataPath } = asInput(() => checkGroupBy(args.groupBy));
      const cut = await reportCut(db, args.knownAt, ctx.now);
      const asOf = args.asOf ?? ctx.now;
      const now = asOf === ctx.now && cut.knownAt === ctx.now ? ctx.now : null;
      const paths = [...(selector.metadata ?? []), ...(metadataPath ? [{ path: metadataPath }] : [])];
      const indexes = await indexesFor(ctx, 'ACCOUNT', paths as MetadataPredicate[], cut.atPosition);
      const groupBy = metadataPath ? { path: metadataPath, index: indexes.get(metadataPath)! } : undefined;
      return aggregateBalances(db, selector, level, asOf, cut, now, { indexes, groupBy });
    },
  }),
);
