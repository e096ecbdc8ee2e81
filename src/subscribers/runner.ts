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

export interface RunnerOptions {
  batchSize?: number;
  /** See DEFAULT_COALESCE_MS. */
  coalesceMs?: number;
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

/** The lock a subscriber's transactions take: runners of the same subscriber exclude each other, nothing else. */
const lockOf = (subscriber: Subscriber): WriteOptions => ({ lock: `subscriber:${subscriber.name}` });

export class SubscriberRunner {
  /** Signalled after every batch a subscriber commits (alert feeds wait on it). */
  readonly commits = new CommitSignal();
  private readonly stopping = new AbortController();
  private loops: Promise<void>[] = [];
  private readonly batchSize: number;
  private readonly coalesceMs: number;
  private readonly pollMs: number;
  private readonly now: () => string;
  private readonly logger: Logger;
  private readonly discover: ((db: Db) => Promise<Subscriber[]>) | undefined;
  private running = false;

  constructor(
    private readonly database: Database,
    /** The ledger's commit signal: new events to apply. */
    private readonly ledgerCommits: CommitSignal,
    readonly subscribers: Subscriber[],
    options: RunnerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.coalesceMs = options.coalesceMs ?? DEFAULT_COALESCE_MS;
    this.pollMs = options.pollMs ?? DEFAULT_FEED_POLL_MS;
    this.now = options.now ?? (() => new Date().toISOString());
    this.logger = options.logger ?? silentLogger;
    this.discover = options.discover;
  }

  /** Follows the log in the background until `stop`. */
  start(): void {
    this.running = true;
    this.loops = this.subscribers.map((subscriber) => this.follow(subscriber));
    if (this.discover) this.loops.push(this.discovering());
  }

  /** Adds the subscribers declared since the last look (and follows them, once started). */
  async refresh(): Promise<void> {
    if (!this.discover) return;
    for (const subscriber of await this.discover(this.database.db)) {
      if (this.subscribers.some((s) => s.name === subscriber.name)) continue;
      this.subscribers.push(subscriber);
      if (this.running) this.loops.push(this.follow(subscriber));
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
    for (const subscriber of this.subscribers) while ((await this.step(subscriber)).behind);
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

  private async follow(subscriber: Subscriber): Promise<void> {
    while (!this.stopping.signal.aborted) {
      let step: Step | null = null;
      try {
        step = await this.step(subscriber);
      } catch (error) {
        // The subscriber stays where it was (its batch rolled back) and tries again after a pause.
        this.logger.log('error', `subscriber ${subscriber.name} failed; retrying`, {
          error: String((error as Error).stack ?? error),
        });
      }
      // Behind: the next batch at once. Otherwise gather what commits meanwhile (waiting for a
      // commit first when there was nothing), then step whatever the signal said: none is missed.
      if (step?.behind) continue;
      if (!step?.moved) await this.ledgerCommits.wait(this.pollMs, this.stopping.signal);
      await sleep(this.coalesceMs, undefined, { signal: this.stopping.signal }).catch(() => undefined);
    }
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
  private async readBatch(trx: Db, subscriber: Subscriber, after: number) {
    const read = trx.selectFrom('events').selectAll().where('position', '>', after).orderBy('position');
    if (!subscriber.types) {
      const events = (await read.limit(this.batchSize).execute()).map(fromRow);
      return {
        events,
        through: events[events.length - 1]?.position ?? after,
        behind: events.length === this.batchSize,
      };
    }
    const head = (await readHead(trx))?.position ?? after;
    const end = Math.min(head, after + this.batchSize * TYPED_WINDOW_BATCHES);
    const rows = await read
      .where('position', '<=', end)
      .where('type', 'in', [...subscriber.types])
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
      const { events, through, behind } = await this.readBatch(trx, subscriber, checkpoint.position);
      if (events.length > 0) await subscriber.apply(trx, events, generation);
      const moved = through > checkpoint.position;
      if (moved)
        await trx
          .updateTable('subscribers')
          .set({ position: through })
          .where('name', '=', subscriber.name)
          .where('generation', '=', generation)
          .execute();
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
        return { applied: events.length, moved, behind, switched: true };
      }
      return { applied: events.length, moved, behind, switched: false };
    }, lockOf(subscriber));
    if (result.moved || result.switched) this.commits.notify();
    return result;
  }
}
