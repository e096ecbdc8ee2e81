/**
 * Checkpointed subscribers: small projections that follow the log after the fact (the daily
 * balance history, balance monitors). Each batch of events and the subscriber's new checkpoint
 * are written in ONE transaction under the subscriber's own lock ('subscriber:' + name), so every
 * event takes effect exactly once — after a crash, a restart, or with several processes running
 * the same subscriber (each reads the checkpoint inside the lock and finds the other's work done).
 * It never takes the ledger's write lock, so commands never queue behind a subscriber (on
 * PostgreSQL; SQLite has one writer per file, see Database.write). A subscriber writes its rows
 * in a few set-based statements per batch, never a round trip per row.
 *
 * Subscribers of one family (the metadata indexes) share one follower: those that have reached
 * the same position are stepped together, in one transaction under the family's lock, with one
 * read of the log; one that is behind (an index being built, a rebuilt generation) is brought up
 * to the others in the same steps until it joins them. N indexes then cost the writer one
 * transaction per batch, not N.
 *
 * A rebuild is blue-green: generation n+1 starts at position 0 beside the live generation n,
 * catches up batch by batch while writes go on, then — in the transaction that applies its last
 * batch — becomes the active one and n's rows are dropped. Readers always read the active one.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { StoredEvent } from '../events/envelope.js';
import { CommitSignal, DEFAULT_FEED_POLL_MS } from '../ledger/feed.js';
import type { Database, Db, WriteOptions } from '../store/db.js';
import { fromRow, readHead } from '../store/event-store.js';
import { silentLogger, type Logger } from '../log.js';

export interface Subscriber {
  readonly name: string;
  /**
   * Applies events (in log order) for one generation, in the transaction that moves its checkpoint.
   * That transaction does not hold the ledger's write lock (on PostgreSQL): write in a few
   * set-based statements, never a round trip per row, and never append to the log.
   */
  apply(trx: Db, events: StoredEvent[], generation: number): Promise<void>;
  /** Deletes a generation's rows (the old copy, once a rebuild has switched). */
  drop(trx: Db, generation: number): Promise<void>;
  /** False when a replay from position 0 would not give the same rows (a record of what was pushed). */
  readonly rebuildable?: boolean;
  /**
   * The only event types it reads (default: all). Its batches then read a window of the log and
   * fetch those types alone, and its checkpoint moves past the rest: a subscriber of rare events
   * does not read every posting.
   */
  readonly types?: readonly string[];
  /**
   * Subscribers of one family share a follower, a lock and their batches (see the top of this
   * file). Members must be rebuildable: their batches commit without waiting for the disk.
   */
  readonly family?: string;
}

/** What one step did: events applied, whether the checkpoint moved, whether more are waiting. */
interface Step {
  applied: number;
  moved: boolean;
  behind: boolean;
  switched: boolean;
}

/** A typed subscriber reads at most this many batches' worth of positions per step. */
const TYPED_WINDOW_BATCHES = 20;

export interface Checkpoint {
  generation: number;
  position: number;
  active: boolean;
}

/**
 * How long a subscriber that is not behind gathers events before its next batch. Each batch is a
 * durable write transaction: stepping after every ledger commit would add one per subscriber to
 * each group commit (on SQLite, on the one writer). Searches and alerts lag by about this much.
 */
export const DEFAULT_COALESCE_MS = 25;

/**
 * A family (the metadata indexes) gathers longer: each of its batches costs a transaction of
 * about ten statements however few events it takes, and a reader waiting for it to reach a
 * position hurries it (`hurry`), so only the writes pay the longer wait, never a search.
 */
export const DEFAULT_FAMILY_COALESCE_MS = 100;

export interface RunnerOptions {
  batchSize?: number;
  /** See DEFAULT_COALESCE_MS. */
  coalesceMs?: number;
  /** See DEFAULT_FAMILY_COALESCE_MS. */
  familyCoalesceMs?: number;
  /** How often to look for other processes' commits. */
  pollMs?: number;
  now?: () => string;
  logger?: Logger;
  /**
   * Subscribers declared at run time (the metadata indexes): asked at start, before every catch-up
   * and rebuild, and each time the runner looks for work, so one declared by any process is run.
   */
  discover?: (db: Db) => Promise<Subscriber[]>;
}

/** Every checkpoint of a subscriber, oldest generation first. */
export async function checkpoints(db: Db, name: string): Promise<Checkpoint[]> {
  const rows = await db
    .selectFrom('subscribers')
    .select(['generation', 'position', 'active'])
    .where('name', '=', name)
    .orderBy('generation')
    .execute();
  return rows.map((r) => ({
    generation: Number(r.generation),
    position: Number(r.position),
    active: Number(r.active) === 1,
  }));
}

