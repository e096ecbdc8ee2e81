/**
 * Read-your-writes with a read replica (docs/operations.md, "Read replicas"). Every mutation
 * answers with the log position it committed at, `extensions.ledgerPosition` (the log head its
 * transaction left; for one that committed nothing, the head when it finished). A query runs on
 * the replica when the database has one (INKWELL_READ_DATABASE_URL); sent with the header
 * x-inkwell-min-position: N, only once the replica has replayed position N — checked every few
 * milliseconds for at most INKWELL_REPLICA_WAIT_MS, after which the primary answers (not an
 * error). A replica that cannot be reached costs no error either: the primary answers
 * (replicaFirst, store/replica-fallback.ts). Without a replica the primary answers everything
 * and is always up to date.
 */
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Ledger } from '../ledger/ledger.js';
import { trackingPosition, type PositionSeen } from '../ledger/log-position.js';
import type { Database, ReadReplica } from '../store/db.js';
import { readHead } from '../store/event-store.js';
import { onReplica, type ReplicaRoute } from '../store/read-route.js';

export { DEFAULT_REPLICA_WAIT_MS } from '../store/read-route.js';
import { operationOf } from './deadline.js';

export const MIN_POSITION_HEADER = 'x-inkwell-min-position';

/** How often the replica's position is checked while a read waits for it: a cheap max() on an index. */
const POLL_MS = 10;

const POSITION = /^(0|[1-9][0-9]{0,15})$/;

type Execute = () => unknown;

export type ReadServer = 'replica' | 'primary';

export function useReadYourWrites(
  ledger: Ledger,
  replicaWaitMs: number,
  /** Told which server answered each query (the /metrics counter). */
  onQueryRead: (server: ReadServer) => void = () => undefined,
): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution, executeFn, setExecuteFn }) {
      const request = (args.contextValue as { request?: Request }).request;
      const header = request?.headers.get(MIN_POSITION_HEADER) ?? null;
      const minPosition = header === null ? null : Number(header);
      // Refused before anything runs: a mutation sent with it writes nothing.
      if (header !== null && (!POSITION.test(header) || !Number.isSafeInteger(minPosition)))
        return setResultAndStopExecution({
          errors: [
            new GraphQLError(`${MIN_POSITION_HEADER} must be a log position: a whole number from 0, not "${header}"`, {
              extensions: { code: 'BAD_USER_INPUT' },
            }),
          ],
        });
      const operation = operationOf(args.document, args.operationName)?.operation;
      // The request's own ledger (issue 24: /ledgers/<name>/graphql): positions are per ledger.
      const { database } = (args.contextValue as { ledger?: Ledger }).ledger ?? ledger;
      if (operation === 'mutation')
        setExecuteFn((executeArgs) => withPosition(database, () => executeFn(executeArgs)) as never);
      else if (operation === 'query' && database.replica)
        setExecuteFn(
          (executeArgs) =>
            routed(database.replica!, minPosition, replicaWaitMs, onQueryRead, () => executeFn(executeArgs)) as never,
        );
    },
  };
}

/** Runs a mutation, and adds the log position its commands committed at to its answer. */
async function withPosition(database: Database, execute: Execute): Promise<unknown> {
  const seen: PositionSeen = { position: null };
  const result = await trackingPosition(seen, execute);
  if (!isResult(result)) return result;
  // Nothing committed (a refusal, a retry answered from its key, a setting): the head it saw.
  const position =
    seen.position ??
    (await readHead(database.db).then(
      (head) => head?.position ?? 0,
      () => null,
    ));
  if (position === null) return result;
  return { ...result, extensions: { ...result.extensions, ledgerPosition: position } };
}

/**
 * Runs a query on the replica once it has replayed `minPosition`, or on the primary after the wait
 * — or when the replica cannot be reached (store/replica-fallback.ts).
 */
async function routed(
  replica: ReadReplica,
  minPosition: number | null,
  waitMs: number,
  onQueryRead: (server: ReadServer) => void,
  execute: Execute,
): Promise<unknown> {
  const onTheReplica = minPosition === null || (await replayed(replica, minPosition, waitMs));
  const { result, server } = onTheReplica
    ? await replicaFirst(execute)
    : { result: await execute(), server: 'primary' as const };
  onQueryRead(server);
  if (!isResult(result)) return result;
  // Which server answered: the client (and the tests) can tell a bounded wait's fallback.
  return { ...result, extensions: { ...result.extensions, readFrom: server } };
}

/**
 * Runs the operation on the replica. Reads the replica could not take went to the primary (the
 * answer is then the primary's); an operation a broken replica connection left incomplete runs
 * once more, all on the primary: reads change nothing, so running one twice is safe. Any other
 * failure (the deadline, a bad query) is the answer, as it would be on the primary.
 */
async function replicaFirst(execute: Execute): Promise<{ result: unknown; server: ReadServer }> {
  const route: ReplicaRoute = { fellBack: false, broke: false };
  try {
    const result = await onReplica(execute, route);
    if (!route.broke) return { result, server: route.fellBack ? 'primary' : 'replica' };
  } catch (error) {
    if (!route.broke) throw error;
  }
  return { result: await execute(), server: 'primary' };
}

/** Whether the replica reaches `position` within `waitMs`; false at once when it cannot be asked. */
async function replayed(replica: ReadReplica, position: number, waitMs: number): Promise<boolean> {
  const end = Date.now() + waitMs;
  for (;;) {
    try {
      if ((await replica.position()) >= position) return true;
    } catch {
      return false;
    }
    if (Date.now() >= end) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function isResult(value: unknown): value is ExecutionResult {
  return typeof value === 'object' && value !== null && !(Symbol.asyncIterator in value);
}
