/**
 * Streams that end honestly: the yoga plugin every subscription goes through, whatever its field.
 *
 * - Its key is re-checked while it is open (auth/key-states.ts): before each result it delivers,
 *   against a cache that is read again every 500 ms, which also ends an idle stream. A revoked or
 *   expired key ends the stream with one last result, an `UNAUTHENTICATED` error, then `complete`.
 * - Each result carries its resume point, for the SSE `id:` line (resume.ts, sse-stream.ts).
 * - Its results are written by sse-stream.ts, which ends them at shutdown without `complete`,
 *   so that clients reconnect and resume.
 *
 * Wrapping the results of every subscription here, rather than each field's source, gives the
 * subscriptions added later the re-check and the shutdown without a line in them; only their
 * resume points need them to use resume.ts.
 */
import { GraphQLError, type ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { KeyStates, KeyWatch } from '../auth/key-states.js';
import type { GraphQLContext } from './builder.js';
import { lastResumePoint } from './resume.js';
import { RESUME_POINT, sseStreams } from './sse-stream.js';

type Step = IteratorResult<ExecutionResult>;
const DONE: Step = { done: true, value: undefined };

function unauthenticated(message: string): ExecutionResult {
  return {
    errors: [new GraphQLError(`${message}: the stream is closed`, { extensions: { code: 'UNAUTHENTICATED' } })],
  };
}

/** The results of one subscription, ended with UNAUTHENTICATED once its key no longer admits it. */
export function guardStream(
  results: AsyncIterable<ExecutionResult>,
  ctx: GraphQLContext,
  keys: KeyStates,
): AsyncIterableIterator<ExecutionResult> {
  const source = results[Symbol.asyncIterator]();
  let finished = false;
  /** Why the key watch ended the stream (it closes itself then, so it is remembered here). */
  let failedWith: string | null = null;
  /** Ends the wait for the next event, while one is under way. */
  let interrupt: ((message: string) => void) | null = null;
  const watch: KeyWatch | null = ctx.principal
    ? keys.watch(ctx.principal.name, (message) => {
        failedWith = message;
        interrupt?.(message);
      })
    : null;
  const stop = (): void => {
    finished = true;
    watch?.close();
  };
  const end = (message: string): Step => {
    stop();
    void source.return?.();
    return { done: false, value: unauthenticated(message) };
  };
  /**
   * The next event, or the key's failure if it comes first: an idle stream waits here, and the
   * watch must be able to end it. A fresh promise per wait, not a race against one long-lived
   * promise, which would keep a reaction per event delivered for the life of the stream.
   */
  const nextOrFailure = () =>
    new Promise<Step | { failed: string }>((resolve, reject) => {
      interrupt = (message) => resolve({ failed: message });
      source.next().then(resolve, reject);
    }).finally(() => {
      interrupt = null;
    });
  return {
    async next() {
      if (finished) return DONE;
      const before = failedWith ?? watch?.failure();
      if (before) return end(before);
      const step = await nextOrFailure();
      if (finished) return DONE;
      if ('failed' in step) return end(step.failed);
      if (step.done) {
        stop();
        return step;
      }
      const after = failedWith ?? watch?.failure();
      if (after) return end(after);
      const resumePoint = lastResumePoint(ctx);
      if (resumePoint !== null) Object.assign(step.value, { [RESUME_POINT]: resumePoint });
      return step;
    },
    async return() {
      stop();
      await source.return?.();
      return DONE;
    },
    async throw(error?: unknown) {
      stop();
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** The plugin: guards every subscription's results and writes them with sse-stream.ts. */
export function useLiveStreams(options: { keys: KeyStates; stopping?: AbortSignal }): Plugin {
  const writer = sseStreams(options.stopping);
  return {
    onSubscribe({ args }) {
      const ctx = args.contextValue as unknown as GraphQLContext;
      return {
        onSubscribeResult({ result, setResult }) {
          if (isAsyncIterable(result)) setResult(guardStream(result, ctx, options.keys));
        },
      };
    },
    onResultProcess({ request, result, setResultProcessor }) {
      if (isAsyncIterable(result) && (request.headers.get('accept') ?? '').includes('text/event-stream'))
        setResultProcessor(writer, 'text/event-stream');
    },
  };
}