/** The generation readers read (1 until a subscriber has run: its first generation). */
export async function activeGeneration(db: Db, name: string): Promise<Checkpoint> {
  const active = (await checkpoints(db, name)).find((c) => c.active);
  return active ?? { generation: 1, position: 0, active: true };
}

/**
 * What a subscriber's transactions take: its own lock (its family's, for a member), so runners
 * of the same subscriber exclude each other and nothing else. A batch commits with its
 * checkpoint, so one a crash undoes is applied again: its commit need not wait for the disk
 * (WriteOptions.durable) — unless the subscriber keeps a record of what it pushed out.
 */
const lockOf = (subscriber: Subscriber): WriteOptions =>
  subscriber.family === undefined
    ? { lock: `subscriber:${subscriber.name}`, durable: subscriber.rebuildable === false }
    : familyLock(subscriber.family);
/** Every member of a family can be rebuilt. */
const familyLock = (family: string): WriteOptions => ({ lock: `subscriber-family:${family}`, durable: false });

/** The types a batch for these subscribers reads: undefined when one of them reads every type. */
function typesOf(subscribers: readonly Subscriber[]): readonly string[] | undefined {
  if (subscribers.some((s) => !s.types)) return undefined;
  return [...new Set(subscribers.flatMap((s) => s.types!))];
}

/** A family member and the generation of it a step applies to. */
interface Member {
  subscriber: Subscriber;
  generation: number;
}

export class SubscriberRunner {
  /** Signalled after every batch a subscriber commits (alert feeds wait on it). */
  readonly commits = new CommitSignal();
  private readonly stopping = new AbortController();
  private loops: Promise<void>[] = [];
  private readonly batchSize: number;
  private readonly coalesceMs: number;
  private readonly familyCoalesceMs: number;
  /** How to end the pause each loop gathers in, by its key: `hurry` cuts it short. */
  private readonly pauses = new Map<string, () => void>();
  private readonly pollMs: number;
  private readonly now: () => string;
  private readonly logger: Logger;
  private readonly discover: ((db: Db) => Promise<Subscriber[]>) | undefined;
  private running = false;
  /** What has a loop: a subscriber's name, or 'family:' and a family's name. */
  private readonly followed = new Set<string>();

  constructor(
    private readonly database: Database,
    /** The ledger's commit signal: new events to apply. */
    private readonly ledgerCommits: CommitSignal,
    readonly subscribers: Subscriber[],
    options: RunnerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.coalesceMs = options.coalesceMs ?? DEFAULT_COALESCE_MS;
    this.familyCoalesceMs = options.familyCoalesceMs ?? DEFAULT_FAMILY_COALESCE_MS;
    this.pollMs = options.pollMs ?? DEFAULT_FEED_POLL_MS;
    this.now = options.now ?? (() => new Date().toISOString());
    this.logger = options.logger ?? silentLogger;
    this.discover = options.discover;
  }

  /** Follows the log in the background until `stop`. */
  /** Between start() and stop() (/ready reports it). */
  get isRunning(): boolean {
    return this.running && !this.stopping.signal.aborted;
  }

  start(): void {
    this.running = true;
    for (const subscriber of this.subscribers) this.track(subscriber);
    if (this.discover) this.loops.push(this.discovering());
  }

  /** Starts the loop that follows a subscriber (its family's, for a family member) unless one runs. */
  private track(subscriber: Subscriber): void {
    const { family, name } = subscriber;
    const key = family === undefined ? name : `family:${family}`;
    if (!this.running || this.followed.has(key)) return;
    this.followed.add(key);
    const step = family === undefined ? () => this.step(subscriber) : () => this.stepFamily(family);
    this.loops.push(this.follow(key, step, family === undefined ? this.coalesceMs : this.familyCoalesceMs));
  }

  /** Adds the subscribers declared since the last look (and follows them, once started). */
  async refresh(): Promise<void> {
    if (!this.discover) return;
    for (const subscriber of await this.discover(this.database.db)) {
      if (this.subscribers.some((s) => s.name === subscriber.name)) continue;
      this.subscribers.push(subscriber);
      this.track(subscriber);
    }
  }

  private async discovering(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      try {
        await this.refresh();
      } catch (error) {
        this.logger.log('error', 'looking for declared subscribers failed; retrying', { error: String(error) });
      }
      // On a timer, not on every commit: a busy ledger commits far more often than indexes are declared.
      await sleep(this.pollMs, undefined, { signal: this.stopping.signal }).catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.all(this.loops);
  }

  /** Applies everything committed so far, for every generation of every subscriber. */
  async catchUp(): Promise<void> {
    await this.refresh();
    const families = new Set<string>();
    for (const subscriber of this.subscribers)
      if (subscriber.family === undefined) while ((await this.step(subscriber)).behind);
      else families.add(subscriber.family);
    for (const family of families) while ((await this.stepFamily(family)).behind);
  }

