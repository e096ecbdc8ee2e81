/**
 * One write transaction of the ledger (a group commit, a batch, a books change): what its
 * commands read comes from memory where it can, what they write is gathered and written in a
 * few multi-row statements at the end (`flush`), before the commit.
 *
 * The `WriteCache` keeps decided account states, on-time frontiers and the books between
 * transactions. It is valid only for the log head it was left at: a session starts by reading
 * the head under the write lock, and when anything else has appended since (another process,
 * another Ledger on the same database) it forgets the streams written meanwhile, read from the
 * log (`catchUp`), keeping the rest. While a transaction is open the cache is marked unknown, so a
 * rollback empties it.
 *
 * Pipelined (group-commit.ts): a session may also `continue` from the state the group still being
 * committed leaves. It then decides from memory and from committed rows read outside any write
 * transaction, with what that group staged (its idempotency keys, its entries) laid over them;
 * everything it stages is written later by `writeTo`, which first checks the log head is the one
 * it decided after. Commands that must read what their own transaction wrote run classic.
 */
import { evolve, type AccountEvent, type AccountState, type OpenedAccount } from '../domain/account.js';
import type { BooksState } from '../domain/books.js';
import type { StoredEvent } from '../events/envelope.js';
import { accountCodeOf, BOOKS_STREAM, isAccountStream } from '../events/streams.js';
import { OnTimeFrontiers } from '../projections/as-of-index.js';
import { projectCategoryEvents } from '../projections/categories.js';
import { projectPriceEvents } from '../projections/prices.js';
import { ProjectionBatch, type Committed, type ProjectionPolicy } from '../projections/project.js';
import type { Db } from '../store/db.js';
import {
  headAfter,
  insertEvents,
  readHead,
  sealEvents,
  type AppendRequest,
  type LogHead,
} from '../store/event-store.js';
import { findIdempotencies, saveIdempotencies, type IdempotencyRecord } from '../store/idempotency.js';
import type { EntriesTable } from '../store/schema.js';
import { loadBooks } from './books.js';
import { loadAccount } from './load.js';

/** Accounts kept in memory at most; beyond, the cache starts over (a reload is always correct). */
const MAX_CACHED_ACCOUNTS = 100_000;

/** What the group being committed staged: the next group reads it as if it were committed. */
export interface InFlight {
  keys: ReadonlyMap<string, IdempotencyRecord>;
  entries: readonly EntriesTable[];
}

export class WriteCache {
  /**
   * The log head the cache reflects (null: the empty log); undefined while a classic transaction
   * is open or after one failed. A pipelined session seals after it.
   */
  head: LogHead | null | undefined = undefined;
  /** The staged rows of the group being committed, while one is. */
  inFlight: InFlight | null = null;
  states = new Map<string, AccountState>();
  frontiers = new OnTimeFrontiers();
  books: BooksState | null = null;

  reset(): void {
    this.head = undefined;
    this.inFlight = null;
    this.states = new Map();
    this.frontiers = new OnTimeFrontiers();
    this.books = null;
  }

  /** Forgets what the cache holds of these streams: their next use reads them from the store again. */
  forget(streamIds: Iterable<string>): void {
    for (const streamId of streamIds) {
      if (isAccountStream(streamId)) {
        const code = accountCodeOf(streamId);
        this.states.delete(code);
        this.frontiers.forget(code);
      } else if (streamId === BOOKS_STREAM) this.books = null;
    }
  }

  /**
   * A pipelined session's write did not land because the log moved under it: the cache goes back
   * to the head that session decided after, without what it (and `onTop`, decided after it) moved
   * on. The next write transaction catches it up from there (`catchUp`).
   */
  rewind(session: WriteSession, onTop?: WriteSession): void {
    this.forget(session.streams());
    if (onTop) this.forget(onTop.streams());
    this.inFlight = null;
    this.head = session.decidedAfter;
  }
}

/** Log entries past which a cache is emptied rather than caught up (reading them would cost more). */
const MAX_CATCH_UP = 10_000;

/**
 * Under the write lock, when the log head is not the one the cache reflects (another process, or
 * another Ledger on the same database, appended): forgets the streams written since, read from the
 * log, so the rest of the cache stays. False when it cannot vouch for its state — it reflects no
 * head, holds too much, is too far behind, or its head is not in this log with the same hash.
 */
async function catchUp(trx: Db, cache: WriteCache, head: LogHead | null): Promise<boolean> {
  const from = cache.head;
  if (from === undefined || cache.states.size > MAX_CACHED_ACCOUNTS) return false;
  if (sameHead(from, head)) return true;
  const start = from?.position ?? 0;
  if (head === null || head.position <= start || head.position - start > MAX_CATCH_UP) return false;
  if (from !== null) {
    const row = await trx.selectFrom('events').select('hash').where('position', '=', start).executeTakeFirst();
    if (row?.hash !== from.hash) return false;
  }
  const written = await trx
    .selectFrom('events')
    .select('stream_id')
    .distinct()
    .where('position', '>', start)
    .where('position', '<=', head.position)
    .execute();
  cache.forget(written.map((row) => row.stream_id));
  return true;
}

