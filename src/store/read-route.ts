/**
 * Which server a read goes to, when the database has a read replica (INKWELL_READ_DATABASE_URL):
 * the primary unless the work runs inside `onReplica` — the HTTP layer runs a query operation's
 * execution there (graphql/replica-reads.ts). Everything else stays on the primary: mutations and
 * the reads they make, writes (which force the primary whatever the scope), the subscribers, and
 * the API key checks before execution. As the request deadline, it follows the work through
 * awaits and DataLoader batches.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** How long a read waits for the replica to reach its x-inkwell-min-position (INKWELL_REPLICA_WAIT_MS). */
export const DEFAULT_REPLICA_WAIT_MS = 1000;

const scope = new AsyncLocalStorage<true>();

export function onReplica<T>(work: () => T): T {
  return scope.run(true, work);
}

/** Work that needs the latest state (a write transaction, the group commit): never the replica. */
export function onPrimary<T>(work: () => T): T {
  return scope.exit(work);
}

export function readsFromReplica(): boolean {
  return scope.getStore() === true;
}
