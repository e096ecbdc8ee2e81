/** Root queries: thin resolvers over src/ledger/queries.ts. */
import { checkCode } from '../domain/limits.js';
import { listAccounts } from '../ledger/queries.js';
import { verifyIntegrityShared } from '../reports/integrity.js';
import { builder } from './builder.js';
import { connectionType, decodeCursor, encodeCursor, pageSize, toPage } from './connection.js';
import { AccountRef } from './types/account-ref.js';
import { AccountTypeRef } from './types/account.js';
import { TransactionRef } from './types/entry.js';
import { IntegrityReportRef } from './types/integrity.js';
import { NodeRef, parseNodeId } from './types/node.js';
import { asInput } from './bad-input.js';
import { SAY } from './limit-text.js';

const AccountConnection = connectionType('Account', AccountRef, 'account');

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
    accounts: t.field({
      authScopes: { read: true },
      type: AccountConnection,
      description: 'Accounts in code order, optionally those at or below a code prefix, or of one type.',
      args: {
        first: t.arg.int({ description: SAY.pageSize }),
        after: t.arg.string({ description: 'A cursor from a previous page.' }),
        prefix: t.arg.string({
          description: 'A code: that account and every account below it ("assets" matches "assets:bank").',
        }),
        type: t.arg({ type: AccountTypeRef, description: 'Only accounts of this type.' }),
      },
      resolve: async (_root, args, ctx) => {
        const limit = pageSize(args.first);
        const afterCode = decodeCursor('account', args.after, 'string');
        const prefix = args.prefix == null ? null : validCode(args.prefix, 'prefix');
        const rows = await listAccounts(ctx.ledger.database.db, { afterCode, limit, prefix, type: args.type });
        return toPage(rows, limit, args.after, (row) => encodeCursor('account', row.code));
      },
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