/** The log moved under a pipelined session's decisions (its predecessor failed, or another writer wrote): decide again. */
/** The same place in the log: the same position with the same hash (null: the empty log). */
function sameHead(a: LogHead | null, b: LogHead | null): boolean {
  return (a?.position ?? 0) === (b?.position ?? 0) && a?.hash === b?.hash;
}

export class StaleDecision extends Error {
  constructor() {
    super('the log head moved since these commands were decided');
    this.name = 'StaleDecision';
  }
}

export class WriteSession {
  private readonly projection: ProjectionBatch;
  /** Events sealed but not yet inserted. */
  private events: StoredEvent[] = [];
  /** Category events among them: their read models are written with them. */
  private categoryEvents: StoredEvent[] = [];
  /** Price events among them: their read model is written with them. */
  private priceEvents: StoredEvent[] = [];
  /** Idempotency records known in this transaction (null: known absent), and those to insert. */
  private readonly keys = new Map<string, IdempotencyRecord | null>();
  private records: Array<IdempotencyRecord & { createdAt: string }> = [];
  /** Events staged so far: a command that refuses must not have moved it. */
  staged = 0;
  /** Every event this session appended, written yet or not (a dry run answers with them). */
  readonly appended: StoredEvent[] = [];

  /** The head this session decided after (a pipelined one checks it before writing). */
  private readonly startHead: LogHead | null;

  private constructor(
    /** Where decisions read: the write transaction, or (pipelined) committed rows. */
    readonly trx: Db,
    private readonly cache: WriteCache,
    private head: LogHead | null,
    /** The recorded time of everything this transaction appends: one commit, one instant. */
    readonly recordedAt: Date,
    policy: ProjectionPolicy,
    /** Pipelined: what the group being committed staged; null when this session writes as it goes. */
    private readonly carried: InFlight | null,
  ) {
    this.projection = new ProjectionBatch(policy, cache.frontiers);
    this.startHead = head;
  }

  /** Call first, inside the write transaction (under the write lock). */
  static async begin(trx: Db, cache: WriteCache, policy: ProjectionPolicy, now: Date): Promise<WriteSession> {
    const head = await readHead(trx);
    if (!(await catchUp(trx, cache, head))) cache.reset();
    cache.head = undefined;
    return new WriteSession(trx, cache, head, now, policy, null);
  }

  /**
   * A pipelined session: decides after the state the cache holds (the group in flight included),
   * reading committed rows through `reader`; null when the cache cannot vouch for that state.
   */
  static continue(reader: Db, cache: WriteCache, policy: ProjectionPolicy, now: Date): WriteSession | null {
    if (cache.head === undefined || cache.states.size > MAX_CACHED_ACCOUNTS) return null;
    return new WriteSession(reader, cache, cache.head, now, policy, cache.inFlight ?? { keys: new Map(), entries: [] });
  }

  /** The head this session decided after. */
  get decidedAfter(): LogHead | null {
    return this.startHead;
  }

  /** The streams this session appended to (their cached states moved on with it). */
  streams(): Set<string> {
    return new Set(this.appended.map((event) => event.streamId));
  }

  /** What this session staged, for the session that decides while it commits. */
  get inFlight(): InFlight {
    const keys = new Map<string, IdempotencyRecord>();
    for (const record of this.records) keys.set(record.key, record);
    return { keys, entries: this.projection.pendingEntries };
  }

  /** The head after this session's events (where the cache is left once they commit). */
  get endHead(): LogHead | null {
    return this.head;
  }

  /** Looks these keys up in one statement (the commands of a group name theirs up front). */
  async prefetchIdempotency(keys: string[]): Promise<void> {
    const unknown = keys.filter((key) => !this.keys.has(key));
    for (const key of unknown) this.keys.set(key, this.carried?.keys.get(key) ?? null);
    const toRead = unknown.filter((key) => this.keys.get(key) === null);
    for (const record of await findIdempotencies(this.trx, toRead)) this.keys.set(record.key, record);
  }

  async idempotency(key: string): Promise<IdempotencyRecord | undefined> {
    if (!this.keys.has(key)) await this.prefetchIdempotency([key]);
    return this.keys.get(key) ?? undefined;
  }

