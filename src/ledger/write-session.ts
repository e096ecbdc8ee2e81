/**
 * One write transaction of the ledger (a group commit, a batch, a books change): what its
 * commands read comes from memory where it can, what they write is gathered and written in a
 * few multi-row statements at the end (`flush`), before the commit.
 *
 * The `WriteCache` keeps decided account states, on-time frontiers and the books between
 * transactions. It is valid only for the log head it was left at: a session starts by reading
 * the head under the write lock, and anything else having appended since (another process,
 * another Ledger on the same database) empties it. While a transaction is open the cache is
 * marked unknown, so a rollback empties it too.
 */
import { evolve, type AccountEvent, type AccountState, type OpenedAccount } from '../domain/account.js';
import type { BooksState } from '../domain/books.js';
import type { StoredEvent } from '../events/envelope.js';
import { accountCodeOf } from '../events/streams.js';
import { OnTimeFrontiers } from '../projections/as-of-index.js';
import { ProjectionBatch, type Committed, type ProjectionPolicy } from '../projections/project.js';
import type { Db } from '../store/db.js';
import { headAfter, insertEvents, readHead, sealEvents, type AppendRequest, type LogHead } from '../store/event-store.js';
import { findIdempotencies, saveIdempotencies, type IdempotencyRecord } from '../store/idempotency.js';
import type { EntriesTable } from '../store/schema.js';
import { loadBooks } from './books.js';
import { loadAccount } from './load.js';

/** Accounts kept in memory at most; beyond, the cache starts over (a reload is always correct). */
const MAX_CACHED_ACCOUNTS = 100_000;

export class WriteCache {
  /** The log position the cache reflects; null while a transaction is open or after one failed. */
  position: number | null = null;
  states = new Map<string, AccountState>();
  frontiers = new OnTimeFrontiers();
  books: BooksState | null = null;

  reset(): void {
    this.states = new Map();
    this.frontiers = new OnTimeFrontiers();
    this.books = null;
  }
}

export class WriteSession {
  private readonly projection: ProjectionBatch;
  /** Events sealed but not yet inserted. */
  private events: StoredEvent[] = [];
  /** Idempotency records known in this transaction (null: known absent), and those to insert. */
  private readonly keys = new Map<string, IdempotencyRecord | null>();
  private records: Array<IdempotencyRecord & { createdAt: string }> = [];
  /** Events staged so far: a command that refuses must not have moved it. */
  staged = 0;

  private constructor(
    readonly trx: Db,
    private readonly cache: WriteCache,
    private head: LogHead | null,
    /** The recorded time of everything this transaction appends: one commit, one instant. */
    readonly recordedAt: Date,
    policy: ProjectionPolicy,
  ) {
    this.projection = new ProjectionBatch(policy, cache.frontiers);
  }

  /** Call first, inside the write transaction (under the write lock). */
  static async begin(trx: Db, cache: WriteCache, policy: ProjectionPolicy, now: Date): Promise<WriteSession> {
    const head = await readHead(trx);
    if (cache.position !== (head?.position ?? 0) || cache.states.size > MAX_CACHED_ACCOUNTS) cache.reset();
    cache.position = null;
    return new WriteSession(trx, cache, head, now, policy);
  }

  /** The log position once this transaction commits: where the cache is left. */
  get position(): number {
    return this.head?.position ?? 0;
  }

  /** Looks these keys up in one statement (the commands of a group name theirs up front). */
  async prefetchIdempotency(keys: string[]): Promise<void> {
    const unknown = keys.filter((key) => !this.keys.has(key));
    for (const key of unknown) this.keys.set(key, null);
    for (const record of await findIdempotencies(this.trx, unknown)) this.keys.set(record.key, record);
  }

  async idempotency(key: string): Promise<IdempotencyRecord | undefined> {
    if (!this.keys.has(key)) await this.prefetchIdempotency([key]);
    return this.keys.get(key) ?? undefined;
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

  /** Entries staged and not yet written: readers of entries in this transaction add them. */
  get pendingEntries(): readonly EntriesTable[] {
    return this.projection.pendingEntries;
  }

  /** Appends account events decided against `states`; stages their read models; moves the cache on. */
  async appendAccountEvents(requests: AppendRequest[], decisions: Map<string, AccountEvent[]>, states: Map<string, AccountState>): Promise<StoredEvent[]> {
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

  saveIdempotency(record: IdempotencyRecord, createdAt: string): void {
    this.keys.set(record.key, record);
    this.records.push({ ...record, createdAt });
  }

  /** Writes everything staged. Runs before the commit, and before a read that needs the rows. */
  async flush(): Promise<void> {
    const [events, records] = [this.events, this.records];
    if (events.length === 0 && records.length === 0) return;
    this.events = [];
    this.records = [];
    // Under the write lock no stream can move. Were the memory ever behind the store (a bug),
    // the unique (stream, version) index refuses the fork: the group fails and runs again, one
    // command at a time, from a reloaded state.
    await insertEvents(this.trx, events);
    await this.projection.write(this.trx);
    await saveIdempotencies(this.trx, records);
  }

  private append(requests: AppendRequest[]): StoredEvent[] {
    const stored = sealEvents(this.head, requests, this.recordedAt);
    this.events.push(...stored);
    this.head = headAfter(this.head, stored);
    this.staged += stored.length;
    return stored;
  }
}
