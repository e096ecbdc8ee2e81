/**
 * Durable consumers as pure rules (issue 21, point 3): names, ack windows and page sizes a client
 * may ask for. The lease bookkeeping itself is ledger/consumers.ts.
 */
import { ValidationError } from './errors.js';
import { MAX_PAGE_SIZE, MAX_POSITION } from './limits.js';

export const MAX_CONSUMER_NAME_LENGTH = 64;
/** At most this many consumers: each is rows every pull and ack reads. */
export const MAX_CONSUMERS = 100;
/** The ack window when neither the consumer nor INKWELL_CONSUMER_ACK_MS sets one. */
export const DEFAULT_CONSUMER_ACK_MS = 30_000;
/** A consumer's own ack window: from 100 ms (tests, fast workers) to one hour. */
export const MIN_CONSUMER_ACK_MS = 100;
export const MAX_CONSUMER_ACK_MS = 3_600_000;
/**
 * Log rows one pull reads at most: a pull runs in one write transaction, so a filter that matches
 * little must not hold it for long. A pull that found nothing moves past what it read, and the
 * next pull goes on from there.
 */
export const MAX_CONSUMER_SCAN = 5_000;

const NAME = new RegExp(`^[a-z0-9][a-z0-9._-]{0,${MAX_CONSUMER_NAME_LENGTH - 1}}$`);

export function checkConsumerName(name: string, field = 'name'): string {
  if (!NAME.test(name))
    throw new ValidationError(
      field,
      `a consumer name is 1 to ${MAX_CONSUMER_NAME_LENGTH} characters: lowercase a-z, 0-9, ".", "_" and "-", starting with a letter or digit`,
    );
  return name;
}

export function checkAckTimeout(ms: number | null | undefined): number | null {
  if (ms == null) return null;
  if (!Number.isInteger(ms) || ms < MIN_CONSUMER_ACK_MS || ms > MAX_CONSUMER_ACK_MS)
    throw new ValidationError(
      'ackTimeoutMs',
      `from ${MIN_CONSUMER_ACK_MS} to ${MAX_CONSUMER_ACK_MS} milliseconds, not ${ms}`,
    );
  return ms;
}

/** A log position a client names: 0 (before the first event) or more. */
export function checkPosition(position: number, field: string): number {
  if (!Number.isInteger(position) || position < 0 || position > MAX_POSITION)
    throw new ValidationError(field, `a log position is 0 or more, not ${position}`);
  return position;
}

export function checkPullSize(first: number | null | undefined, fallback: number): number {
  const n = first ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE)
    throw new ValidationError('first', `1 to ${MAX_PAGE_SIZE} events per pull, not ${n}`);
  return n;
}