  /**
   * Loads the states and on-time frontiers of the accounts not cached, side by side (the reader
   * threads or connections serve them in parallel) rather than one command's at a time.
   */
  async prefetchAccounts(codes: string[]): Promise<void> {
    const uncached = [...new Set(codes)].filter((code) => !this.cache.states.has(code));
    const load = async (code: string) => void this.cache.states.set(code, await loadAccount(this.trx, code));
    // Pipelined, reads go through the pool (reader threads, pooled connections) side by side;
    // inside a write transaction there is one connection, which takes one statement at a time.
    const parallel = this.carried !== null;
    if (parallel) await Promise.all(uncached.map(load));
    else for (const code of uncached) await load(code);
    await this.cache.frontiers.load(this.trx, uncached, { parallel });
  }

  /** The accounts' current states (a new code gives the initial, not-yet-opened state). */
  async accounts(codes: Iterable<string>): Promise<Map<string, AccountState>> {
    const states = new Map<string, AccountState>();
    for (const code of codes) {
      if (states.has(code)) continue;
      let state = this.cache.states.get(code);
      if (!state) {
        state = await loadAccount(this.trx, code);
        this.cache.states.set(code, state);
      }
      states.set(code, state);
    }
    return states;
  }

  async books(): Promise<BooksState> {
    this.cache.books ??= await loadBooks(this.trx);
    return this.cache.books;
  }

  /**
   * Entries staged and not yet written (and, pipelined, those of the group being committed):
   * readers of entries in this transaction add them, by (position, leg) once. Lazy: most
   * postings never look (only bounded accounts do), and nothing is copied for them.
   */
  *pendingEntries(): Iterable<EntriesTable> {
    if (this.carried) yield* this.carried.entries;
    yield* this.projection.pendingEntries;
  }

  /** Appends account events decided against `states`; stages their read models; moves the cache on. */
  async appendAccountEvents(
    requests: AppendRequest[],
    decisions: Map<string, AccountEvent[]>,
    states: Map<string, AccountState>,
  ): Promise<StoredEvent[]> {
    const codes = requests.map((r) => accountCodeOf(r.streamId));
    await this.cache.frontiers.load(this.trx, codes);
    const stored = this.append(requests);
    const committed: Committed[] = [];
    for (const code of codes) {
      let state = states.get(code)!;
      for (const event of decisions.get(code)!) {
        state = evolve(state, event);
        committed.push({ stored: stored[committed.length]!, event, state: state as OpenedAccount });
      }
      this.cache.states.set(code, state);
    }
    this.projection.add(committed);
    return stored;
  }

  /** Appends events of the books' stream; `after` is the books' state they lead to. */
  appendBooksEvents(request: AppendRequest, after: BooksState): StoredEvent[] {
    const stored = this.append([request]);
    this.cache.books = after;
    return stored;
  }

  /** Appends events of a category's stream (commands/categories.ts); their read models follow at the write. */
  appendCategoryEvents(request: AppendRequest): StoredEvent[] {
    const stored = this.append([request]);
    this.categoryEvents.push(...stored);
    return stored;
  }

  /** Appends events of a price stream (commands/set-price.ts); its read model follows at the write. */
  appendPriceEvents(request: AppendRequest): StoredEvent[] {
    const stored = this.append([request]);
    this.priceEvents.push(...stored);
    return stored;
  }

  saveIdempotency(record: IdempotencyRecord, createdAt: string): void {
    this.keys.set(record.key, record);
    this.records.push({ ...record, createdAt });
  }

  /** Writes everything staged. Runs before the commit, and before a read that needs the rows. */
  async flush(): Promise<void> {
    if (this.carried)
      throw new Error(
        'invariant: a pipelined session writes only through writeTo (a command reading its own writes must run classic)',
      );
    await this.write(this.trx);
  }

  /**
   * Pipelined: writes what this session staged in `trx`, the write transaction, once the log
   * head is still the one it decided after (the group before it committed, and nobody else wrote).
   */
  async writeTo(trx: Db): Promise<void> {
    if (!sameHead(await readHead(trx), this.startHead)) throw new StaleDecision();
    await this.write(trx);
  }

  private async write(trx: Db): Promise<void> {
    const [events, records, categoryEvents, priceEvents] = [
      this.events,
      this.records,
      this.categoryEvents,
      this.priceEvents,
    ];
    if (events.length === 0 && records.length === 0) return;
    this.events = [];
    this.records = [];
    this.categoryEvents = [];
    this.priceEvents = [];
    // Under the write lock no stream can move. Were the memory ever behind the store (a bug),
    // the unique (stream, version) index refuses the fork: the group fails and runs again, one
    // command at a time, from a reloaded state.
    await insertEvents(trx, events);
    await this.projection.write(trx);
    await projectCategoryEvents(trx, categoryEvents);
    await projectPriceEvents(trx, priceEvents);
    await saveIdempotencies(trx, records);
  }

  private append(requests: AppendRequest[]): StoredEvent[] {
    const stored = sealEvents(this.head, requests, this.recordedAt);
    this.events.push(...stored);
    this.appended.push(...stored);
    this.head = headAfter(this.head, stored);
    this.staged += stored.length;
    return stored;
  }
}
