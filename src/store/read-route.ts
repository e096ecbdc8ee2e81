/**
 * Which server a read goes to, when the database has a read replica (INKWELL_READ_DATABASE_URL):
 * the primary unless the work runs inside `onReplica` — the HTTP layer runs a query operation's
 * execution there (graphql/read-your-writes.ts). Everything else stays on the primary: mutations and
 * the reads they make, writes (which force the primary whatever the scope), the subscribers, and
 * the API key checks before execution. As the request deadline, it follows the work through
 * awaits and DataLoader batches.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** How long a read waits for the replica to reach its x-inkwell-min-position (INKWELL_REPLICA_WAIT_MS). */
export const DEFAULT_REPLICA_WAIT_MS = 1000;

/** What became of one operation's reads on the replica, told by the store (replica-fallback.ts). */
export interface ReplicaRoute {
  /** A connection to the replica could not be made (or it is skipped while down): the primary answered that read. */
  fellBack: boolean;
  /** A statement on the replica failed because its connection broke: the operation's answer is incomplete. */
  broke: boolean;
}

const scope = new AsyncLocalStorage<ReplicaRoute>();

export function onReplica<T>(work: () => T, route: ReplicaRoute = { fellBack: false, broke: false }): T {
  return scope.run(route, work);
}

/** Work that needs the latest state (a write transaction, the group commit): never the replica. */
export function onPrimary<T>(work: () => T): T {
  return scope.exit(work);
}

export function readsFromReplica(): boolean {
  return scope.getStore() !== undefined;
}

/** The route of the operation this work reads for; undefined outside `onReplica`. */
export function currentRoute(): ReplicaRoute | undefined {
  return scope.getStore();
}
