/**
 * Metadata through GraphQL (issue 19, points 2 and 3): changing a transaction's metadata,
 * declaring and listing the indexes that make a path searchable, the MetadataPredicate every
 * filter takes, and how a search waits for the indexes it reads.
 */
import { GraphQLError } from 'graphql';
import { MetadataNotIndexed } from '../domain/errors.js';
import type { MetadataPredicate, MetadataTarget } from '../domain/metadata.js';
import { updateTransactionMetadataErrors } from '../ledger/commands/update-transaction-metadata.js';
import type { IndexRef } from '../ledger/metadata-filter.js';
import {
  createMetadataIndexErrors,
  declareMetadataIndex,
  indexesAt,
  listMetadataIndexes,
  METADATA_INDEX_FAMILY,
  type MetadataIndexView,
} from '../subscribers/metadata-index.js';
import { builder, type GraphQLContext } from './builder.js';
import { createdByField } from './audit-fields.js';
import { asResult, resultUnion } from './errors.js';
import { committed } from './committed.js';
import { TransactionRef } from './types/entry.js';

export const MetadataPredicateRef = builder.inputType('MetadataPredicate', {
  description:
    'A condition on the value at a metadata path, as known at the position read: exactly one of eq, in and exists. In searches, only a path with a READY index (createMetadataIndex) can be filtered; any other is METADATA_NOT_INDEXED. Event filters (EventFilterInput) judge each event’s own metadata and need no index.',
  fields: (t) => ({
    path: t.string({ required: true, description: 'Keys joined by "." ("customer.id" is metadata.customer.id).' }),
    eq: t.field({ type: 'JSON', description: 'The value equals this JSON value (not null: use exists).' }),
    in: t.field({ type: ['JSON'], description: 'The value equals one of these.' }),
    exists: t.boolean({ description: 'true: the path has a value (null included); false: it has none.' }),
  }),
});

const MetadataTargetRef = builder.enumType('MetadataTarget', {
  description: 'What a metadata index is kept for.',
  values: {
    TRANSACTION: { value: 'TRANSACTION', description: 'Transactions (and the entries of each).' },
    ACCOUNT: { value: 'ACCOUNT', description: 'Accounts.' },
  } satisfies Record<MetadataTarget, unknown>,
});

const MetadataIndexStateRef = builder.enumType('MetadataIndexState', {
  description: 'Whether an index can answer searches.',
  values: {
    BUILDING: { value: 'BUILDING', description: 'Still reading the log up to where it was declared.' },
    READY: { value: 'READY', description: 'Past the head it was declared at; it follows every new event.' },
  },
});

const MetadataIndexRef = builder.objectRef<MetadataIndexView>('MetadataIndex').implement({
  description: 'A metadata path declared searchable, kept by a checkpointed subscriber.',
  fields: (t) => ({
    target: t.field({ type: MetadataTargetRef, description: 'Transactions or accounts.', resolve: (i) => i.target }),
    path: t.exposeString('path', { description: 'The metadata path.' }),
    state: t.field({ type: MetadataIndexStateRef, description: 'BUILDING or READY.', resolve: (i) => i.state }),
    position: t.exposeInt('position', { description: 'The last log position the index has taken in.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was declared.' }),
    createdBy: createdByField(t, 'declared'),
  }),
});

const CreateMetadataIndexInput = builder.inputType('CreateMetadataIndexInput', {
  description: 'The path to make searchable.',
  fields: (t) => ({
    target: t.field({ type: MetadataTargetRef, required: true, description: 'Transactions or accounts.' }),
    path: t.string({ required: true, description: 'Keys joined by "." ("customer.id").' }),
  }),
});

const UpdateTransactionMetadataInput = builder.inputType('UpdateTransactionMetadataInput', {
  description: 'Paths to set and to remove; the rest of the metadata stays as it is.',
  fields: (t) => ({
    transactionId: t.id({ required: true, description: 'The transaction.' }),
    set: t.field({
      type: 'JSON',
      description: 'A JSON object of path → value ({"customer.id": "c-1"}); objects on the way are created.',
    }),
    unset: t.stringList({ description: 'Paths to remove (an absent one is no change).' }),
  }),
});

builder.queryField('metadataIndexes', (t) =>
  t.field({
    type: [MetadataIndexRef],
    authScopes: { read: true },
    description: 'Every metadata index declared, with its state and position, by target then path.',
    resolve: (_root, _args, ctx) => listMetadataIndexes(ctx.ledger.database.db),
  }),
);

builder.mutationFields((t) => ({
  updateTransactionMetadata: t.field({
    authScopes: { post: true },
    type: resultUnion(
      'UpdateTransactionMetadataResult',
      TransactionRef,
      updateTransactionMetadataErrors,
      'The transaction with its new metadata, or why nothing changed.',
    ),
    description:
      'Sets and unsets paths of a transaction’s metadata, as an event on every account it touches: searches at an earlier position still see the metadata as it was.',
    args: { input: t.arg({ type: UpdateTransactionMetadataInput, required: true, description: 'The change.' }) },
    resolve: (_root, { input }, ctx) =>
      asResult(() =>
        committed(
          ctx,
          ctx.ledger.updateTransactionMetadata({ ...input, transactionId: String(input.transactionId) }, ctx.command),
          ctx.transactions,
        ),
      ),
  }),
  createMetadataIndex: t.field({
    authScopes: { admin: true },
    type: resultUnion(
      'CreateMetadataIndexResult',
      MetadataIndexRef,
      createMetadataIndexErrors,
      'The index, or why not.',
    ),
    description:
      'Declares a metadata path searchable; declaring it again changes nothing. It is built from the log while writes go on (BUILDING), then follows every event (READY).',
    args: { input: t.arg({ type: CreateMetadataIndexInput, required: true, description: 'The path.' }) },
    resolve: (_root, { input }, ctx) =>
      asResult(async () => {
        const target = input.target as MetadataTarget;
        const index = await declareMetadataIndex(
          ctx.ledger.database,
          { target, path: input.path },
          {
            actor: ctx.command.actor,
            now: new Date().toISOString(),
          },
        );
        // Start building at once, rather than at the runner's next look.
        await ctx.subscribers?.refresh();
        return index;
      }),
  }),
}));

/** How long a search waits for an index to take in the position it reads before refusing. */
export const INDEX_WAIT_MS = 2_000;

/**
 * The index each metadata predicate reads, once it has taken in `atPosition` (subscribers follow
 * the log just behind the writes: a search waits for them, within INDEX_WAIT_MS).
 */
export async function indexesFor(
  ctx: GraphQLContext,
  target: MetadataTarget,
  predicates: readonly MetadataPredicate[] | undefined,
  atPosition: number,
): Promise<Map<string, IndexRef>> {
  if (!predicates) return new Map();
  const until = Date.now() + INDEX_WAIT_MS;
  const wait = async () => {
    const runner = ctx.subscribers;
    if (!runner || Date.now() >= until || ctx.signal?.aborted) return false;
    // The indexes gather their batches for a while: this search wants the next one now.
    runner.hurry(METADATA_INDEX_FAMILY);
    await runner.commits.wait(50, ctx.signal);
    return true;
  };
  try {
    return await indexesAt(
      ctx.ledger.database.db,
      target,
      predicates.map((p) => p.path),
      atPosition,
      wait,
    );
  } catch (error) {
    if (error instanceof MetadataNotIndexed)
      throw new GraphQLError(error.message, {
        extensions: { code: error.code, target: error.target, path: error.path },
      });
    throw error;
  }
}