  /**
   * Rebuilds a subscriber blue-green from position 0 while the ledger keeps writing; resolves
   * with the new active generation once it has switched.
   */
  async rebuild(name: string): Promise<number> {
    await this.refresh();
    const subscriber = this.subscriber(name);
    if (subscriber.rebuildable === false)
      throw new Error(`subscriber "${name}" cannot be rebuilt: it keeps a record of what it pushed`);
    const generation = await this.database.write(async (trx) => {
      const all = await this.ensure(trx, subscriber);
      const next = Math.max(...all.map((c) => c.generation)) + 1;
      await trx
        .insertInto('subscribers')
        .values({ name, generation: next, position: 0, active: 0, started_at: this.now() })
        .execute();
      return next;
    }, lockOf(subscriber));
    while (!(await this.stepGeneration(subscriber, generation, { switchWhenCaughtUp: true })).switched);
    return generation;
  }

  private subscriber(name: string): Subscriber {
    const subscriber = this.subscribers.find((s) => s.name === name);
    if (!subscriber)
      throw new Error(`no subscriber named "${name}" (known: ${this.subscribers.map((s) => s.name).join(', ')})`);
    return subscriber;
  }

  /**
   * Asks a family's follower to take its next batch now rather than at the end of its gathering
   * pause: a reader waits for it to reach a position (a search on a metadata index).
   */
  hurry(family: string): void {
    this.pauses.get(`family:${family}`)?.();
  }

  private async follow(label: string, next: () => Promise<Step>, coalesceMs: number): Promise<void> {
    while (!this.stopping.signal.aborted) {
      let step: Step | null = null;
      try {
        step = await next();
      } catch (error) {
        // The subscriber stays where it was (its batch rolled back) and tries again after a pause.
        this.logger.log('error', `subscriber ${label} failed; retrying`, {
          error: String((error as Error).stack ?? error),
        });
      }
      // Behind: the next batch at once. Otherwise gather what commits meanwhile (waiting for a
      // commit first when there was nothing), then step whatever the signal said: none is missed.
      if (step?.behind) continue;
      if (!step?.moved) await this.ledgerCommits.wait(this.pollMs, this.stopping.signal);
      await this.pause(label, coalesceMs);
    }
  }

