/**
 * The live feed: read the log after a position (or one stream after a version), then follow it.
 *
 * Gap-free by construction: positions are assigned under the write lock in commit order
 * (docs/operations.md), so once position n is visible every position before it is too, and a
 * reader that asks for "after n" can never step over one that commits late. Resuming is asking
 * again after the last position (or version) seen. This process's commits wake readers at once;
 * another process's are found by polling.
 */
import type { StoredEvent } from '../events/envelope.js';
import type { Db } from '../store/db.js';
import { fromRow } from '../store/event-store.js';

/** Wakes whoever waits for the next commit. */
export class CommitSignal {
  private readonly waiters = new Set<() => void>();

  /** Readers waiting now (a closed subscription must not stay among them). */
  get waiting(): number {
    return this.waiters.size;
  }

  notify(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Resolves at the next commit, after `pollMs`, or when `signal` aborts, whichever comes first. */
  wait(pollMs: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, pollMs);
      signal?.addEventListener('abort', done);
      this.waiters.add(done);
    });
  }
}

export interface FollowOptions {
  /** The whole log after this position, or… */
  afterPosition?: number;
  /** …one stream after this version. */
  stream?: { id: string; afterVersion: number };
  /** How often to look for other processes' commits. */
  pollMs: number;
  /** Ends the feed (the client went away). */
  signal?: AbortSignal;
  pageSize?: number;
}

/**
 * Every event after the starting point, in order, then each new one as it commits. Ends when
 * `signal` aborts or the consumer returns (graphql-js does when the client goes away) — at once,
 * even while waiting for the next commit.
 */
export function followLog(db: Db, commits: CommitSignal, options: FollowOptions): AsyncIterableIterator<StoredEvent> {
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const events = follow(db, commits, { ...options, signal });
  return {
    next: () => events.next(),
    return: (value?: unknown) => {
      stop.abort();
      return events.return(value as undefined);
    },
    throw: (error?: unknown) => {
      stop.abort();
      return events.throw(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

async function* follow(db: Db, commits: CommitSignal, options: FollowOptions & { signal: AbortSignal }): AsyncGenerator<StoredEvent, undefined> {
  const pageSize = options.pageSize ?? 500;
  let position = options.afterPosition ?? 0;
  let version = options.stream?.afterVersion ?? 0;
  while (!options.signal.aborted) {
    let query = db.selectFrom('events').selectAll();
    query = options.stream
      ? query.where('stream_id', '=', options.stream.id).where('version', '>', version).orderBy('version')
      : query.where('position', '>', position).orderBy('position');
    const rows = await query.limit(pageSize).execute();
    for (const row of rows) {
      const event = fromRow(row);
      position = event.position;
      version = event.version;
      yield event;
    }
    if (rows.length < pageSize) await commits.wait(options.pollMs, options.signal);
  }
  return undefined;
}
