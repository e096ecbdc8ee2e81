/**
 * Webhook delivery: at least once, in log order per webhook, driven by each webhook's checkpoint
 * (webhooks.position, the last position its receiver acknowledged). For a webhook this process
 * holds the lease of, it reads the next matching event after the checkpoint, sends it (outside
 * any transaction), then records the answer in one transaction: a 2xx moves the checkpoint to the
 * event; anything else counts an attempt and sets the next one after an exponential backoff with
 * jitter, and parks the webhook as FAILING once the event has failed for `failingAfterMs`. The
 * next event is sent only once the previous one is acknowledged. A crash between the answer and
 * its record sends the event again (same webhook-id): never skipped, maybe twice.
 *
 * One process at a time per webhook, on any number of processes sharing a database: a lease
 * (lease_owner, lease_until), taken and renewed by conditional UPDATEs under the webhook's lock,
 * lasting longer than one attempt can. A killed process's lease runs out and another takes over
 * from the checkpoint. A database transaction is never held across an HTTP request: a receiver
 * that hangs would otherwise hold a connection and locks for as long as it likes.
 */
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { EventFilter } from '../domain/event-filter.js';
import { messageId, retryDelayMs } from '../domain/webhooks.js';
import type { StoredEvent } from '../events/envelope.js';
import { storedEventMatches } from '../events/event-match.js';
import type { CommitSignal } from '../ledger/feed.js';
import { silentLogger, type Logger } from '../log.js';
import type { Database, WriteOptions } from '../store/db.js';
import { fromRow, readHead } from '../store/event-store.js';
import type { WebhooksTable } from '../store/schema.js';
import { messageBody } from './webhook-message.js';
import { sendWebhook, type SendOutcome } from './webhook-send.js';
import type { WebhookSettings } from './webhook-settings.js';
import { signedHeaders } from './webhook-signing.js';
import { webhookLock } from './webhook-store.js';

/** Events read per look for the next match (a filter may pass over many). */
const READ_BATCH = 200;
/** A lease outlasts one attempt by this much: the record after it, a slow database, a GC pause. */
const LEASE_MARGIN_MS = 3000;

type Row = Selectable<WebhooksTable>;

/**
 * The deliverer's transactions (lease, checkpoint, delivery log) take the webhook's lock and do
 * not wait for the disk: one a power loss undoes is redone — a lease runs out, an event whose
 * acknowledgement was lost is sent again from the checkpoint (at least once, never skipped) —
 * so they need not add an fsync per delivered event to the ledger's one writer.
 */
const deliveryLock = (id: string): WriteOptions => ({ ...webhookLock(id), durable: false });

export interface DispatcherOptions {
  /** How often to look for other processes' commits and for retries that fell due. */
  pollMs: number;
  logger?: Logger;
}

export class WebhookDispatcher {
  /** This process's name in leases: unique per start, so a restarted process waits for its old lease too. */
  readonly owner = `${process.pid}-${randomUUID()}`;
  private readonly stopping = new AbortController();
  private readonly driving = new Map<string, Promise<void>>();
  /**
   * Webhooks whose delivery loop failed unexpectedly (a database fault), until when they rest:
   * otherwise the wake that follows each loop would retry — and send — at once, in a tight loop.
   */
  private readonly resting = new Map<string, number>();
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  /** Whether the last look found an active webhook: only then is a ledger commit worth waking for. */
  private active = false;
  private readonly logger: Logger;

  constructor(
    private readonly database: Database,
    private readonly ledgerCommits: CommitSignal,
    readonly settings: WebhookSettings,
    private readonly options: DispatcherOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
  }

  private get leaseMs(): number {
    return this.settings.timeoutMs + LEASE_MARGIN_MS;
  }

  start(): void {
    if (this.loop) return;
    this.loop = this.run();
  }

  /** Looks for work now (a create, resume or replay in this process), not at the next poll. */
  wake(): void {
    this.wakeUp?.();
  }

