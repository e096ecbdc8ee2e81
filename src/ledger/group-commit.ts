/**
 * Group commit: commands that arrive while a commit is in flight queue up and then run, in
 * arrival order, inside ONE write transaction — one fsync for all of them. Each is acknowledged
 * only once that transaction is durable.
 *
 * Pipelined: while group n is being written and committed (on the writer thread, or by the
 * PostgreSQL server), group n+1 is decided on the main thread against the state n leaves — from
 * memory, committed rows and what n staged (write-session.ts). n+1's own transaction starts only
 * once n has committed, and first checks the log head is the one n left. Should n fail, n+1's
 * decisions are dropped and it is decided again, classic, after n's commands were re-run: nothing
 * is ever acknowledged on a state that did not commit. Commands that read what their own
 * transaction wrote (a reversal's check, a void) and those that run alone are decided classic:
 * inside their write transaction, after the group in flight has committed.
 *
 * A command that is refused (a LedgerError, thrown before it staged anything) fails alone: its
 * neighbours go on against the state the ones before them left, exactly as one by one. Anything
 * else going wrong fails the whole transaction (nothing of it is written); then every command of
 * the group runs again alone, so only the one at fault fails.
 */
import { LedgerError } from '../domain/errors.js';
import type { ProjectionPolicy } from '../projections/project.js';
import type { Database } from '../store/db.js';
import { withoutDeadline } from '../store/deadline.js';
import { onPrimary } from '../store/read-route.js';
import { timeSlicing } from '../slices.js';
import type { Clock } from '../store/event-store.js';
import { notePosition } from './log-position.js';
import { StaleDecision, type WriteCache, WriteSession } from './write-session.js';

export interface GroupCommitOptions {
  /** The most commands in one transaction. */
  maxBatch: number;
  /**
   * How long the first command of an idle ledger waits for company before its transaction starts
   * (0: not at all — groups then form from what arrives while the previous commit is in flight).
   */
  maxWaitMs: number;
}

/** How long deciding a group runs before it yields to the event loop. */
const YIELD_EVERY_MS = 1;

/**
 * A group's transaction reads the log head first (under the lock) and then mostly writes: its
 * writes travel with the COMMIT (store/deferred-statements.ts).
 */
const DEFERRED = { deferStatements: true };

export const DEFAULT_GROUP_COMMIT: GroupCommitOptions = { maxBatch: 1024, maxWaitMs: 0 };

interface Job {
  run(session: WriteSession): Promise<unknown>;
  /** Idempotency keys the command will look up: the group reads them in one statement. */
  keys: string[];
  /** Accounts the command will load: the group loads those it has not cached side by side, up front. */
  accounts: string[];
  /** Runs in a transaction of its own (a batch that must be all or nothing, a books change). */
  alone: boolean;
  /** Reads rows its own transaction writes: decided inside the write transaction, never pipelined. */
  classic: boolean;
  /** A dry run: decided alone, like a command, in a write transaction that is then rolled back. */
  dryRun: boolean;
  /** `head`: the log head its durable transaction left (none for a dry run). */
  resolve(value: unknown, head?: number): void;
  reject(error: unknown): void;
}

type Outcome = { value: unknown } | { error: LedgerError };

/** Thrown out of a dry run's transaction to roll it back, with what the job answered. */
class RolledBack extends Error {
  constructor(readonly outcome: Outcome) {
    super('a dry run is rolled back');
  }
}

/** How the write of a pipelined group ended: null once committed and acknowledged. */
type Landing = null | { jobs: Job[]; error: unknown; session: WriteSession };

export class GroupCommitter {
  private readonly queue: Job[] = [];
  private draining = false;
  private wake: (() => void) | null = null;
  /** The write of the pipelined group being committed, if one is. */
  private inFlight: Promise<Landing> | null = null;
  /**
   * Transactions committed and commands acknowledged in them; groups decided while the one before
   * them committed, and those decided again because it failed (observed by tests and the bench).
   */
  readonly stats = { groups: 0, commands: 0, largest: 0, pipelined: 0, redecided: 0 };
  /**
   * Told each durable group's size and how long its write transaction took (the /metrics
   * histograms); two numbers per commit, so it costs nothing on the write path.
   */
  observer: ((commands: number, seconds: number) => void) | null = null;

  /** Commands waiting for a group (the /metrics queue depth). */
  get queueDepth(): number {
    return this.queue.length;
  }

