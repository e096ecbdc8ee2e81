/** Stored events as the API shows them: decoded to their current shape, with their envelope. */
import type { EventView } from '../../ledger/queries.js';
import { builder } from '../builder.js';

const EventMetadataRef = builder.objectRef<EventView['metadata']>('EventMetadata').implement({
  description: 'Who caused an event, and how.',
  fields: (t) => ({
    actor: t.exposeString('actor', { description: 'The principal that sent the command.' }),
    requestId: t.exposeString('requestId', { description: 'The HTTP request id (x-request-id).' }),
    correlationId: t.exposeString('correlationId', { description: 'Groups the events of one business flow.' }),
    causationId: t.exposeString('causationId', {
      nullable: true,
      description: 'What caused this event, when another event did.',
    }),
    idempotencyKey: t.exposeString('idempotencyKey', {
      nullable: true,
      description: 'The idempotency key of the command.',
    }),
    command: t.exposeString('command', { description: 'The command that produced the event.' }),
    clientAddress: t.exposeString('clientAddress', { nullable: true, description: 'The client’s network address.' }),
  }),
});

export const LedgerEventRef = builder.objectRef<EventView>('LedgerEvent').implement({
  description: 'One immutable event of the log (an account’s stream, the books’, or a category’s).',
  fields: (t) => ({
    position: t.int({
      description: 'Global position in the log: gap-free, in commit order.',
      resolve: (e) => e.stored.position,
    }),
    streamId: t.string({
      description:
        'The stream it belongs to: `account:<code>`, `books` for the period lock, `category:<code>`, or `price:<base>:<quote>`.',
      resolve: (e) => e.stored.streamId,
    }),
    version: t.int({
      description: 'Version of the stream after this event (1 for the first).',
      resolve: (e) => e.stored.version,
    }),
    type: t.string({ description: 'Event type, e.g. TransactionPosted.', resolve: (e) => e.event.type }),
    schemaVersion: t.int({
      description: 'The schema version it was stored at (data is shown upcast to the current one).',
      resolve: (e) => e.stored.schemaVersion,
    }),
    data: t.field({ type: 'JSON', description: 'The payload in its current shape.', resolve: (e) => e.event.data }),
    metadata: t.field({
      type: EventMetadataRef,
      nullable: true,
      authScopes: { audit: true },
      description: 'Audit metadata (who, from where): for auditor and admin keys; others get a FORBIDDEN error here.',
      resolve: (e) => e.metadata,
    }),
    recordedAt: t.field({
      type: 'DateTime',
      description: 'When the ledger recorded it.',
      resolve: (e) => e.stored.recordedAt,
    }),
    effectiveAt: t.field({
      type: 'DateTime',
      description: 'When it counts for the business.',
      resolve: (e) => e.stored.effectiveAt,
    }),
    transactionId: t.string({
      nullable: true,
      description: 'The transaction it belongs to, if any.',
      resolve: (e) => e.stored.transactionId,
    }),
    hash: t.string({
      description: 'sha256 chaining it to the previous event of the log.',
      resolve: (e) => e.stored.hash,
    }),
  }),
});
