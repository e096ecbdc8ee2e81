/**
 * Ledgers (issue 24): `ledgers` lists them, `createLedger` (admin) makes one. Each ledger is
 * served at an endpoint of its own (/ledgers/<name>/graphql; `default` at /graphql too) with
 * this same schema: docs/api.md, "Ledgers", says why.
 */
import { createLedgerErrors, type LedgerInfo } from '../ledger/catalogue.js';
import { listLedgers } from '../ledger/catalogue.js';
import { DEFAULT_LEDGER, LEDGER_NAME_RULE } from '../domain/ledgers.js';
import { builder } from './builder.js';
import { connectionType, decodeCursor, encodeCursor, pageSize, toPage } from './connection.js';
import { asResult, resultUnion } from './errors.js';
import { SAY } from './limit-text.js';

const LedgerRef = builder.objectRef<LedgerInfo>('Ledger').implement({
  description: 'A ledger: accounts, log, hash chain, period lock and reports of its own; nothing crosses between two.',
  fields: (t) => ({
    name: t.exposeString('name', { description: `Unique: ${LEDGER_NAME_RULE}.` }),
    description: t.exposeString('description', { description: 'What it is for.' }),
    endpoint: t.string({
      description: 'The path that serves it: /ledgers/<name>/graphql (`default` is at /graphql as well).',
      resolve: (l) => (l.name === DEFAULT_LEDGER ? '/graphql' : `/ledgers/${l.name}/graphql`),
    }),
    createdAt: t.expose('createdAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it was created; null for `default`, which predates the catalogue.',
    }),
    createdBy: t.exposeString('createdBy', {
      nullable: true,
      description: 'Who created it (a key name; audit only); null for `default`.',
    }),
  }),
});

const CreateLedgerInput = builder.inputType('CreateLedgerInput', {
  description: 'A new ledger.',
  fields: (t) => ({
    name: t.string({ required: true, description: `Its name, never reused: ${LEDGER_NAME_RULE}.` }),
    description: t.string({ description: 'What it is for (at most 1,000 characters).' }),
  }),
});

const LedgerConnection = connectionType('Ledger', LedgerRef, 'ledger');
const CreateLedgerResult = resultUnion(
  'CreateLedgerResult',
  LedgerRef,
  createLedgerErrors,
  'The new ledger, or why it was not created.',
);

builder.queryField('ledgers', (t) =>
  t.field({
    type: LedgerConnection,
    authScopes: { read: true },
    description:
      'The ledgers of this deployment in name order, `default` among them; a key scoped to some sees only those.',
    args: {
      first: t.arg.int({ description: SAY.pageSize }),
      after: t.arg.string({ description: 'A cursor from a previous page.' }),
    },
    resolve: async (_root, args, ctx) => {
      const limit = pageSize(args.first);
      const afterName = decodeCursor('ledger', args.after, 'string') ?? null;
      const only = ctx.principal?.ledgers ?? null;
      const rows = await listLedgers(ctx.home.db, { afterName, limit: limit + 1, only });
      return toPage(rows, limit, args.after, (l) => encodeCursor('ledger', l.name));
    },
  }),
);

builder.mutationField('createLedger', (t) =>
  t.field({
    type: CreateLedgerResult,
    authScopes: { admin: true },
    description: 'Creates a ledger, served at once at /ledgers/<name>/graphql. Admin only.',
    args: { input: t.arg({ type: CreateLedgerInput, required: true, description: 'The ledger.' }) },
    resolve: (_root, { input }, ctx) =>
      asResult(() => ctx.createLedger(input, ctx.command.actor, new Date().toISOString())),
  }),
);