  /** Stops: attempts in flight are abandoned unrecorded (their events are sent again later), leases released. */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.wake();
    await this.loop;
    await Promise.all(this.driving.values());
  }

  private async run(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      let dueInMs = this.options.pollMs;
      try {
        dueInMs = Math.min(dueInMs, await this.dispatchDue());
      } catch (error) {
        this.logger.log('error', 'looking for webhooks to deliver failed; retrying', { error: String(error) });
      }
      await this.pause(Math.max(1, dueInMs));
    }
  }

  /** Waits for a ledger commit, a wake, a stop or `ms`, whichever comes first. */
  private pause(ms: number): Promise<void> {
    const stopping = this.stopping.signal;
    if (stopping.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      // Its own signal for the commit wait: one listener each, removed when it ends.
      const waiting = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (waiting.signal.aborted) return;
        clearTimeout(timer);
        stopping.removeEventListener('abort', done);
        this.wakeUp = null;
        waiting.abort();
        resolve();
      };
      stopping.addEventListener('abort', done);
      this.wakeUp = done;
      // With no active webhook a commit brings no work: a plain timer, and the ledger's waiters
      // stay those that follow it (a create wakes this loop).
      if (this.active) void this.ledgerCommits.wait(ms, waiting.signal).then(done);
      else timer = setTimeout(done, ms);
    });
  }

  /**
   * Starts a delivery loop for every active webhook behind the log whose retry is due and whose
   * lease is free; resolves to how long until the next retry falls due.
   */
  private async dispatchDue(): Promise<number> {
    const db = this.database.db;
    const now = new Date();
    const iso = now.toISOString();
    const head = (await readHead(db))?.position ?? 0;
    const rows = await db
      .selectFrom('webhooks')
      .select(['id', 'position', 'next_attempt_at', 'lease_owner', 'lease_until'])
      .where('status', '=', 'ACTIVE')
      .execute();
    this.active = rows.length > 0;
    let dueInMs = Number.POSITIVE_INFINITY;
    for (const row of rows) {
      if (Number(row.position) >= head || this.driving.has(row.id)) continue;
      const rest = this.resting.get(row.id);
      if (rest !== undefined && rest > now.getTime()) {
        dueInMs = Math.min(dueInMs, rest - now.getTime());
        continue;
      }
      this.resting.delete(row.id);
      if (row.next_attempt_at !== null && row.next_attempt_at > iso) {
        dueInMs = Math.min(dueInMs, Date.parse(row.next_attempt_at) - now.getTime());
        continue;
      }
      if (
        row.lease_owner !== null &&
        row.lease_owner !== this.owner &&
        row.lease_until !== null &&
        row.lease_until > iso
      )
        continue;
      const drive = this.drive(row.id)
        .catch((error) => {
          this.resting.set(row.id, Date.now() + Math.max(this.options.pollMs, this.settings.backoffBaseMs));
          this.logger.log('error', 'webhook delivery failed; retrying', { webhook: row.id, error: String(error) });
        })
        .finally(() => {
          this.driving.delete(row.id);
          // What it recorded may make another step due at once (the next event).
          this.wake();
        });
      this.driving.set(row.id, drive);
    }
    return dueInMs;
  }

  /** Delivers one webhook's events in order while it holds the lease and each is acknowledged. */
  private async drive(id: string): Promise<void> {
    let row = await this.claim(id);
    if (!row) return;
    try {
      while (row && !this.stopping.signal.aborted) {
        const { event, through } = await this.nextEvent(row);
        if (!event) {
          // Nothing the filter passes up to `through`: move past it, so the next look starts there.
          if (through > Number(row.position)) await this.skipTo(row, through);
          return;
        }
        const outcome = await this.attempt(row, event);
        if (this.stopping.signal.aborted) return;
        row = await this.record(row, event, outcome);
        if (row?.status !== 'ACTIVE' || !outcome.ok) return;
      }
    } finally {
      await this.release(id);
    }
  }

  /**
   * Takes (or renews) the lease of an active webhook; null when another process holds it. Read
   * then written under the webhook's lock, which every lease change takes: nothing comes between.
   */
  private claim(id: string): Promise<Row | null> {
    return this.database.write(async (trx) => {
      const now = Date.now();
      const row = await trx.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
      if (row?.status !== 'ACTIVE') return null;
      const held = row.lease_owner !== null && row.lease_owner !== this.owner;
      if (held && row.lease_until !== null && Date.parse(row.lease_until) > now) return null;
      const lease = { lease_owner: this.owner, lease_until: new Date(now + this.leaseMs).toISOString() };
      await trx.updateTable('webhooks').set(lease).where('id', '=', id).execute();
      return { ...row, ...lease };
    }, deliveryLock(id));
  }

  private async release(id: string): Promise<void> {
    await this.database.write(async (trx) => {
      await trx
        .updateTable('webhooks')
        .set({ lease_owner: null, lease_until: null })
        .where('id', '=', id)
        .where('lease_owner', '=', this.owner)
        .execute();
    }, deliveryLock(id));
  }

  /**
   * The first event after the checkpoint the filter passes, or none and the position read
   * through. Read outside any transaction: what a statement sees after a position is a prefix of
   * the log with no hole (see runner.ts, readBatch), so nothing is passed over.
   */
  private async nextEvent(row: Row): Promise<{ event: StoredEvent | null; through: number }> {
    const filter = JSON.parse(row.filter ?? '{}') as EventFilter;
    const rows = await this.database.db
      .selectFrom('events')
      .selectAll()
      .where('position', '>', Number(row.position))
      .orderBy('position')
      .limit(READ_BATCH)
      .execute();
    for (const stored of rows.map(fromRow))
      if (storedEventMatches(filter, stored)) return { event: stored, through: stored.position };
    return { event: null, through: rows.length ? Number(rows[rows.length - 1]!.position) : Number(row.position) };
  }

  private attempt(row: Row, event: StoredEvent): Promise<SendOutcome> {
    const body = messageBody(event);
    const secrets = [row.secret];
    if (row.previous_secret && row.previous_secret_until && row.previous_secret_until > new Date().toISOString())
      secrets.push(row.previous_secret);
    const headers = signedHeaders(messageId(row.id, event.position), Math.floor(Date.now() / 1000), body, secrets);
    return sendWebhook(row.url, headers, body, {
      timeoutMs: this.settings.timeoutMs,
      allowPrivate: this.settings.allowPrivate,
      signal: this.stopping.signal,
    });
  }

  /**
   * Moves the checkpoint past events the filter does not pass — only if this process still holds
   * the lease and nothing (a replay) moved the checkpoint meanwhile.
   */
  private async skipTo(row: Row, through: number): Promise<void> {
    await this.database.write(async (trx) => {
      await trx
        .updateTable('webhooks')
        .set({ position: through })
        .where('id', '=', row.id)
        .where('lease_owner', '=', this.owner)
        .where('epoch', '=', Number(row.epoch))
        .where('position', '=', Number(row.position))
        .execute();
    }, deliveryLock(row.id));
  }

  /**
   * Records an attempt's outcome in the delivery log and the webhook, in one transaction; the
   * webhook as it now stands, or null when the outcome no longer counts (the lease was lost,
   * the webhook was deleted or replayed meanwhile: the event will be sent again as needed).
   */
  private record(row: Row, event: StoredEvent, outcome: SendOutcome): Promise<Row | null> {
    return this.database.write(async (trx) => {
      const current = await trx
        .selectFrom('webhooks')
        .selectAll()
        .where('id', '=', row.id)
        .where('lease_owner', '=', this.owner)
        .executeTakeFirst();
      if (!current || Number(current.epoch) !== Number(row.epoch) || Number(current.position) !== Number(row.position))
        return null;
      const now = new Date();
      const iso = now.toISOString();
      const attempts = Number(current.attempts) + 1;
      const failingSince = outcome.ok ? null : (current.failing_since ?? iso);
      const parked = failingSince !== null && now.getTime() - Date.parse(failingSince) >= this.settings.failingAfterMs;
      const next =
        outcome.ok || parked
          ? null
          : new Date(
              now.getTime() +
                retryDelayMs(attempts, { baseMs: this.settings.backoffBaseMs, capMs: this.settings.backoffCapMs }),
            ).toISOString();
      const delivery = {
        status: outcome.ok ? 'SUCCEEDED' : parked ? 'FAILED' : 'PENDING',
        attempts,
        response_code: outcome.status,
        response_body: outcome.body,
        error: outcome.error,
        last_attempt_at: iso,
        next_attempt_at: next,
      };
      let deliveryId = current.delivery_id === null ? null : Number(current.delivery_id);
      if (deliveryId === null) {
        const inserted = await trx
          .insertInto('webhook_deliveries')
          .values({
            ...delivery,
            webhook_id: row.id,
            event_position: event.position,
            event_type: event.type,
            message_id: messageId(row.id, event.position),
            created_at: iso,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        deliveryId = Number(inserted.id);
      } else await trx.updateTable('webhook_deliveries').set(delivery).where('id', '=', deliveryId).execute();
      const changes: Partial<WebhooksTable> = outcome.ok
        ? {
            position: event.position,
            attempts: 0,
            failing_since: null,
            next_attempt_at: null,
            delivery_id: null,
            last_error: null,
          }
        : {
            attempts,
            failing_since: failingSince,
            next_attempt_at: next,
            delivery_id: deliveryId,
            last_error: outcome.error,
            ...(parked ? { status: 'FAILING' } : {}),
          };
      changes.lease_until = new Date(now.getTime() + this.leaseMs).toISOString();
      await trx.updateTable('webhooks').set(changes).where('id', '=', row.id).execute();
      if (parked) this.logger.log('warn', 'a webhook is FAILING and parked', { webhook: row.id, error: outcome.error });
      return { ...current, ...changes } as Row;
    }, deliveryLock(row.id));
  }
}
