/**
 * Webhooks as configuration: create, list, pause, resume, delete, rotate the secret, replay, and
 * the delivery log. The secret is stored (it is needed to sign) but no view here carries it: it
 * is returned once, by create and rotate (docs/security.md).
 */
import type { Selectable } from 'kysely';
import type { EventFilter } from '../domain/event-filter.js';
import { PerKeyLimitReached, ValidationError, WebhookNotFound, WebhookUrlRefused } from '../domain/errors.js';
import { checkDescription, MAX_POSITION } from '../domain/limits.js';
import { printable } from '../domain/text.js';
import { checkWebhookUrl, type DeliveryStatus, type WebhookStatus } from '../domain/webhooks.js';
import { uuidv7 } from '../ledger/ids.js';
import type { Database, Db } from '../store/db.js';
import { countCreatedBy } from '../store/created-by.js';
import { readHead } from '../store/event-store.js';
import type { WebhookDeliveriesTable, WebhooksTable } from '../store/schema.js';
import { resolveAllowed, type AddressPolicy } from './webhook-address.js';
import { newWebhookSecret } from './webhook-signing.js';

export interface WebhookView {
  id: string;
  url: string;
  description: string;
  /** The checked event filter ({}: every event). */
  filter: EventFilter;
  status: WebhookStatus;
  /** The last log position acknowledged by the receiver (or passed over by the filter). */
  position: number;
  /** Failed attempts at the event being sent now. */
  attempts: number;
  failingSince: string | null;
  nextAttemptAt: string | null;
  lastError: string | null;
  /** Until when the secret before the last rotation still signs too. */
  previousSecretExpiresAt: string | null;
  createdAt: string;
  createdBy: string;
}

export interface DeliveryView {
  id: number;
  webhookId: string;
  eventPosition: number;
  eventType: string;
  messageId: string;
  status: DeliveryStatus;
  attempts: number;
  responseCode: number | null;
  responseBody: string | null;
  error: string | null;
  createdAt: string;
  lastAttemptAt: string;
  nextAttemptAt: string | null;
}

/** A webhook and its signing secret: what create and rotate return, the only time it is shown. */
export interface WebhookWithSecret {
  webhook: WebhookView;
  secret: string;
}

