/**
 * Reads that survive a read replica that is down (docs/operations.md, "Read replicas"). A read in
 * `onReplica` scope takes its connection from the replica's pool unless the breaker
 * (replica-health.ts) says to skip it; a connection that cannot be made within the connect
 * timeout is taken from the primary's pool instead, and the operation's route notes it. A
 * statement that fails because the replica's connection broke cannot be redone alone (it may sit
 * in a read transaction): the route notes that too, and the HTTP layer runs the whole operation
 * again on the primary (graphql/read-your-writes.ts).
 */
import pg from 'pg';
import { connectionLost } from './pg-connection-lost.js';
import { currentRoute, readsFromReplica } from './read-route.js';
import type { ReplicaHealth } from './replica-health.js';
import { StorageFault } from './storage-fault.js';

/** pg's Client with a bound on the connection's making only (a pool-wide timeout would also bound the wait for a busy pool). */
export function clientWithConnectTimeout(timeoutMs: number): typeof pg.Client {
  return class extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super({
        ...(typeof config === 'string' ? { connectionString: config } : config),
        connectionTimeoutMillis: timeoutMs,
      });
    }
  };
}

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The connection a read takes: from the replica in `onReplica` scope while it answers, otherwise from the primary. */
export function connectForRead(
  primary: pg.Pool,
  replica: pg.Pool | null,
  health: ReplicaHealth,
): Promise<pg.PoolClient> {
  if (!replica || !readsFromReplica()) return primary.connect();
  if (!health.tryReplica()) return fallBack(primary);
  return replica.connect().then(
    (client) => {
      health.answered();
      return client;
    },
    (error: unknown) => {
      if (!connectionLost(error)) throw error;
      health.failed(reasonOf(error));
      return fallBack(primary);
    },
  );
}

function fallBack(primary: pg.Pool): Promise<pg.PoolClient> {
  const route = currentRoute();
  if (route) route.fellBack = true;
  return primary.connect();
}

/** A replica connection whose statement fails because the connection broke marks the replica down and the operation broken. */
export function watchReplicaClient(client: pg.PoolClient, health: ReplicaHealth): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (...args: unknown[]) => {
    const result = query(...args);
    if (!(result instanceof Promise)) return result;
    return result.catch((error: unknown) => {
      if (connectionLost(error)) {
        health.failed(reasonOf(error));
        const route = currentRoute();
        if (route) route.broke = true;
      }
      throw error;
    });
  };
}

/** The replica's last replayed log position; refused at once, without trying, while the breaker skips it. */
export async function replicaPosition(replica: pg.Pool, health: ReplicaHealth, where: string): Promise<number> {
  if (!health.tryReplica())
    throw new StorageFault('STORAGE_UNAVAILABLE', `the read replica cannot be reached (${where}): retry shortly`);
  let client: pg.PoolClient;
  try {
    client = await replica.connect();
  } catch (error) {
    if (connectionLost(error)) health.failed(reasonOf(error));
    throw error;
  }
  health.answered();
  try {
    const { rows } = await client.query<{ head: number | null }>('select max(position) as head from events');
    return rows[0]?.head ?? 0;
  } finally {
    client.release();
  }
}
