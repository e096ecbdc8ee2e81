/**
 * The deadline of the request a piece of storage work belongs to. The HTTP layer runs each
 * request inside `withDeadline`; a read issued from it (however deep, through awaits and
 * DataLoader batches) finds the request's signal here and is abandoned when it fires. Writes
 * never look: once queued, a write commits or fails whole.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** Each request's time budget unless configured (INKWELL_REQUEST_TIMEOUT_MS). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

const scope = new AsyncLocalStorage<AbortSignal>();

/** A read abandoned because its request ran out of time or its client went away. */
export class DeadlineExceeded extends Error {
  constructor(message = 'the request ran past its deadline (or its client went away): the read was abandoned') {
    super(message);
    this.name = 'DeadlineExceeded';
  }
}

export function withDeadline<T>(signal: AbortSignal, work: () => T): T {
  return scope.run(signal, work);
}

/** Work that must not be abandoned half-way (a write transaction): no deadline reaches into it. */
export function withoutDeadline<T>(work: () => T): T {
  return scope.exit(work);
}

export function currentDeadline(): AbortSignal | undefined {
  return scope.getStore();
}
