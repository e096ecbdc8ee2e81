/** API key management for admin keys: list, create (the secret is returned once), revoke. */
import {
  createApiKey,
  createApiKeyErrors,
  listApiKeys,
  revokeApiKey,
  revokeApiKeyErrors,
  type ApiKey,
} from '../auth/api-keys.js';
import type { ROLES } from '../domain/access.js';
import { builder } from './builder.js';
import { connectionType, decodeCursor, encodeCursor, pageSize, toPage } from './connection.js';
import { asResult, resultUnion } from './errors.js';
import { SAY } from './limit-text.js';

const RoleRef = builder.enumType('Role', {
  description: 'What an API key may do.',
  values: {
    reader: { value: 'reader', description: 'Queries.' },
    writer: { value: 'writer', description: 'Queries and posting (postTransaction, transfer, reverseTransaction).' },
    auditor: {
      value: 'auditor',
      description: 'Queries and audit data (event metadata, integrity, audit trail, exports).',
    },
    admin: { value: 'admin', description: 'Everything: account lifecycle, keys.' },
  } satisfies Record<(typeof ROLES)[number], unknown>,
});

const ApiKeyRef = builder.objectRef<ApiKey>('ApiKey').implement({
  description: 'An API key. Its secret is never shown again after creation.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Unique, never reused: the actor of every event the key causes.' }),
    role: t.field({ type: RoleRef, description: 'What it may do.', resolve: (k) => k.role }),
    prefix: t.exposeString('prefix', { description: 'The first characters of the secret, to recognise it.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    createdBy: t.exposeString('createdBy', { description: 'Who created it: a key name, "cli" or "startup".' }),
    expiresAt: t.expose('expiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'From this instant on it is refused.',
    }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true, description: 'When it was revoked.' }),
    revokedBy: t.exposeString('revokedBy', { nullable: true, description: 'Who revoked it.' }),
    ledgers: t.exposeStringList('ledgers', {
      nullable: true,
      description: 'The ledgers it may use (FORBIDDEN on any other); null: every ledger.',
    }),
  }),
});

const CreatedApiKeyRef = builder.objectRef<{ key: ApiKey; secret: string }>('CreatedApiKey').implement({
  description: 'A new key and its secret. Store the secret now: only its hash is kept.',
  fields: (t) => ({
    key: t.field({ type: ApiKeyRef, description: 'The key.', resolve: (c) => c.key }),
    secret: t.exposeString('secret', { description: 'Send it as "Authorization: Bearer <secret>".' }),
  }),
});

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  description: 'A new API key.',
  fields: (t) => ({
    name: t.string({ required: true, description: `${SAY.keyName}: a-z, 0-9, ".", "_", "-".` }),
    role: t.field({ type: RoleRef, required: true, description: 'What it may do.' }),
    expiresAt: t.field({ type: 'DateTime', description: 'When it stops working; default never.' }),
    ledgers: t.stringList({
      description: 'The ledgers it may use, each existing (at most 100); default: every ledger.',
    }),
  }),
});

const RevokeApiKeyInput = builder.inputType('RevokeApiKeyInput', {
  description: 'The key to revoke.',
  fields: (t) => ({ name: t.string({ required: true, description: 'The key’s name.' }) }),
});

const ApiKeyConnection = connectionType('ApiKey', ApiKeyRef, 'apiKey');
const CreateApiKeyResult = resultUnion(
  'CreateApiKeyResult',
  CreatedApiKeyRef,
  createApiKeyErrors,
  'The new key, or why it was not created.',
);
const RevokeApiKeyResult = resultUnion(
  'RevokeApiKeyResult',
  ApiKeyRef,
  revokeApiKeyErrors,
  'The revoked key, or why not.',
);

builder.queryField('apiKeys', (t) =>
  t.field({
    type: ApiKeyConnection,
    authScopes: { admin: true },
    description: 'Every API key, revoked ones included, in name order. Admin only.',
    args: {
      first: t.arg.int({ description: SAY.pageSize }),
      after: t.arg.string({ description: 'A cursor from a previous page.' }),
    },
    resolve: async (_root, args, ctx) => {
      const limit = pageSize(args.first);
      const afterName = decodeCursor('apiKey', args.after, 'string') ?? null;
      const rows = await listApiKeys(ctx.home.db, { afterName, limit: limit + 1 });
      return toPage(rows, limit, args.after, (key) => encodeCursor('apiKey', key.name));
    },
  }),
);

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: CreateApiKeyResult,
    authScopes: { admin: true },
    description: 'Creates an API key and returns its secret, once. Admin only.',
    args: { input: t.arg({ type: CreateApiKeyInput, required: true, description: 'The key.' }) },
    resolve: (_root, { input }, ctx) =>
      asResult(() => createApiKey(ctx.home, { ...input, createdBy: ctx.command.actor, now: new Date().toISOString() })),
  }),
  revokeApiKey: t.field({
    type: RevokeApiKeyResult,
    authScopes: { admin: true },
    description: 'Revokes an API key from the next request on; revoking it again changes nothing. Admin only.',
    args: { input: t.arg({ type: RevokeApiKeyInput, required: true, description: 'The key.' }) },
    resolve: (_root, { input }, ctx) =>
      asResult(() => revokeApiKey(ctx.home, input.name, ctx.command.actor, new Date().toISOString())),
  }),
}));