  constructor(
    private readonly database: Database,
    private readonly cache: WriteCache,
    private readonly policy: ProjectionPolicy,
    private readonly clock: Clock,
    private readonly options: GroupCommitOptions,
    /** Called after every durable commit (the live feed wakes its readers). */
    private readonly onCommit: () => void = () => undefined,
  ) {}

  /** Queues a command; resolves to what `run` returned once its transaction is durable. */
  submit<T>(
    run: (session: WriteSession) => Promise<T>,
    options: { keys?: string[]; accounts?: string[]; alone?: boolean; classic?: boolean; dryRun?: boolean } = {},
  ): Promise<T> {
    let head: number | undefined;
    const committed = new Promise<T>((resolve, reject) => {
      const job = {
        run,
        keys: options.keys ?? [],
        accounts: options.accounts ?? [],
        alone: (options.alone ?? false) || (options.dryRun ?? false),
        classic: options.classic ?? false,
        dryRun: options.dryRun ?? false,
      };
      const done = (value: unknown, at?: number) => {
        head = at;
        resolve(value as T);
      };
      this.queue.push({ ...job, resolve: done, reject });
      if (this.queue.length >= this.options.maxBatch) this.wake?.();
      if (!this.draining) {
        this.draining = true;
        // After the current task: commands submitted in the same tick join the first group.
        // Outside any request's deadline: a queued command commits or fails whole. On the primary:
        // a pipelined group decides from committed rows, which a replica may not have yet.
        setImmediate(() => void withoutDeadline(() => onPrimary(() => this.drain())));
      }
    });
    // Noted in the submitter's scope (a promise reaction runs in the context it was made in).
    return committed.then((value) => {
      if (head !== undefined) notePosition(head);
      return value;
    });
  }

  private async drain(): Promise<void> {
    try {
      do {
        while (this.queue.length > 0) {
          await this.gather();
          const jobs = this.take();
          if (jobs[0]!.dryRun) {
            await this.settle();
            await this.rehearse(jobs[0]!);
            continue;
          }
          const pipelinable = !jobs[0]!.alone && !jobs.some((job) => job.classic);
          if (pipelinable && (await this.pipelined(jobs))) continue;
          await this.settle();
          await this.commit(jobs);
        }
        await this.settle();
        // Commands submitted while the last write settled found the drain running: take them too.
      } while (this.queue.length > 0);
    } finally {
      this.draining = false;
    }
  }

  /**
   * Decides `jobs` while the group before them commits, then starts their own write. False when
   * they must be decided classic instead (the cache cannot vouch for the state, a read failed, or
   * the group before them failed); nothing of them has been acknowledged then.
   */
  private async pipelined(jobs: Job[]): Promise<boolean> {
    const session = WriteSession.continue(this.database.db, this.cache, this.policy, this.clock());
    if (!session) return false;
    let outcomes: Outcome[];
    try {
      outcomes = await this.decide(session, jobs);
    } catch {
      // Unexpected while deciding: decide again, classic, where the group-failure rules apply.
      // What it staged before failing moved the cache on: forgotten before the group in flight is
      // decided again, should that be needed, and then the cache is emptied all the same.
      await this.settle(session);
      this.cache.reset();
      return false;
    }
    if (!(await this.settle(session))) {
      this.stats.redecided += 1;
      return false;
    }
    this.stats.pipelined += 1;
    // From here the cache stands for the state after these jobs, as if they had committed.
    this.cache.inFlight = session.inFlight;
    this.cache.head = session.endHead;
    const started = performance.now();
    this.inFlight = this.database
      .write((trx) => session.writeTo(trx), DEFERRED)
      .then(
        () => {
          this.acknowledge(jobs, outcomes, started, session.endHead?.position);
          return null;
        },
        (error: unknown) => ({ jobs, error, session }),
      );
    return true;
  }

  /**
   * Waits for the pipelined group in flight. True when it committed (or none was in flight);
   * false when it failed: its commands were run again, classic. `onTop`: a session decided after
   * the state that group left, whose decisions are then dropped too.
   */
  private async settle(onTop?: WriteSession): Promise<boolean> {
    const flight = this.inFlight;
    if (!flight) return true;
    this.inFlight = null;
    const landing = await flight;
    if (!landing) return true;
    const { jobs, error, session } = landing;
    if (error instanceof StaleDecision) {
      // The log moved under them (another writer): the cache forgets what they and `onTop` moved
      // on, the next transaction catches it up from the log, and they are decided again.
      this.cache.rewind(session, onTop);
      await this.commit(jobs);
    } else {
      this.cache.reset();
      await this.failed(jobs, error);
    }
    return false;
  }

