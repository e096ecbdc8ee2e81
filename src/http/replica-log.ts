/**
 * One log line when the read replica goes down and one when it answers again — never one per
 * request: while it is down every query is read from the primary, and the metric
 * inkwell_replica_available shows the outage (docs/operations.md, "Read replicas").
 */
import type { Logger } from '../log.js';
import type { ReadReplica } from '../store/db.js';

/** Logs the replica's outages until the returned function is called. */
export function logReplicaOutages(replica: ReadReplica, logger: Logger): () => void {
  return replica.onChange((change) => {
    if (!change.available)
      logger.log('warn', 'the read replica cannot be reached: queries are read from the primary until it answers', {
        replica: replica.location,
        reason: change.reason,
      });
    else
      logger.log('info', 'the read replica answers again: queries are read from it', {
        replica: replica.location,
        downMs: change.downMs,
      });
  });
}
