/**
 * Group commit: commands that arrive while a commit is in flight queue up and then run, in
 * arrival order, inside ONE write transaction — one fsync for all of them. Each is acknowledged
 * only once that transaction is durable.
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
import type { Clock } from '../store/event-store.js';
import { WriteCache, WriteSession } from './write-session.js';

export interface GroupCommitOptions {
  /** The most commands in one transaction. */
  maxBatch: number;
  /**
   * How long the first command of an idle ledger waits for company before its transaction starts
   * (0: not at all — groups then form from what arrives while the previous commit is in flight).
   */
  maxWaitMs: number;
}

export const DEFAULT_GROUP_COMMIT: GroupCommitOptions = { maxBatch: 256, maxWaitMs: 0 };

interface Job {
  run(session: WriteSession): Promise<unknown>;
  /** Idempotency keys the command will look up: the group reads them in one statement. */
  keys: string[];
  /** Runs in a transaction of its own (a batch that must be all or nothing, a books change). */
  alone: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { value: unknown } | { error: LedgerError };

export class GroupCommitter {
  private readonly queue: Job[] = [];
  private draining = false;
  private wake: (() => void) | null = null;
  /** Transactions committed and commands acknowledged in them (observed by tests and the bench). */
  readonly stats = { groups: 0, commands: 0, largest: 0 };

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
  submit<T>(run: (session: WriteSession) => Promise<T>, options: { keys?: string[]; alone?: boolean } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, keys: options.keys ?? [], alone: options.alone ?? false, resolve: resolve as (value: unknown) => void, reject });
      if (this.queue.length >= this.options.maxBatch) this.wake?.();
      if (!this.draining) {
        this.draining = true;
        // After the current task: commands submitted in the same tick join the first group.
        // Outside any request's deadline: a queued command commits or fails whole.
        setImmediate(() => void withoutDeadline(() => this.drain()));
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        await this.gather();
        await this.commit(this.take());
      }
    } finally {
      this.draining = false;
    }
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

  private async commit(jobs: Job[]): Promise<void> {
    const outcomes: Outcome[] = [];
    let position: number;
    try {
      position = await this.database.write(async (trx) => {
        const session = await WriteSession.begin(trx, this.cache, this.policy, this.clock());
        await session.prefetchIdempotency(jobs.flatMap((job) => job.keys));
        for (const job of jobs) {
          const staged = session.staged;
          try {
            outcomes.push({ value: await job.run(session) });
          } catch (error) {
            // A refusal is only clean when the command wrote nothing; anything else fails the group.
            if (!(error instanceof LedgerError) || session.staged !== staged) throw error;
            outcomes.push({ error });
          }
        }
        await session.flush();
        return session.position;
      });
    } catch (error) {
      if (jobs.length === 1) return jobs[0]!.reject(error);
      for (const job of jobs) await this.commit([job]);
      return;
    }
    this.cache.position = position;
    this.onCommit();
    this.stats.groups += 1;
    this.stats.commands += jobs.length;
    this.stats.largest = Math.max(this.stats.largest, jobs.length);
    jobs.forEach((job, i) => {
      const outcome = outcomes[i]!;
      if ('error' in outcome) job.reject(outcome.error);
      else job.resolve(outcome.value);
    });
  }
}