  /** Gathers for `ms`, unless stopped or hurried. */
  private pause(label: string, ms: number): Promise<void> {
    const stopping = this.stopping.signal;
    if (stopping.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stopping.removeEventListener('abort', done);
        this.pauses.delete(label);
        resolve();
      };
      const timer = setTimeout(done, ms);
      stopping.addEventListener('abort', done);
      this.pauses.set(label, done);
    });
  }

  /** One batch for the active generation (a rebuild's runs in `rebuild`). */
  private step(subscriber: Subscriber): Promise<Step> {
    return this.stepGeneration(subscriber, 'active', { switchWhenCaughtUp: false });
  }

  /**
   * The events of the next batch after `after`, the position read through, and whether more
   * wait. Gap-free without the ledger's write lock: positions are assigned under that lock in
   * commit order, and a transaction is visible before its advisory lock is released, so position
   * n is visible before the transaction that takes n+1 even starts (docs/operations.md, "Several
   * API processes"). What a statement sees after the checkpoint — up to the head it read — is
   * therefore a prefix of the log with no hole; what commits later has higher positions and is
   * the next batch's. (On SQLite this runs inside the one write transaction: nothing commits.)
   */
  private async readBatch(trx: Db, types: readonly string[] | undefined, after: number, until?: number) {
    const bounded = trx.selectFrom('events').selectAll().where('position', '>', after).orderBy('position');
    const read = until === undefined ? bounded : bounded.where('position', '<=', until);
    if (!types) {
      const events = (await read.limit(this.batchSize).execute()).map(fromRow);
      const full = events.length === this.batchSize;
      // Positions are gap-free: a batch short of `until` has read every position up to it.
      const through = full || until === undefined ? (events[events.length - 1]?.position ?? after) : until;
      return { events, through, behind: full };
    }
    const head = (await readHead(trx))?.position ?? after;
    const end = Math.min(head, after + this.batchSize * TYPED_WINDOW_BATCHES, until ?? head);
    const rows = await read
      .where('position', '<=', end)
      .where('type', 'in', [...types])
      .limit(this.batchSize)
      .execute();
    const events = rows.map(fromRow);
    if (events.length === this.batchSize) return { events, through: events[events.length - 1]!.position, behind: true };
    return { events, through: end, behind: end < head };
  }

  /** Creates generation 1 of a subscriber that never ran; returns its checkpoints. */
  private async ensure(trx: Db, subscriber: Subscriber): Promise<Checkpoint[]> {
    const all = await checkpoints(trx, subscriber.name);
    if (all.length > 0) return all;
    await trx
      .insertInto('subscribers')
      .values({ name: subscriber.name, generation: 1, position: 0, active: 1, started_at: this.now() })
      .execute();
    return [{ generation: 1, position: 0, active: true }];
  }

  private async stepGeneration(
    subscriber: Subscriber,
    which: number | 'active',
    options: { switchWhenCaughtUp: boolean },
  ): Promise<Step> {
    const result = await this.database.write(async (trx) => {
      // Read inside the subscriber's lock: whoever held it before us has committed its batch and checkpoint.
      const checkpoint = (await this.ensure(trx, subscriber)).find((c) =>
        which === 'active' ? c.active : c.generation === which,
      );
      if (!checkpoint) return { applied: 0, moved: false, behind: false, switched: false };
      const generation = checkpoint.generation;
      const { applied, moved, behind } = await this.stepMembers(trx, [{ subscriber, generation }], checkpoint.position);
      // Less than a batch behind: switch. Events may commit meanwhile (the ledger's lock is not
      // held); they lie after this generation's checkpoint, so its next step applies them.
      if (options.switchWhenCaughtUp && !behind) {
        for (const old of await checkpoints(trx, subscriber.name)) {
          if (old.generation === generation) continue;
          await subscriber.drop(trx, old.generation);
          await trx
            .deleteFrom('subscribers')
            .where('name', '=', subscriber.name)
            .where('generation', '=', old.generation)
            .execute();
        }
        await trx
          .updateTable('subscribers')
          .set({ active: 1 })
          .where('name', '=', subscriber.name)
          .where('generation', '=', generation)
          .execute();
        return { applied, moved, behind, switched: true };
      }
      return { applied, moved, behind, switched: false };
    }, lockOf(subscriber));
    if (result.moved || result.switched) this.commits.notify();
    return result;
  }

  /**
   * One step of a family: its members at the front position take the next batch together; the
   * members furthest behind take one batch towards the next position up (never past it, so they
   * meet there and go on together). One transaction, under the family's lock.
   */
  private async stepFamily(family: string): Promise<Step> {
    const members = this.subscribers.filter((s) => s.family === family);
    const result = await this.database.write(async (trx) => {
      // Every member's active checkpoint in one read (generation 1 created for a new member).
      const rows = await trx
        .selectFrom('subscribers')
        .select(['name', 'generation', 'position'])
        .where(
          'name',
          'in',
          members.map((s) => s.name),
        )
        .where('active', '=', 1)
        .execute();
      const active = new Map(
        rows.map((r) => [r.name, { generation: Number(r.generation), position: Number(r.position) }]),
      );
      const byPosition = new Map<number, Member[]>();
      for (const subscriber of members) {
        const checkpoint = active.get(subscriber.name) ?? (await this.ensure(trx, subscriber)).find((c) => c.active)!;
        const level = byPosition.get(checkpoint.position) ?? [];
        level.push({ subscriber, generation: checkpoint.generation });
        byPosition.set(checkpoint.position, level);
      }
      const levels = [...byPosition.keys()].sort((a, b) => a - b);
      const front = levels[levels.length - 1]!;
      const chase =
        levels.length > 1 ? await this.stepMembers(trx, byPosition.get(levels[0]!)!, levels[0]!, levels[1]) : null;
      const lead = await this.stepMembers(trx, byPosition.get(front)!, front);
      return {
        applied: lead.applied + (chase?.applied ?? 0),
        moved: lead.moved || (chase?.moved ?? false),
        behind: lead.behind || chase !== null,
        switched: false,
      };
    }, familyLock(family));
    if (result.moved) this.commits.notify();
    return result;
  }

  /** The next batch after `after` (up to `until`) for members that all stand there. */
  private async stepMembers(trx: Db, members: Member[], after: number, until?: number): Promise<Step> {
    const { events, through, behind } = await this.readBatch(
      trx,
      typesOf(members.map((m) => m.subscriber)),
      after,
      until,
    );
    for (const { subscriber, generation } of members) {
      const types = subscriber.types && new Set(subscriber.types);
      const mine = types ? events.filter((event) => types.has(event.type)) : events;
      if (mine.length > 0) await subscriber.apply(trx, mine, generation);
    }
    const moved = through > after;
    if (moved)
      await trx
        .updateTable('subscribers')
        .set({ position: through })
        .where((eb) =>
          eb.or(
            members.map(({ subscriber, generation }) =>
              eb.and([eb('name', '=', subscriber.name), eb('generation', '=', generation)]),
            ),
          ),
        )
        .execute();
    return { applied: events.length, moved, behind, switched: false };
  }
}
