/**
 * Webhooks through GraphQL (admin only): create (the signing secret shown once), list, pause,
 * resume, delete, rotate the secret, replay from a position, and the delivery log. The rules
 * live in subscribers/webhook-*.ts; these resolvers only translate.
 */
import { GraphQLError } from 'graphql';
import { PerKeyLimitReached, WebhookNotFound, WebhookUrlRefused, ValidationError } from '../domain/errors.js';
import { DELIVERY_STATUSES, WEBHOOK_RESPONSE_BODY_BYTES, WEBHOOK_STATUSES } from '../domain/webhooks.js';
import type { Database } from '../store/db.js';
import { DEFAULT_WEBHOOK_SETTINGS } from '../subscribers/webhook-settings.js';
import {
  createWebhook,
  deleteWebhook,
  listDeliveries,
  listWebhooks,
  pauseWebhook,
  replayWebhook,
  resumeWebhook,
  rotateWebhookSecret,
  type DeliveryView,
  type WebhookView,
  type WebhookWithSecret,
} from '../subscribers/webhook-store.js';
import { builder, type GraphQLContext } from './builder.js';
import { connectionType, decodeCursor, encodeCursor, pageSize, toPage } from './connection.js';
import { asResult, resultUnion } from './errors.js';
import { EventFilterInputRef, toEventFilter } from './event-filter.js';
import { SAY } from './limit-text.js';

const statusValues = <T extends string>(values: readonly T[], describe: Record<T, string>) =>
  Object.fromEntries(values.map((v) => [v, { value: v, description: describe[v] }])) as Record<
    T,
    { value: T; description: string }
  >;

const WebhookStatusRef = builder.enumType('WebhookStatus', {
  description: 'Whether a webhook sends.',
  values: statusValues(WEBHOOK_STATUSES, {
    ACTIVE: 'Sends each matching event in log order, retrying failures.',
    PAUSED: 'Sends nothing until resumed; resumes where it stopped.',
    FAILING:
      'Parked: one event kept failing for the configured age. resumeWebhook retries it; replayWebhook starts elsewhere.',
  }),
});

const DeliveryStatusRef = builder.enumType('WebhookDeliveryStatus', {
  description: 'Where the delivery of one event stands.',
  values: statusValues(DELIVERY_STATUSES, {
    PENDING: 'Failed so far; retried at nextAttemptAt.',
    SUCCEEDED: 'Acknowledged with a 2xx answer.',
    FAILED: 'Given up: the webhook parked as FAILING on it.',
  }),
});

const WebhookRef = builder.objectRef<WebhookView>('Webhook').implement({
  description: 'Pushes matching ledger events to a URL, signed (Standard Webhooks). Its secret is never shown again.',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'Its id.' }),
    url: t.exposeString('url', { description: 'Where events are POSTed.' }),
    description: t.exposeString('description', { description: 'What it is for ("" when none was given).' }),
    filter: t.field({
      type: 'JSON',
      description: 'The event filter, as checked ({}: every event).',
      resolve: (w) => w.filter,
    }),
    status: t.field({ type: WebhookStatusRef, description: 'ACTIVE, PAUSED or FAILING.', resolve: (w) => w.status }),
    position: t.exposeInt('position', {
      description: 'The checkpoint: the last log position acknowledged (or passed over by the filter).',
    }),
    attempts: t.exposeInt('attempts', { description: 'Failed attempts at the event being sent now.' }),
    failingSince: t.expose('failingSince', {
      type: 'DateTime',
      nullable: true,
      description: 'When the event being sent now first failed; null while nothing fails.',
    }),
    nextAttemptAt: t.expose('nextAttemptAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the next retry is due.',
    }),
    lastError: t.exposeString('lastError', { nullable: true, description: 'Why the last attempt failed.' }),
    previousSecretExpiresAt: t.expose('previousSecretExpiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'After a rotation: until when the previous secret also signs each message.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    createdBy: t.exposeString('createdBy', { description: 'The API key that created it.' }),
  }),
});

const WebhookWithSecretRef = builder.objectRef<WebhookWithSecret>('WebhookWithSecret').implement({
  description: 'A webhook and its signing secret. Store the secret now: no query returns it.',
  fields: (t) => ({
    webhook: t.field({ type: WebhookRef, description: 'The webhook.', resolve: (w) => w.webhook }),
    secret: t.exposeString('secret', {
      description: 'whsec_<base64>: verify each delivery with it (any Standard Webhooks library).',
    }),
  }),
});

