/** Open subscriptions read in the background, as a client would: what arrived, and how it ended. */
import { createClient, type Client, type ClientOptions } from 'graphql-sse';

export interface OpenStream<T> {
  /** Each item the stream delivered, in order (the subscription field's value). */
  items: T[];
  /** The GraphQL errors it delivered. */
  errors: Array<{ message: string; extensions?: Record<string, unknown> }>;
  /** Every message in order: an item, or `error:<code>`. */
  log: Array<T | string>;
  /** Resolves when the stream completes (the time it did); rejects on a transport error. */
  ended: Promise<number>;
  client: Client;
}

/** Opens `query` with graphql-sse and reads it in the background until it ends or the client is disposed. */
export function openStream<T>(
  options: ClientOptions & { url: ClientOptions['url'] },
  query: string,
  variables: Record<string, unknown> = {},
): OpenStream<T> {
  const client = createClient({ retryAttempts: 0, ...options });
  const stream: Omit<OpenStream<T>, 'ended'> = { items: [], errors: [], log: [], client };
  const ended = (async () => {
    for await (const result of client.iterate<Record<string, T>>({ query, variables })) {
      for (const error of result.errors ?? []) {
        stream.errors.push(error as OpenStream<T>['errors'][number]);
        stream.log.push(`error:${String(error.extensions?.code)}`);
      }
      const item = result.data ? Object.values(result.data)[0] : undefined;
      if (item !== undefined && item !== null) {
        stream.items.push(item);
        stream.log.push(item);
      }
    }
    return Date.now();
  })();
  // Awaited by the tests that expect an end; the others must not see an unhandled rejection.
  ended.catch(() => {});
  return { ...stream, ended };
}

/** Waits until `condition` holds, polling; fails with `what` after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** When the stream ended; fails (rather than hanging the test) if it is still open after `ms`. */
export function endOf(stream: OpenStream<unknown>, ms = 5000): Promise<number> {
  return Promise.race([
    stream.ended,
    sleep(ms).then(() => {
      throw new Error(`the stream is still open after ${ms} ms`);
    }),
  ]);
}
