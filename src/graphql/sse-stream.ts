/**
 * How a subscription's results go out as server-sent events. Yoga's own writer (graphql-yoga's
 * result-processor/sse.js) has two habits a ledger feed cannot keep:
 *
 * - it sends `event: complete` whenever the stream stops, server shutdown included, and a
 *   graphql-sse client takes `complete` as "this subscription is over" and never reconnects;
 * - it sends no `id:` lines, so an EventSource has nothing to send back as Last-Event-ID.
 *
 * This writer keeps yoga's framing (a first `:` ping, a ping every 12 s, `event: next` with the
 * JSON result) and adds both: each result goes out after an `id:` line holding its resume point
 * (graphql/resume.ts), and when the server stops the response simply ends — with a `retry:` hint
 * and no `complete` — which graphql-sse counts as a network error (it retries) and an EventSource
 * as a dropped connection (it reconnects, sending the last id). `complete` now means only that
 * the stream is over for good: a revoked key, or a stream that ends by itself.
 */
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

type OnResultProcess = Parameters<NonNullable<Plugin['onResultProcess']>>[0];
export type ResultProcessor = Parameters<OnResultProcess['setResultProcessor']>[0];

/** A result's resume point, set by the stream guard; a symbol, so no JSON ever shows it. */
export const RESUME_POINT = Symbol('inkwell.resumePoint');

/** Keeps proxies and load balancers from closing an idle stream (yoga's interval). */
const PING_MS = 12_000;
/** How soon an EventSource should come back after a shutdown (its default is about 3 s). */
export const RECONNECT_MS = 1000;

const HEADERS = {
  'content-type': 'text/event-stream',
  connection: 'keep-alive',
  'cache-control': 'no-cache',
  'content-encoding': 'none',
};

function frame(result: ExecutionResult): string {
  const id = (result as { [RESUME_POINT]?: number })[RESUME_POINT];
  return `${id === undefined ? '' : `id: ${id}\n`}event: next\ndata: ${JSON.stringify(result)}\n\n`;
}

/** The writer of one server's streams; `stopping` aborts at shutdown and ends them without `complete`. */
export function sseStreams(stopping?: AbortSignal): ResultProcessor {
  return (result, fetchAPI) => {
    const results = (result as AsyncIterable<ExecutionResult>)[Symbol.asyncIterator]();
    const encoder = new fetchAPI.TextEncoder();
    let closed = false;
    let ping: NodeJS.Timeout | undefined;
    let interrupt = () => {};
    const finish = () => {
      closed = true;
      clearInterval(ping);
      stopping?.removeEventListener('abort', interrupt);
    };
    const body = new fetchAPI.ReadableStream<Uint8Array>({
      start(controller) {
        const send = (text: string) => controller.enqueue(encoder.encode(text));
        send(':\n\n');
        ping = setInterval(() => {
          if (!closed && (controller.desiredSize ?? 0) > 0) send(':\n\n');
        }, PING_MS);
        interrupt = () => {
          if (closed) return;
          send(`retry: ${RECONNECT_MS}\n\n`);
          finish();
          controller.close();
          void results.return?.();
        };
        if (stopping?.aborted) interrupt();
        else stopping?.addEventListener('abort', interrupt, { once: true });
      },
      async pull(controller) {
        if (closed) return;
        let step: IteratorResult<ExecutionResult>;
        try {
          step = await results.next();
        } catch (error) {
          if (!closed) controller.error(error);
          finish();
          return;
        }
        if (closed) return;
        if (step.value != null) controller.enqueue(encoder.encode(frame(step.value)));
        if (!step.done) return;
        // A stream that ran dry because the server is stopping is interrupted, not complete.
        if (stopping?.aborted) return interrupt();
        controller.enqueue(encoder.encode('event: complete\ndata:\n\n'));
        finish();
        controller.close();
      },
      async cancel() {
        finish();
        await results.return?.();
      },
    });
    return new fetchAPI.Response(body, { status: 200, headers: HEADERS });
  };
}
