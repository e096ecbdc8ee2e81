/**
 * The log position each request's commands committed at, for read-your-writes: a mutation answers
 * with it (extensions.ledgerPosition), and a later read asking for at least that position
 * (x-inkwell-min-position) sees what it wrote. The group commit notes, in the scope of the request
 * that submitted each command, the log head its transaction left (group-commit.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface PositionSeen {
  /** The highest log head a command of this request was acknowledged at; null: none committed. */
  position: number | null;
}

const scope = new AsyncLocalStorage<PositionSeen>();

export function trackingPosition<T>(seen: PositionSeen, work: () => T): T {
  return scope.run(seen, work);
}

export function notePosition(position: number): void {
  const seen = scope.getStore();
  if (seen) seen.position = Math.max(seen.position ?? 0, position);
}
