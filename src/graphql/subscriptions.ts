/**
 * Subscriptions over server-sent events (yoga's built-in transport, the "distinct connections"
 * mode of graphql-sse): the log, or one account's stream, from a given point, then live.
 * Resume after a disconnect by subscribing again after the last position (or version) seen, or
 * by sending the last SSE id back as Last-Event-ID (resume.ts).
 */
import { GraphQLError } from 'graphql';
import { accountStream } from '../events/streams.js';
import { followLog } from '../ledger/feed.js';
import { eventView } from '../ledger/queries.js';
import { builder, type GraphQLContext } from './builder.js';
import { validCode } from './queries.js';
import { LedgerEventRef } from './types/event.js';
import { asInput } from './bad-input.js';
import { EventFilterInputRef, toEventFilter } from './event-filter.js';
import { resumePoint, withResumePoints } from './resume.js';

/** A subscription over plain JSON would hold the request open with nothing to show for it. */
export function mustStream(ctx: GraphQLContext): void {
  if (ctx.streaming === false) {
    throw new GraphQLError(
      'subscriptions are served as server-sent events: send "Accept: text/event-stream" (graphql-sse or an EventSource)',
      { extensions: { code: 'BAD_REQUEST' } },
    );
  }
}

/** The log (or one stream) from a starting point, then live; each event shown as queries show it. */
function follow(ctx: GraphQLContext, from: Parameters<typeof followLog>[2]) {
  const events = followLog(ctx.ledger.database.db, ctx.ledger.commits, from, {
    pollMs: ctx.feedPollMs,
    signal: ctx.signal,
  });
  return withResumePoints(ctx, events, (event) => (from.stream ? event.version : event.position));
}

builder.subscriptionType({
  description:
    'Live feeds over server-sent events (Accept: text/event-stream). Each catches up from the log, then follows it: in order, without gaps or repeats.',
  fields: (t) => ({
    ledgerEvents: t.field({
      type: LedgerEventRef,
      authScopes: { read: true },
      description:
        'Every event of the log after `afterPosition` (default 0: from the start) that the filter matches, then each new one as it commits, in log order. To resume, subscribe again after the last position received (events skipped by the filter are not delivered again).',
      args: {
        afterPosition: t.arg.int({ description: 'The last position already seen (0: none).' }),
        filter: t.arg({ type: EventFilterInputRef, description: 'Which events to deliver; omitted: every event.' }),
      },
      subscribe: (_root, args, ctx) => {
        mustStream(ctx);
        const afterPosition = resumePoint(ctx, args.afterPosition, 'afterPosition');
        return follow(ctx, { afterPosition, filter: asInput(() => toEventFilter(args.filter)) });
      },
      resolve: (stored) => eventView(stored),
    }),
    accountEvents: t.field({
      type: LedgerEventRef,
      authScopes: { read: true },
      description:
        'The events of one account’s stream after `afterVersion` (default 0: from its opening), then each new one. An account not yet opened is waited for.',
      args: {
        code: t.arg.string({ required: true, description: 'The account code.' }),
        afterVersion: t.arg.int({ description: 'The last stream version already seen (0: none).' }),
      },
      subscribe: (_root, args, ctx) => {
        mustStream(ctx);
        return follow(ctx, {
          stream: {
            id: accountStream(validCode(args.code, 'code')),
            afterVersion: resumePoint(ctx, args.afterVersion, 'afterVersion'),
          },
        });
      },
      resolve: (stored) => eventView(stored),
    }),
  }),
});