export function toWebhookView(row: Selectable<WebhooksTable>): WebhookView {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    filter: JSON.parse(row.filter ?? '{}') as EventFilter,
    status: row.status as WebhookStatus,
    position: Number(row.position),
    attempts: Number(row.attempts),
    failingSince: row.failing_since,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    previousSecretExpiresAt: row.previous_secret_until,
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

function toDeliveryView(row: Selectable<WebhookDeliveriesTable>): DeliveryView {
  return {
    id: Number(row.id),
    webhookId: row.webhook_id,
    eventPosition: Number(row.event_position),
    eventType: row.event_type,
    messageId: row.message_id,
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    responseCode: row.response_code === null ? null : Number(row.response_code),
    responseBody: row.response_body,
    error: row.error,
    createdAt: row.created_at,
    lastAttemptAt: row.last_attempt_at,
    nextAttemptAt: row.next_attempt_at,
  };
}

/** Management writes take the webhook's own lock, never the ledger's: commands do not wait on them. */
export const webhookLock = (id: string) => ({ lock: `webhook:${id}` });

export interface NewWebhook {
  url: string;
  description: string | null | undefined;
  /** A checked filter (graphql/event-filter.ts), stored as JSON; the dispatcher matches it. */
  filter: EventFilter;
}

/**
 * Creates a webhook that sends the events committed from now on. Refusals in this order: the
 * URL's shape, the description, then the URL's addresses after DNS resolution (the slow part).
 */
export async function createWebhook(
  database: Database,
  input: NewWebhook,
  policy: AddressPolicy & { timeoutMs: number },
  createdBy: string,
  now: string,
  perKeyLimit: number,
): Promise<WebhookWithSecret> {
  const url = checkWebhookUrl(input.url);
  const description = checkDescription(input.description) ?? '';
  await resolveAllowed(url, policy, policy.timeoutMs).catch((error: Error) => {
    throw new WebhookUrlRefused(input.url, error.message);
  });
  const id = uuidv7();
  const secret = newWebhookSecret();
  return database.write(
    async (trx) => {
      if ((await countCreatedBy(trx, 'webhooks', createdBy)) >= perKeyLimit)
        throw new PerKeyLimitReached('webhooks', perKeyLimit);
      const row: WebhooksTable = {
        id,
        url: input.url,
        description,
        filter: JSON.stringify(input.filter),
        secret,
        previous_secret: null,
        previous_secret_until: null,
        status: 'ACTIVE',
        position: (await readHead(trx))?.position ?? 0,
        epoch: 0,
        delivery_id: null,
        attempts: 0,
        failing_since: null,
        next_attempt_at: null,
        last_error: null,
        lease_owner: null,
        lease_until: null,
        created_at: now,
        created_by: createdBy,
      };
      await trx.insertInto('webhooks').values(row).execute();
      return { webhook: toWebhookView(row), secret };
    },
    // One lock per creating key, not the new webhook's own (nothing else can hold a lock on an
    // id not yet committed): two creations by one key then count one after the other.
    { lock: `webhooks-of:${createdBy}` },
  );
}

export async function listWebhooks(db: Db, options: { afterId: string | null; limit: number }): Promise<WebhookView[]> {
  let query = db.selectFrom('webhooks').selectAll().orderBy('id').limit(options.limit);
  if (options.afterId !== null) query = query.where('id', '>', options.afterId);
  return (await query.execute()).map(toWebhookView);
}

/**
 * Ids are uuids: anything else (a NUL, which PostgreSQL text refuses; a megabyte) names none.
 * Checked before a write begins: the id is part of the lock's name.
 */
const ID_SHAPE = /^[\x21-\x7e]{1,64}$/;

function checkId(id: string): string {
  if (!ID_SHAPE.test(id)) throw new WebhookNotFound(printable(id));
  return id;
}

async function existing(trx: Db, id: string): Promise<Selectable<WebhooksTable>> {
  const row = await trx.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new WebhookNotFound(id);
  return row;
}

/** Changes a webhook under its lock; `change` returns the columns to set (none: nothing to do). */
function changeWebhook(
  database: Database,
  id: string,
  change: (row: Selectable<WebhooksTable>, trx: Db) => Promise<Partial<WebhooksTable>> | Partial<WebhooksTable>,
): Promise<WebhookView> {
  checkId(id);
  return database.write(async (trx) => {
    const row = await existing(trx, id);
    const changes = await change(row, trx);
    if (Object.keys(changes).length > 0) await trx.updateTable('webhooks').set(changes).where('id', '=', id).execute();
    return toWebhookView({ ...row, ...changes });
  }, webhookLock(id));
}

/** A fresh start at the event being sent: no failures counted, no wait. */
const freshStart: Partial<WebhooksTable> = {
  attempts: 0,
  failing_since: null,
  next_attempt_at: null,
  delivery_id: null,
};

/** Stops sending after the event in flight (if any) is answered; pausing a paused webhook changes nothing. */
export const pauseWebhook = (database: Database, id: string) =>
  changeWebhook(database, id, (row) => (row.status === 'PAUSED' ? {} : { status: 'PAUSED' }));

/**
 * Sends again, from the checkpoint: a FAILING webhook retries the event it parked on at once, as
 * a new delivery in the log; a PAUSED one carries on where it stopped.
 */
export const resumeWebhook = (database: Database, id: string) =>
  changeWebhook(database, id, (row) => {
    if (row.status === 'ACTIVE') return {};
    return row.status === 'FAILING' ? { status: 'ACTIVE', ...freshStart } : { status: 'ACTIVE' };
  });

/**
 * Sends every event after `fromPosition - 1` again (those the filter matches), in order, then
 * goes on with new ones. A delivery in flight when it is asked does not move the checkpoint. A
 * FAILING webhook becomes ACTIVE (a replay is an order to send); a PAUSED one stays paused.
 */
export function replayWebhook(database: Database, id: string, fromPosition: number): Promise<WebhookView> {
  if (!Number.isSafeInteger(fromPosition) || fromPosition < 1 || fromPosition > MAX_POSITION)
    throw new ValidationError('fromPosition', `a log position from 1 to ${MAX_POSITION}, not ${fromPosition}`);
  return changeWebhook(database, id, (row) => ({
    position: fromPosition - 1,
    epoch: Number(row.epoch) + 1,
    ...freshStart,
    ...(row.status === 'FAILING' ? { status: 'ACTIVE' } : {}),
  }));
}

/**
 * A new secret, returned once. The previous one keeps signing beside it for `graceMs` (every
 * message carries both signatures), so receivers can switch without refusing a message.
 */
export async function rotateWebhookSecret(
  database: Database,
  id: string,
  graceMs: number,
  now: Date,
): Promise<WebhookWithSecret> {
  const secret = newWebhookSecret();
  const webhook = await changeWebhook(database, id, (row) => ({
    secret,
    previous_secret: graceMs > 0 ? row.secret : null,
    previous_secret_until: graceMs > 0 ? new Date(now.getTime() + graceMs).toISOString() : null,
  }));
  return { webhook, secret };
}

/** Deletes a webhook and its delivery log; a delivery in flight is not recorded. */
export async function deleteWebhook(database: Database, id: string): Promise<WebhookView> {
  checkId(id);
  return database.write(async (trx) => {
    const row = await existing(trx, id);
    await trx.deleteFrom('webhook_deliveries').where('webhook_id', '=', id).execute();
    await trx.deleteFrom('webhooks').where('id', '=', id).execute();
    return toWebhookView(row);
  }, webhookLock(id));
}

/** A webhook's delivery log, newest first (keyset on the id), optionally of one status. */
export async function listDeliveries(
  db: Db,
  webhookId: string,
  options: { status: DeliveryStatus | null; beforeId: number | null; limit: number },
): Promise<DeliveryView[]> {
  await existing(db, checkId(webhookId));
  let query = db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('webhook_id', '=', webhookId)
    .orderBy('id', 'desc')
    .limit(options.limit);
  if (options.status !== null) query = query.where('status', '=', options.status);
  if (options.beforeId !== null) query = query.where('id', '<', options.beforeId);
  return (await query.execute()).map(toDeliveryView);
}
