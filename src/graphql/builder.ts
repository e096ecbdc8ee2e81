/** The Pothos schema builder: scalars, permissions, and the request context every resolver sees. */
import SchemaBuilder from '@pothos/core';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import type DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import type { Principal } from '../auth/api-keys.js';
import type { Permission } from '../domain/access.js';
import type { Ledger } from '../ledger/ledger.js';
import type { LedgerInfo } from '../ledger/catalogue.js';
import type { Database } from '../store/db.js';
import type { CommandContext } from '../ledger/context.js';
import type { AccountView, TransactionView } from '../ledger/queries.js';
import type { WebhookDispatcher } from '../subscribers/webhook-dispatcher.js';
import type { SubscriberRunner } from '../subscribers/runner.js';

export interface GraphQLContext {
  /** The ledger the request's endpoint serves (issue 24). */
  ledger: Ledger;
  ledgerName: string;
  /** The default ledger's database: the API keys and the catalogue of ledgers live there. */
  home: Database;
  /** Records a ledger and opens it (the server's registry). */
  createLedger(input: { name: string; description?: string | null }, actor: string, now: string): Promise<LedgerInfo>;
  /** The API key of the request; null only when the schema runs without the HTTP layer. */
  principal: Principal | null;
  /** Who is asking and under which request id; flows into every event's metadata. */
  command: CommandContext;
  /** Per-request batching of account lookups (Entry.account and the like). */
  accounts: DataLoader<string, AccountView | null>;
  transactions: DataLoader<string, TransactionView | null>;
  /** "Now" for this request, so every default time in one response agrees (moved on after each mutation). */
  now: string;
  /** Aborts when the client goes away: ends its subscriptions. */
  signal?: AbortSignal;
  /** Whether the client accepts server-sent events (the transport of subscriptions). */
  streaming?: boolean;
  /** The Last-Event-ID a reconnecting stream sends: where it resumes (graphql/resume.ts). */
  lastEventId?: string | null;
  /** The checkpointed subscribers the server runs (null when the schema runs without it). */
  subscribers?: SubscriberRunner | null;
  /** How often a subscription looks for other processes' commits. */
  feedPollMs: number;
  /** A durable consumer's ack window unless it sets its own. */
  consumerAckMs: number;
  /** Balance monitors, and webhooks, one API key may create. */
  perKeyLimit: number;
  /** The webhook deliverer the server runs (null when the schema runs without it: defaults apply). */
  webhooks?: WebhookDispatcher | null;
}

/** The schema's type parameters, for refs and field builders typed outside a `fields` callback. */
export type InkwellTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  DefaultFieldNullability: false;
  /** One scope per permission (src/domain/access.ts); a role grants a set of them. */
  AuthScopes: Record<Permission, boolean>;
  Scalars: {
    Decimal: { Input: string; Output: string };
    DateTime: { Input: string; Output: string };
    JSON: { Input: unknown; Output: unknown };
    ID: { Input: string; Output: string };
  };
}>({
  defaultFieldNullability: false,
  plugins: [ScopeAuthPlugin],
  scopeAuth: {
    authScopes: (ctx) => {
      const has = (permission: Permission) => ctx.principal?.permissions.has(permission) ?? false;
      return { read: has('read'), post: has('post'), audit: has('audit'), admin: has('admin') };
    },
    unauthorizedError: (_parent, ctx, info) =>
      new GraphQLError(
        ctx.principal
          ? `API key "${ctx.principal.name}" (role ${ctx.principal.role}) may not use ${info.parentType.name}.${info.fieldName}`
          : `an API key is required for ${info.parentType.name}.${info.fieldName}`,
        { extensions: { code: 'FORBIDDEN' } },
      ),
  },
});
