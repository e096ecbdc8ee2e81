/**
 * Durable consumers through GraphQL (issue 21, point 3): createConsumer and deleteConsumer
 * (admin); consumerEvents to pull, ackConsumer to acknowledge, consumers to list with their lag
 * (read). The rules and the lease bookkeeping are ledger/consumers.ts.
 */
import { GraphQLError } from 'graphql';
import { checkAckTimeout, checkConsumerName, checkPosition, checkPullSize } from '../domain/consumers.js';
import type { EventFilterInput } from '../domain/event-filter.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../domain/limits.js';
import {
  ackConsumer,
  ackConsumerErrors,
  consumerErrors,
  createConsumer,
  createConsumerErrors,
  deleteConsumer,
  listConsumers,
  pullConsumer,
  pullConsumerErrors,
  type ConsumerBatch,
  type ConsumerView,
} from '../ledger/consumers.js';
import { eventView } from '../ledger/queries.js';
import { builder, type GraphQLContext } from './builder.js';
import { createdByField } from './audit-fields.js';
import { asResult, resultUnion } from './errors.js';
import { EventFilterInputRef, toEventFilter } from './event-filter.js';
import { LedgerEventRef } from './types/event.js';

const ConsumerRef = builder.objectRef<ConsumerView>('Consumer').implement({
  description:
    'A durable consumer: a server-side cursor over the log that several processes may pull (consumerEvents) and acknowledge (ackConsumer).',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Its name.' }),
    filter: t.field({
      type: 'JSON',
      description: 'The EventFilterInput it was created with ({}: every event).',
      resolve: (c) => c.filter,
    }),
    startPosition: t.exposeInt('startPosition', { description: 'It delivers the events after this position.' }),
    cursor: t.exposeInt('cursor', {
      description: 'The committed cursor: every matching event at or before it is acknowledged. Only moves forward.',
    }),
    handedOutThrough: t.exposeInt('handedOutThrough', {
      description: 'The log has been handed out (or skipped as not matching) through this position.',
    }),
    lag: t.int({
      description: 'The log’s last position less the cursor: how far acknowledgements trail the log.',
      resolve: (c) => Math.max(0, c.head - c.cursor),
    }),
    inFlight: t.exposeInt('inFlight', {
      description: 'Batches handed out and not yet acknowledged (those past their window included).',
    }),
    ackTimeoutMs: t.int({
      description:
        'The ack window: a batch not acknowledged within it is handed out again (its own, or the server’s INKWELL_CONSUMER_ACK_MS).',
      resolve: (c, _args, ctx) => c.ackTimeoutMs ?? ctx.consumerAckMs,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    createdBy: createdByField(t, 'created'),
  }),
});

const ConsumerBatchRef = builder.objectRef<ConsumerBatch>('ConsumerBatch').implement({
  description: 'Events handed out by one pull, leased to the caller until `leaseExpiresAt`.',
  fields: (t) => ({
    consumer: t.exposeString('consumer', { description: 'The consumer pulled.' }),
    events: t.field({
      type: [LedgerEventRef],
      description: 'Matching events, in log order (empty: nothing new to hand out).',
      resolve: (b) => b.events.map((stored) => eventView(stored)),
    }),
    throughPosition: t.exposeInt('throughPosition', {
      nullable: true,
      description: 'The last event’s position: ack it to acknowledge the whole batch. Null when empty.',
    }),
    leaseExpiresAt: t.expose('leaseExpiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'Unacknowledged by then, the batch is handed out again. Null when empty.',
    }),
    deliveries: t.exposeInt('deliveries', {
      description: 'How many times these events have been handed out (1: the first time; 0: empty).',
    }),
  }),
});

const CreateConsumerInput = builder.inputType('CreateConsumerInput', {
  description: 'A new durable consumer.',
  fields: (t) => ({
    name: t.string({
      required: true,
      description: '1 to 64 characters: lowercase a-z, 0-9, ".", "_" and "-", starting with a letter or digit.',
    }),
    filter: t.field({ type: EventFilterInputRef, description: 'Which events it delivers; omitted: every event.' }),
    startPosition: t.int({
      description:
        'Deliver the events after this position (default 0: the whole log); at most the log’s last position.',
    }),
    ackTimeoutMs: t.int({
      description: 'Its own ack window, 100 to 3,600,000 ms (default: the server’s INKWELL_CONSUMER_ACK_MS, 30 s).',
    }),
  }),
});

const ConsumerNameInput = builder.inputType('ConsumerNameInput', {
  description: 'The consumer concerned.',
  fields: (t) => ({ name: t.string({ required: true, description: 'Its name.' }) }),
});