const DeliveryRef = builder.objectRef<DeliveryView>('WebhookDelivery').implement({
  description: 'One event sent to a webhook (sent again after a replay: a new delivery).',
  fields: (t) => ({
    id: t.exposeInt('id', { description: 'Numbered in the order deliveries began.' }),
    webhookId: t.exposeString('webhookId', { description: 'The webhook.' }),
    eventPosition: t.exposeInt('eventPosition', { description: 'The log position of the event.' }),
    eventType: t.exposeString('eventType', { description: 'The event type.' }),
    messageId: t.exposeString('messageId', {
      description: 'The webhook-id header: the same at every attempt, for receivers to deduplicate.',
    }),
    status: t.field({ type: DeliveryStatusRef, description: 'Where it stands.', resolve: (d) => d.status }),
    attempts: t.exposeInt('attempts', { description: 'Attempts so far.' }),
    responseCode: t.exposeInt('responseCode', {
      nullable: true,
      description: 'The HTTP status of the last answer; null when none came (timeout, refused, down).',
    }),
    responseBody: t.exposeString('responseBody', {
      nullable: true,
      description: `The first ${WEBHOOK_RESPONSE_BODY_BYTES} bytes of the last answer.`,
    }),
    error: t.exposeString('error', { nullable: true, description: 'Why the last attempt failed.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'The first attempt.' }),
    lastAttemptAt: t.expose('lastAttemptAt', { type: 'DateTime', description: 'The last attempt.' }),
    nextAttemptAt: t.expose('nextAttemptAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it is retried (PENDING only).',
    }),
  }),
});

const CreateWebhookInput = builder.inputType('CreateWebhookInput', {
  description: 'A new webhook.',
  fields: (t) => ({
    url: t.string({
      required: true,
      description: 'An http(s) URL whose addresses are public (docs/security.md), at most 2048 characters.',
    }),
    filter: t.field({ type: EventFilterInputRef, description: 'Which events to send; default every event.' }),
    description: t.string({ description: `What it is for: at most ${SAY.description}.` }),
  }),
});

const WebhookIdInput = builder.inputType('WebhookIdInput', {
  description: 'The webhook concerned.',
  fields: (t) => ({ id: t.string({ required: true, description: 'Its id.' }) }),
});

const ReplayWebhookInput = builder.inputType('ReplayWebhookInput', {
  description: 'Where to send again from.',
  fields: (t) => ({
    webhookId: t.string({ required: true, description: 'The webhook.' }),
    fromPosition: t.int({
      required: true,
      description: 'The first log position to send again (its matching events from there on, in order).',
    }),
  }),
});

const CreateWebhookResult = resultUnion(
  'CreateWebhookResult',
  WebhookWithSecretRef,
  [ValidationError, WebhookUrlRefused, PerKeyLimitReached],
  'The new webhook and its secret, or why not.',
);
const WebhookResult = resultUnion('WebhookResult', WebhookRef, [WebhookNotFound], 'The webhook, or why not.');
const RotateWebhookSecretResult = resultUnion(
  'RotateWebhookSecretResult',
  WebhookWithSecretRef,
  [WebhookNotFound],
  'The webhook and its new secret, or why not.',
);
const ReplayWebhookResult = resultUnion(
  'ReplayWebhookResult',
  WebhookRef,
  [WebhookNotFound, ValidationError],
  'The webhook, its checkpoint moved back, or why not.',
);

const WebhookConnection = connectionType('Webhook', WebhookRef, 'webhook');
const DeliveryConnection = connectionType('WebhookDelivery', DeliveryRef, 'delivery');

const settingsOf = (ctx: GraphQLContext) => ctx.webhooks?.settings ?? DEFAULT_WEBHOOK_SETTINGS;

builder.queryFields((t) => ({
  webhooks: t.field({
    type: WebhookConnection,
    authScopes: { admin: true },
    description: 'Every webhook, oldest first. Admin only. Secrets are never shown.',
    args: {
      first: t.arg.int({ description: SAY.pageSize }),
      after: t.arg.string({ description: 'A cursor from a previous page.' }),
    },
    resolve: async (_root, args, ctx) => {
      const limit = pageSize(args.first);
      const afterId = decodeCursor('webhook', args.after, 'string') ?? null;
      const rows = await listWebhooks(ctx.ledger.database.db, { afterId, limit: limit + 1 });
      return toPage(rows, limit, args.after, (w) => encodeCursor('webhook', w.id));
    },
  }),
  webhookDeliveries: t.field({
    type: DeliveryConnection,
    authScopes: { admin: true },
    description: 'A webhook’s delivery log, newest first. Admin only. An unknown webhook is a WEBHOOK_NOT_FOUND error.',
    args: {
      webhookId: t.arg.string({ required: true, description: 'The webhook.' }),
      status: t.arg({ type: DeliveryStatusRef, description: 'Only deliveries in this status.' }),
      first: t.arg.int({ description: SAY.pageSize }),
      after: t.arg.string({ description: 'A cursor from a previous page.' }),
    },
    resolve: async (_root, args, ctx) => {
      const limit = pageSize(args.first);
      const beforeId = decodeCursor('webhookDelivery', args.after, 'number') ?? null;
      const rows = await listDeliveries(ctx.ledger.database.db, args.webhookId, {
        status: args.status ?? null,
        beforeId,
        limit: limit + 1,
      }).catch((error: unknown) => {
        if (error instanceof WebhookNotFound)
          throw new GraphQLError(error.message, { extensions: { code: error.code } });
        throw error;
      });
      return toPage(rows, limit, args.after, (d) => encodeCursor('webhookDelivery', d.id));
    },
  }),
}));

builder.mutationFields((t) => {
  /** A mutation on one webhook, named by id; wakes this process's deliverer (a resume or replay). */
  const onWebhook = (description: string, run: (database: Database, id: string) => Promise<WebhookView>) =>
    t.field({
      type: WebhookResult,
      authScopes: { admin: true },
      description: `${description} Admin only.`,
      args: { input: t.arg({ type: WebhookIdInput, required: true, description: 'The webhook.' }) },
      resolve: (_root, { input }, ctx) =>
        asResult(async () => {
          const webhook = await run(ctx.ledger.database, input.id);
          ctx.webhooks?.wake();
          return webhook;
        }),
    });
  return {
    createWebhook: t.field({
      type: CreateWebhookResult,
      authScopes: { admin: true },
      description:
        'Creates a webhook that sends every matching event committed from now on, and returns its signing secret, once. Admin only.',
      args: { input: t.arg({ type: CreateWebhookInput, required: true, description: 'The webhook.' }) },
      resolve: (_root, { input }, ctx) =>
        asResult(async () => {
          const created = await createWebhook(
            ctx.ledger.database,
            { url: input.url, description: input.description, filter: toEventFilter(input.filter) },
            settingsOf(ctx),
            ctx.command.actor,
            new Date().toISOString(),
            ctx.perKeyLimit,
          );
          ctx.webhooks?.wake();
          return created;
        }),
    }),
    pauseWebhook: onWebhook(
      'Stops sending once the attempt in flight (if any) ends; pausing a paused webhook changes nothing.',
      pauseWebhook,
    ),
    resumeWebhook: onWebhook(
      'Sends again from the checkpoint: a FAILING webhook retries the event it parked on at once.',
      resumeWebhook,
    ),
    deleteWebhook: onWebhook('Deletes a webhook and its delivery log; nothing more is sent.', deleteWebhook),
    rotateWebhookSecret: t.field({
      type: RotateWebhookSecretResult,
      authScopes: { admin: true },
      description:
        'A new signing secret, returned once; the previous one keeps signing beside it for a grace period (INKWELL_WEBHOOK_SECRET_GRACE_MS, default 24 h). Admin only.',
      args: { input: t.arg({ type: WebhookIdInput, required: true, description: 'The webhook.' }) },
      resolve: (_root, { input }, ctx) =>
        asResult(() => rotateWebhookSecret(ctx.ledger.database, input.id, settingsOf(ctx).secretGraceMs, new Date())),
    }),
    replayWebhook: t.field({
      type: ReplayWebhookResult,
      authScopes: { admin: true },
      description:
        'Sends the matching events from `fromPosition` on again, in order (same webhook-id as before), then new ones. Admin only.',
      args: { input: t.arg({ type: ReplayWebhookInput, required: true, description: 'The webhook and position.' }) },
      resolve: (_root, { input }, ctx) =>
        asResult(async () => {
          const webhook = await replayWebhook(ctx.ledger.database, input.webhookId, input.fromPosition);
          ctx.webhooks?.wake();
          return webhook;
        }),
    }),
  };
});
