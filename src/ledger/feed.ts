/**
 * The live feed: read the log after a position (or one stream after a version), then follow it.
 *
 * Gap-free by construction: positions are assigned under the write lock in commit order
 * (docs/operations.md), so once position n is visible every position before it is too, and a
 * reader that asks for "after n" can never step over one that commits late. Resuming is asking
 * again after the last position (or version) seen. This process's commits wake readers at once;
 * another process's are found by polling.
 */
import { isEmptyFilter, type EventFilter } from '../domain/event-filter.js';
import type { StoredEvent } from '../events/envelope.js';
import { storedEventMatches } from '../events/event-match.js';
import type { Db } from '../store/db.js';
import { fromRow } from '../store/event-store.js';

/** How often a feed looks for other processes' commits (this process's wake it at once). */
export const DEFAULT_FEED_POLL_MS = 500;

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
  /** How often to look for other processes' commits. */
  pollMs: number;
  /** Ends the feed (the client went away). */
  signal?: AbortSignal;
  pageSize?: number;
}

/** One read of a feed: the rows to deliver, and whether the read reached the head of what it reads. */
export interface Read<T> {
  rows: T[];
  /** True when nothing more was there to read: only then does the feed wait for a commit. */
  atHead: boolean;
}

/**
 * Rows in order from `page` (which reads the next rows after its own cursor), then each new one
 * as `commits` signals. Ends when `signal` aborts or the consumer returns (graphql-js does when
 * the client goes away) — at once, even while waiting for the next commit.
 */
export function followPages<T>(
  commits: CommitSignal,
  options: FollowOptions,
  page: (limit: number) => Promise<T[]>,
): AsyncIterableIterator<T> {
  return followReads(commits, options, async (limit) => {
    const rows = await page(limit);
    return { rows, atHead: rows.length < limit };
  });
}

/**
 * As followPages, for a reader that may deliver fewer rows than it read (a filter): it waits for
 * a commit only when a read reached the head, never because a read matched little.
 */
export function followReads<T>(
  commits: CommitSignal,
  options: FollowOptions,
  read: (limit: number) => Promise<Read<T>>,
): AsyncIterableIterator<T> {
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const pageSize = options.pageSize ?? 500;
  const rows = (async function* () {
    while (!signal.aborted) {
      const batch = await read(pageSize);
      yield* batch.rows;
      if (batch.atHead) await commits.wait(options.pollMs, signal);
    }
  })();
  return {
    next: () => rows.next(),
    return: (value?: unknown) => {
      stop.abort();
      return rows.return(value as undefined);
    },
    throw: (error?: unknown) => {
      stop.abort();
      return rows.throw(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * The whole log after `afterPosition`, or one stream after `afterVersion`, then live; with a
 * filter, only the events it matches. A filtered read still moves past every row it read, so a
 * long stretch of events that do not match costs pages read, never a stall.
 */
export function followLog(
  db: Db,
  commits: CommitSignal,
  from: { afterPosition?: number; stream?: { id: string; afterVersion: number }; filter?: EventFilter },
  options: FollowOptions,
): AsyncIterableIterator<StoredEvent> {
  let position = from.afterPosition ?? 0;
  let version = from.stream?.afterVersion ?? 0;
  const filter = from.filter && !isEmptyFilter(from.filter) ? from.filter : undefined;
  return followReads(commits, options, async (limit) => {
    let query = db.selectFrom('events').selectAll();
    query = from.stream
      ? query.where('stream_id', '=', from.stream.id).where('version', '>', version).orderBy('version')
      : query.where('position', '>', position).orderBy('position');
    const events = (await query.limit(limit).execute()).map(fromRow);
    const last = events[events.length - 1];
    if (last) [position, version] = [last.position, last.version];
    const rows = filter ? events.filter((event) => storedEventMatches(filter, event)) : events;
    return { rows, atHead: events.length < limit };
  });
}
