/**
 * Webhook rules that need no I/O: the statuses, what a URL must look like before its address is
 * even resolved, the retry schedule, and the id a message keeps across its retries.
 */
import { ValidationError, WebhookUrlRefused } from './errors.js';
import { printable } from './text.js';

export const WEBHOOK_STATUSES = ['ACTIVE', 'PAUSED', 'FAILING'] as const;
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];

export const DELIVERY_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** The longest URL a webhook may have (browsers and proxies agree on about this much). */
export const MAX_WEBHOOK_URL_LENGTH = 2048;
/** How much of a receiver's answer the delivery log keeps. */
export const WEBHOOK_RESPONSE_BODY_BYTES = 1024;

/**
 * The URL's shape: absolute http(s), no credentials in it (they would be stored and shown). Its
 * address is judged separately, after DNS resolution (subscribers/webhook-address.ts).
 */
export function checkWebhookUrl(raw: string): URL {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH)
    throw new ValidationError('url', `at most ${MAX_WEBHOOK_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ValidationError('url', `not an absolute URL: "${printable(raw)}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new WebhookUrlRefused(raw, `only http and https URLs are called, not ${printable(url.protocol)}`);
  if (url.username !== '' || url.password !== '')
    throw new ValidationError('url', 'must not carry a user name or password');
  return url;
}

export interface Backoff {
  baseMs: number;
  capMs: number;
}

/**
 * The wait before retry number `attempts` (1 after the first failure): exponential from `baseMs`,
 * capped at `capMs`, with "equal jitter" (a random half on top of a fixed half) so that receivers
 * coming back up are not hit by every webhook at the same instant, yet the wait still grows.
 */
export function retryDelayMs(attempts: number, backoff: Backoff, random: () => number = Math.random): number {
  const exponential = Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.min(attempts - 1, 40));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

/**
 * The webhook-id header of an event sent to a webhook: derived from both, so every retry, a
 * restart and another process all send the same id and a receiver can deduplicate on it.
 */
export function messageId(webhookId: string, position: number): string {
  return `msg_${webhookId}_${position}`;
}