const AckConsumerInput = builder.inputType('AckConsumerInput', {
  description: 'Acknowledges the batch that handed out `position`, through that position.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'The consumer.' }),
    position: t.int({
      required: true,
      description:
        'A position handed out: its batch is acknowledged through it (a batch’s throughPosition: all of it).',
    }),
  }),
});

const CreateConsumerResult = resultUnion(
  'CreateConsumerResult',
  ConsumerRef,
  createConsumerErrors,
  'The new consumer, or why not.',
);
const ConsumerResult = resultUnion('ConsumerResult', ConsumerRef, consumerErrors, 'The consumer, or why not.');
const AckConsumerResult = resultUnion(
  'AckConsumerResult',
  ConsumerRef,
  ackConsumerErrors,
  'The consumer after the ack, or why nothing was acknowledged.',
);
const ConsumerEventsResult = resultUnion(
  'ConsumerEventsResult',
  ConsumerBatchRef,
  pullConsumerErrors,
  'The batch handed out, or why not.',
);

/** Only the parts given, so the stored filter reads back as the client wrote it. */
function givenParts(filter: EventFilterInput | null | undefined): EventFilterInput {
  return Object.fromEntries(Object.entries(filter ?? {}).filter(([, value]) => value != null));
}

/** A pull takes a lease: a GET (which caches and prefetchers may repeat) must not. */
function mustPost(ctx: GraphQLContext): void {
  const method = (ctx as GraphQLContext & { request?: Request }).request?.method;
  if (method === 'GET')
    throw new GraphQLError('consumerEvents hands out a lease: send it by POST', {
      extensions: { code: 'BAD_REQUEST' },
    });
}

builder.queryFields((t) => ({
  consumers: t.field({
    type: [ConsumerRef],
    authScopes: { read: true },
    description: 'Every durable consumer, by name, with its cursor and lag.',
    resolve: (_root, _args, ctx) => listConsumers(ctx.ledger.database.db),
  }),
  consumerEvents: t.field({
    type: ConsumerEventsResult,
    authScopes: { read: true },
    description: `Pulls up to \`first\` (1 to ${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}) matching events from the consumer and leases them to the caller for its ack window: first a batch whose window passed unacknowledged (redelivered), else the next events after what was handed out. Not read-only: it takes a lease (POST only).`,
    args: {
      name: t.arg.string({ required: true, description: 'The consumer.' }),
      first: t.arg.int({ description: `Events at most (default ${DEFAULT_PAGE_SIZE}).` }),
    },
    resolve: (_root, args, ctx) => {
      mustPost(ctx);
      return asResult(async () => {
        const first = checkPullSize(args.first, DEFAULT_PAGE_SIZE);
        const name = checkConsumerName(args.name);
        return pullConsumer(ctx.ledger.database, name, first, ctx.consumerAckMs, Date.now());
      });
    },
  }),
}));

builder.mutationFields((t) => ({
  createConsumer: t.field({
    type: CreateConsumerResult,
    authScopes: { admin: true },
    description: 'Creates a durable consumer: a server-side cursor over the events its filter matches.',
    args: { input: t.arg({ type: CreateConsumerInput, required: true, description: 'The consumer.' }) },
    resolve: (_root, { input }, ctx) =>
      asResult(async () => {
        const filter = givenParts(input.filter);
        toEventFilter(filter);
        const consumer = {
          name: checkConsumerName(input.name),
          filter,
          startPosition: checkPosition(input.startPosition ?? 0, 'startPosition'),
          ackTimeoutMs: checkAckTimeout(input.ackTimeoutMs),
        };
        return createConsumer(ctx.ledger.database, consumer, ctx.command.actor, new Date().toISOString());
      }),
  }),
  ackConsumer: t.field({
    type: AckConsumerResult,
    authScopes: { read: true },
    description:
      'Acknowledges the batch that handed out `position`, through that position; the cursor moves past every batch acknowledged, never back.',
    args: { input: t.arg({ type: AckConsumerInput, required: true, description: 'The ack.' }) },
    resolve: (_root, { input }, ctx) =>
      asResult(async () =>
        ackConsumer(ctx.ledger.database, checkConsumerName(input.name), checkPosition(input.position, 'position')),
      ),
  }),
  deleteConsumer: t.field({
    type: ConsumerResult,
    authScopes: { admin: true },
    description: 'Deletes a durable consumer, its cursor and its leases (the log is untouched).',
    args: { input: t.arg({ type: ConsumerNameInput, required: true, description: 'The consumer.' }) },
    resolve: (_root, { input }, ctx) =>
      asResult(async () => deleteConsumer(ctx.ledger.database, checkConsumerName(input.name))),
  }),
}));
