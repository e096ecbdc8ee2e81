/**
 * Categories through GraphQL (issue 19, point 6): `category(code)` with its members and summed
 * balance at (asOf, knownAt), and the mutations that create one and change its membership.
 */
import { GraphQLError } from 'graphql';
import { MAX_CATEGORY_MEMBERS } from '../domain/limits.js';
import { getCategory, membersAt, type CategoryView } from '../ledger/categories.js';
import { createCategoryErrors, membershipErrors } from '../ledger/commands/categories.js';
import { getAccounts } from '../ledger/queries.js';
import { aggregateBalances } from '../reports/aggregate.js';
import { reportCut } from '../reports/cut.js';
import { AggregateBalanceRef } from './aggregates.js';
import { builder, type GraphQLContext } from './builder.js';
import { asResult, resultUnion } from './errors.js';
import { validCode } from './queries.js';
import { SAY } from './limit-text.js';
import { AccountRef } from './types/account-ref.js';

const CategoryRef = builder.objectRef<CategoryView>('Category').implement({
  description:
    'A named group of accounts and of other categories (nested, many-to-many, never cyclic). Its membership changes are events with an effective time, so it can be read as of any (asOf, knownAt).',
  fields: (t) => ({
    code: t.exposeString('code', { description: 'Unique, immutable: [a-z0-9_-] segments joined by ":".' }),
    name: t.exposeString('name', { description: 'Display name.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created (recorded time).' }),
    members: t.field({
      type: [AccountRef],
      description: `The accounts in it at \`asOf\` as known at \`knownAt\` (both default to now): its own plus, transitively, its child categories’ at that time, each once, by code. At most ${MAX_CATEGORY_MEMBERS}; sum a larger category with \`balance\`.`,
      args: {
        asOf: t.arg({ type: 'DateTime', description: 'Effective time; default now.' }),
        knownAt: t.arg({ type: 'DateTime', description: 'Recorded time; default now.' }),
      },
      resolve: async (category, args, ctx) => {
        const db = ctx.ledger.database.db;
        const { asOf, cut } = await timesOf(ctx, args);
        const codes = await membersAt(db, category.code, asOf, cut.atPosition);
        if (codes.length > MAX_CATEGORY_MEMBERS)
          throw new GraphQLError(
            `category "${category.code}" has ${codes.length} members at that time, more than the ${MAX_CATEGORY_MEMBERS} a list shows: sum them with balance`,
            { extensions: { code: 'BAD_REQUEST' } },
          );
        const accounts = await getAccounts(db, codes);
        return codes.flatMap((code) => accounts.get(code) ?? []);
      },
    }),
    balance: t.field({
      type: [AggregateBalanceRef],
      description:
        'Its members’ balances at `asOf` as known at `knownAt` (both default to now), summed per currency, with the membership of that time — `balances(selector: { category })`. Accounts opened after asOf are left out.',
      args: {
        asOf: t.arg({ type: 'DateTime', description: 'Effective time; default now.' }),
        knownAt: t.arg({ type: 'DateTime', description: 'Recorded time; default now.' }),
      },
      resolve: async (category, args, ctx) => {
        const { asOf, cut } = await timesOf(ctx, args);
        const now = asOf === ctx.now && cut.knownAt === ctx.now ? ctx.now : null;
        const selector = { prefix: null, pattern: null, category: category.code };
        return aggregateBalances(ctx.ledger.database.db, selector, null, asOf, cut, now);
      },
    }),
  }),
});

/** asOf (default now) and the cut knownAt names, as `balances` takes them. */
async function timesOf(ctx: GraphQLContext, args: { asOf?: string | null; knownAt?: string | null }) {
  const cut = await reportCut(ctx.ledger.database.db, args.knownAt, ctx.now);
  return { asOf: args.asOf ?? ctx.now, cut };
}

builder.queryField('category', (t) =>
  t.field({
    authScopes: { read: true },
    type: CategoryRef,
    nullable: true,
    description: 'The category with this code, or null.',
    args: { code: t.arg.string({ required: true, description: 'The category code.' }) },
    resolve: (_root, args, ctx) => getCategory(ctx.ledger.database.db, validCode(args.code, 'code')),
  }),
);

const CreateCategoryInput = builder.inputType('CreateCategoryInput', {
  description: 'A new category. Sending the same code and name again returns the existing category.',
  fields: (t) => ({
    code: t.string({
      required: true,
      description: `Unique, immutable: [a-z0-9_-] segments joined by ":", ${SAY.code}.`,
    }),
    name: t.string({ required: true, description: `Display name, ${SAY.name}.` }),
  }),
});

const MembershipInput = (name: string, description: string) =>
  builder.inputType(name, {
    description,
    fields: (t) => ({
      category: t.string({ required: true, description: 'The category code.' }),
      account: t.string({ description: 'An account code (exactly one of account and childCategory).' }),
      childCategory: t.string({ description: 'A category code (exactly one of account and childCategory).' }),
      effectiveAt: t.field({
        type: 'DateTime',
        description: `From when it counts (backdating allowed, not into a closed period), ${SAY.futureSkew}; default now.`,
      }),
    }),
  });

const AddToCategoryInput = MembershipInput(
  'AddToCategoryInput',
  'A member to add from `effectiveAt` on. Adding a member it already has at that time changes nothing.',
);
const RemoveFromCategoryInput = MembershipInput(
  'RemoveFromCategoryInput',
  'A member to remove from `effectiveAt` on; it must be a member at that time.',
);

const CreateCategoryResult = resultUnion(
  'CreateCategoryResult',
  CategoryRef,
  createCategoryErrors,
  'The category, or why not.',
);
const MembershipResult = resultUnion(
  'CategoryMembershipResult',
  CategoryRef,
  membershipErrors,
  'The category after the change, or why not.',
);

/** The category a command resolved to, read after its commit. */
async function committedCategory(ctx: GraphQLContext, command: Promise<string>): Promise<CategoryView> {
  const code = await command;
  ctx.now = new Date().toISOString();
  return (await getCategory(ctx.ledger.database.db, code))!;
}

// Categories are chart-of-accounts structure: the same role that opens and updates accounts (admin).
builder.mutationFields((t) => ({
  createCategory: t.field({
    authScopes: { admin: true },
    type: CreateCategoryResult,
    description: 'Creates a category (idempotent on an identical code and name).',
    args: { input: t.arg({ type: CreateCategoryInput, required: true, description: 'The command.' }) },
    resolve: (_root, { input }, ctx) =>
      asResult(() => committedCategory(ctx, ctx.ledger.createCategory(input, ctx.command))),
  }),
  addToCategory: t.field({
    authScopes: { admin: true },
    type: MembershipResult,
    description:
      'Adds an account or a child category to a category from `effectiveAt` on, as an event; a child that is the category or contains it is refused (CategoryCycle).',
    args: { input: t.arg({ type: AddToCategoryInput, required: true, description: 'The command.' }) },
    resolve: (_root, { input }, ctx) =>
      asResult(() => committedCategory(ctx, ctx.ledger.addToCategory(input, ctx.command))),
  }),
  removeFromCategory: t.field({
    authScopes: { admin: true },
    type: MembershipResult,
    description: 'Removes an account or a child category from a category from `effectiveAt` on, as an event.',
    args: { input: t.arg({ type: RemoveFromCategoryInput, required: true, description: 'The command.' }) },
    resolve: (_root, { input }, ctx) =>
      asResult(() => committedCategory(ctx, ctx.ledger.removeFromCategory(input, ctx.command))),
  }),
}));
