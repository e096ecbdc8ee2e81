/**
 * Resuming a stream. Every event a subscription sends carries its resume point as the SSE `id:`
 * line (a position, a stream version, an alert id: whatever the field's `after…` argument takes).
 * A client that reconnects sends the last one back as `Last-Event-ID` — an EventSource does so
 * by itself; a graphql-sse client from its `headers` function (docs/api.md) — and the stream
 * starts after it instead of after the argument, so a reconnect neither repeats nor skips.
 */
import { badInput } from './bad-input.js';
import type { GraphQLContext } from './builder.js';

/** What a Last-Event-ID may hold: the decimal resume point this server sent, nothing else. */
const EVENT_ID = /^(0|[1-9][0-9]{0,15})$/;

/** The last resume point each stream handed out, per request context. */
const cursors = new WeakMap<GraphQLContext, number>();

/**
 * Where a stream starts: after the client's Last-Event-ID when it reconnects, otherwise after
 * the argument (0 when left out). A negative argument or a malformed id is BAD_USER_INPUT.
 */
export function resumePoint(ctx: GraphQLContext, value: number | null | undefined, field: string): number {
  const lastEventId = ctx.lastEventId ?? null;
  if (lastEventId !== null) {
    if (!EVENT_ID.test(lastEventId))
      throw badInput(`Last-Event-ID: the ${field} of the last event received, a whole number, not "${lastEventId}"`);
    return Number(lastEventId);
  }
  const n = value ?? 0;
  if (n < 0) throw badInput(`${field}: 0 or more, not ${n}`);
  return n;
}

/** The stream's items as they are, each noting its resume point for the `id:` line it goes out with. */
export function withResumePoints<T>(
  ctx: GraphQLContext,
  items: AsyncIterableIterator<T>,
  resumePointOf: (item: T) => number,
): AsyncIterableIterator<T> {
  return {
    next: async () => {
      const step = await items.next();
      if (!step.done) cursors.set(ctx, resumePointOf(step.value));
      return step;
    },
    return: (value?: unknown) => items.return?.(value) ?? Promise.resolve({ done: true, value: undefined }),
    throw: (error?: unknown) => items.throw?.(error) ?? Promise.reject(error),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** The resume point of the item the stream delivered last (null before the first, or when none is kept). */
export function lastResumePoint(ctx: GraphQLContext): number | null {
  return cursors.get(ctx) ?? null;
}