  /** Waits up to maxWaitMs for the queue to fill a batch. */
  private async gather(): Promise<void> {
    if (this.options.maxWaitMs <= 0 || this.queue.length >= this.options.maxBatch) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.options.maxWaitMs);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = null;
  }

  /** The next group: one job that runs alone, or up to maxBatch that share. */
  private take(): Job[] {
    if (this.queue[0]!.alone) return this.queue.splice(0, 1);
    let count = 0;
    while (count < this.queue.length && count < this.options.maxBatch && !this.queue[count]!.alone) count++;
    return this.queue.splice(0, count);
  }

  /** Classic: decides and writes `jobs` inside one write transaction. */
  private async commit(jobs: Job[]): Promise<void> {
    let outcomes: Outcome[];
    let session: WriteSession;
    const started = performance.now();
    try {
      [outcomes, session] = await this.database.write(async (trx) => {
        const session = await WriteSession.begin(trx, this.cache, this.policy, this.clock());
        const outcomes = await this.decide(session, jobs);
        await session.flush();
        return [outcomes, session] as const;
      }, DEFERRED);
    } catch (error) {
      return this.failed(jobs, error);
    }
    this.cache.head = session.endHead;
    this.acknowledge(jobs, outcomes, started, session.endHead?.position);
  }

  /**
   * A dry run: the job is decided exactly as it would be — alone, under the write lock, against
   * the state every acknowledged command left — and its transaction is rolled back: nothing is
   * written. The cache, which staging moved on, is emptied.
   */
  private async rehearse(job: Job): Promise<void> {
    try {
      await this.database.write(async (trx) => {
        const session = await WriteSession.begin(trx, this.cache, this.policy, this.clock());
        throw new RolledBack((await this.decide(session, [job]))[0]!);
      });
    } catch (error) {
      if (!(error instanceof RolledBack)) return job.reject(error);
      const { outcome } = error;
      if ('error' in outcome) job.reject(outcome.error);
      else job.resolve(outcome.value);
    } finally {
      this.cache.reset();
    }
  }

  /** A group's transaction failed (nothing of it written): a lone command fails, a group runs again one by one. */
  private async failed(jobs: Job[], error: unknown): Promise<void> {
    if (jobs.length === 1) return jobs[0]!.reject(error);
    for (const job of jobs) await this.commit([job]);
  }

  /** Runs each job against the session in order; a refused one fails alone. */
  private async decide(session: WriteSession, jobs: Job[]): Promise<Outcome[]> {
    await Promise.all([
      session.prefetchIdempotency(jobs.flatMap((job) => job.keys)),
      session.prefetchAccounts(jobs.flatMap((job) => job.accounts)),
    ]);
    const outcomes: Outcome[] = [];
    let slice = performance.now();
    for (const job of jobs) {
      // Deciding a group gives the event loop back every millisecond: other requests are served
      // meanwhile, and the write of the group before (pipelined) gets its answers and its COMMIT.
      if (timeSlicing.enabled && performance.now() - slice >= YIELD_EVERY_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        slice = performance.now();
      }
      const staged = session.staged;
      try {
        outcomes.push({ value: await job.run(session) });
      } catch (error) {
        // A refusal is only clean when the command wrote nothing; anything else fails the group.
        if (!(error instanceof LedgerError) || session.staged !== staged) throw error;
        outcomes.push({ error });
      }
    }
    return outcomes;
  }

  /** Once the group's transaction is durable: the answers go out. */
  private acknowledge(jobs: Job[], outcomes: Outcome[], started: number, head: number | undefined): void {
    this.onCommit();
    this.observer?.(jobs.length, (performance.now() - started) / 1000);
    this.stats.groups += 1;
    this.stats.commands += jobs.length;
    this.stats.largest = Math.max(this.stats.largest, jobs.length);
    jobs.forEach((job, i) => {
      const outcome = outcomes[i]!;
      if ('error' in outcome) job.reject(outcome.error);
      else job.resolve(outcome.value, head);
    });
  }
}
