/** Root queries: thin resolvers over src/ledger/queries.ts. */
import { checkCode } from '../domain/limits.js';
import type { AccountType } from '../domain/account.js';
import { ValidationError } from '../domain/errors.js';
import { checkAccountFilter, type AccountFilterInput } from '../domain/filters.js';
import { searchAccounts } from '../ledger/account-search.js';
import { reportCut } from '../reports/cut.js';
import { verifyIntegrityShared } from '../reports/integrity.js';
import { builder } from './builder.js';
import { connectionType, decodeCursor, encodeCursor, pageSize, toPage } from './connection.js';
import { AccountRef } from './types/account-ref.js';
import { AccountStatusRef, AccountTypeRef, BalancePredicateRef } from './types/account.js';
import { TransactionRef } from './types/entry.js';
import { IntegrityReportRef } from './types/integrity.js';
import { NodeRef, parseNodeId } from './types/node.js';
import { asInput } from './bad-input.js';
import { indexesFor, MetadataPredicateRef } from './metadata.js';
import { SAY } from './limit-text.js';

const AccountConnection = connectionType('Account', AccountRef, 'account');

const AccountFilterRef = builder.inputType('AccountFilter', {
  description: 'Accounts that meet every field given (AND).',
  fields: (t) => ({
    prefix: t.string({ description: 'This account and every account below it ("assets" matches "assets:bank").' }),
    type: t.field({ type: AccountTypeRef, description: 'Of this type.' }),
    pattern: t.string({
      description: 'Code segments, "*" for one segment, "**" for any number ("liabilities:users:*:wallet").',
    }),
    status: t.field({ type: [AccountStatusRef], description: 'In one of these states (as they are now).' }),
    currency: t.string({ description: 'In this currency.' }),
    balance: t.field({ type: BalancePredicateRef, description: 'A bound on its balance, at asOf and knownAt.' }),
    metadata: t.field({
      type: [MetadataPredicateRef],
      description: 'Its metadata, as recorded by knownAt, meets every predicate.',
    }),
  }),
});

/** The prefix and type arguments and the filter, as one filter: each given once. */
function accountFilterOf(args: {
  prefix?: string | null;
  type?: AccountType | null;
  filter?: AccountFilterInput | null;
}) {
  const filter = checkAccountFilter(args.filter);
  if (args.prefix != null) {
    if (filter.prefix !== undefined)
      throw new ValidationError('prefix', 'give the prefix once: as an argument or in the filter');
    filter.prefix = validCode(args.prefix, 'prefix');
  }
  if (args.type != null) {
    if (filter.type !== undefined)
      throw new ValidationError('type', 'give the type once: as an argument or in the filter');
    filter.type = args.type;
  }
  return filter;
}

/** A malformed code in a query is a client error, not "not found". */
export const validCode = (code: string, field: string): string => asInput(() => checkCode(code, field));

builder.queryType({
  description: 'Reads. Unknown accounts and transactions are null.',
  fields: (t) => ({
    account: t.field({
      authScopes: { read: true },
      type: AccountRef,
      nullable: true,
      description: 'The account with this code, or null.',
      args: { code: t.arg.string({ required: true, description: 'The account code.' }) },
      resolve: (_root, args, ctx) => ctx.accounts.load(validCode(args.code, 'code')),
    }),
    transaction: t.field({
      authScopes: { read: true },
      type: TransactionRef,
      nullable: true,
      description: 'The transaction with this id, or null.',
      args: { id: t.arg.id({ required: true, description: 'The transaction id (a UUID).' }) },
      resolve: (_root, args, ctx) => {
        const parsed = parseNodeId(String(args.id));
        return parsed?.type === 'Transaction' ? ctx.transactions.load(parsed.key) : null;
      },
    }),
    verifyIntegrity: t.field({
      type: IntegrityReportRef,
      authScopes: { audit: true },
      description:
        'Re-hashes the whole event log (constant memory) and reports the first broken position, if any. Auditor and admin keys.',
      resolve: (_root, _args, ctx) => verifyIntegrityShared(ctx.ledger.database.db),
    }),
    node: t.field({
      authScopes: { read: true },
      type: NodeRef,
      nullable: true,
      description: 'Any object by its global id, or null.',
      args: { id: t.arg.id({ required: true, description: 'A global id.' }) },
      resolve: async (_root, args, ctx) => {
        const parsed = parseNodeId(String(args.id));
        if (!parsed) return null;
        if (parsed.type === 'Transaction') return ctx.transactions.load(parsed.key);
        try {
          return await ctx.accounts.load(checkCode(parsed.key));
        } catch {
          return null;
        }
      },
    }),
  }),
});

builder.queryField('accounts', (t) =>
  t.field({
    authScopes: { read: true },
    type: AccountConnection,
    description:
      'Accounts in code order: at or below a code prefix, of one type, or by a filter (pattern, status, currency, a balance bound at asOf/knownAt).',
    args: {
      first: t.arg.int({ description: SAY.pageSize }),
      after: t.arg.string({ description: 'A cursor from a previous page.' }),
      prefix: t.arg.string({
        description: 'A code: that account and every account below it ("assets" matches "assets:bank").',
      }),
      type: t.arg({ type: AccountTypeRef, description: 'Only accounts of this type.' }),
      filter: t.arg({ type: AccountFilterRef, description: 'Every field given must hold (AND).' }),
      asOf: t.arg({ type: 'DateTime', description: 'Where a balance bound is judged: effective time; default now.' }),
      knownAt: t.arg({
        type: 'DateTime',
        description: 'Where a balance bound is judged: recorded time; default now.',
      }),
    },
    resolve: async (_root, args, ctx) => {
      const db = ctx.ledger.database.db;
      const limit = pageSize(args.first);
      const afterCode = decodeCursor('account', args.after, 'string');
      const filter = asInput(() => accountFilterOf(args));
      const cut = await reportCut(db, args.knownAt, ctx.now);
      const asOf = args.asOf ?? ctx.now;
      const now = asOf === ctx.now && cut.knownAt === ctx.now ? ctx.now : null;
      const indexes = await indexesFor(ctx, 'ACCOUNT', filter.metadata, cut.atPosition);
      const search = { filter, afterCode, limit, asOf, atPosition: cut.atPosition, now, indexes };
      const rows = await searchAccounts(db, search);
      return toPage(rows, limit, args.after, (row) => encodeCursor('account', row.code));
    },
  }),
);
