/**
 * The Prometheus metrics of one server (`/metrics`, docs/operations.md): a registry of its own
 * (not prom-client's global one) so several servers in one process — tests — never collide.
 * Request counters and histograms are fed as requests end (a few map updates); everything read
 * from the database (log head, lags) is read at scrape time by collect callbacks with bounded,
 * indexed queries, never on the request path.
 */
import { sql } from 'kysely';
import client from 'prom-client';
import type { Ledger } from '../ledger/ledger.js';
import { readHead } from '../store/event-store.js';

/** Distinct operation names kept as labels; the rest count as "other" (bounded cardinality). */
export const MAX_OPERATION_NAMES = 200;

/** Subscribers listed by name at most (they are a handful, plus one per metadata index). */
const MAX_SUBSCRIBERS = 200;

const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

export interface RequestSample {
  operationName: string | null;
  /** "ok", or the first error's code. */
  outcome: string;
  seconds: number;
  /** The operation's cost (extensions.cost.requested), when it was priced. */
  cost: number | null;
  /** The ledger it was for (issue 24): an existing one's name, so the label stays bounded. */
  ledger: string;
}

export class ServerMetrics {
  readonly registry = new client.Registry();
  private readonly names = new Set<string>();
  private readonly requests: client.Counter<'operation' | 'outcome' | 'ledger'>;
  private readonly latency: client.Histogram<'operation'>;
  private readonly cost: client.Histogram;
  private readonly faults: client.Counter<'fault'>;
  private readonly queryReads: client.Counter<'server'>;

  constructor(ledger: Ledger) {
    const registers = [this.registry];
    client.collectDefaultMetrics({ register: this.registry });
    this.requests = new client.Counter({
      name: 'inkwell_requests_total',
      help: 'GraphQL requests by operation name, outcome (ok or the error code) and ledger',
      labelNames: ['operation', 'outcome', 'ledger'],
      registers,
    });
    this.latency = new client.Histogram({
      name: 'inkwell_request_duration_seconds',
      help: 'GraphQL request latency by operation name',
      labelNames: ['operation'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.cost = new client.Histogram({
      name: 'inkwell_query_cost',
      help: 'The computed cost of each priced operation',
      buckets: [1, 5, 10, 50, 100, 500, 1000, 5000, 10000, 20000],
      registers,
    });
    this.faults = new client.Counter({
      name: 'inkwell_storage_faults_total',
      help: 'Storage faults met by requests, by kind (STORAGE_FULL, STORAGE_LOCKED, ...)',
      labelNames: ['fault'],
      registers,
    });
    this.queryReads = new client.Counter({
      name: 'inkwell_query_reads_total',
      help: 'Queries by the server that answered them, when a read replica is configured (replica; primary after the bounded wait or while the replica cannot be reached)',
      labelNames: ['server'],
      registers,
    });
    const groupSize = new client.Histogram({
      name: 'inkwell_group_commit_size',
      help: 'Commands per group-commit transaction',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers,
    });
    const commitSeconds = new client.Histogram({
      name: 'inkwell_commit_duration_seconds',
      help: 'How long each group-commit write transaction took',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    const committer = ledger.committer;
    committer.observer = (commands, seconds) => {
      groupSize.observe(commands);
      commitSeconds.observe(seconds);
    };
    new client.Gauge({
      name: 'inkwell_commit_queue_depth',
      help: 'Commands waiting for a group commit',
      registers,
      collect() {
        this.set(committer.queueDepth);
      },
    });
    this.databaseGauges(ledger, registers);
  }

  /** The log head and how far behind it the subscribers, webhooks and consumers are, read at scrape time. */
  private databaseGauges(ledger: Ledger, registers: client.Registry[]): void {
    const db = ledger.database.db;
    const headOf = async () => (await readHead(db))?.position ?? 0;
    new client.Gauge({
      name: 'inkwell_log_head_position',
      help: 'The position of the last event in the log',
      registers,
      async collect() {
        this.set(await headOf());
      },
    });
    new client.Gauge({
      name: 'inkwell_subscriber_lag_events',
      help: "Events between the log head and each subscriber's active checkpoint",
      labelNames: ['subscriber'],
      registers,
      async collect() {
        const [head, rows] = await Promise.all([
          headOf(),
          db
            .selectFrom('subscribers')
            .select(['name', 'position'])
            .where('active', '=', 1)
            .orderBy('name')
            .limit(MAX_SUBSCRIBERS)
            .execute(),
        ]);
        this.reset();
        for (const row of rows) this.set({ subscriber: row.name }, Math.max(0, head - Number(row.position)));
      },
    });
    // One aggregate row each: the furthest behind, however many webhooks or consumers exist.
    const lagGauge = (name: string, help: string, table: string, column: string, where = sql``) =>
      new client.Gauge({
        name,
        help,
        registers,
        async collect() {
          const [head, { rows }] = await Promise.all([
            headOf(),
            sql<{
              oldest: unknown;
            }>`SELECT MIN(${sql.ref(column)}) AS oldest FROM ${sql.table(table)} ${where}`.execute(db),
          ]);
          const oldest = rows[0]?.oldest;
          this.set(oldest == null ? 0 : Math.max(0, head - Number(oldest)));
        },
      });
    const replica = ledger.database.replica;
    if (replica)
      new client.Gauge({
        name: 'inkwell_replica_lag_events',
        help: 'Events between the log head on the primary and the position the read replica has replayed',
        registers,
        async collect() {
          // An unreachable replica shows no sample rather than failing the whole scrape.
          const [head, replayed] = await Promise.all([headOf(), replica.position().catch(() => null)]);
          if (replayed === null) this.reset();
          else this.set(Math.max(0, head - replayed));
        },
      });
    if (replica)
      new client.Gauge({
        name: 'inkwell_replica_available',
        help: 'With a read replica: 1 while it answers, 0 while it cannot be reached and queries are read from the primary',
        registers,
        async collect() {
          // The scrape tries it too (at most once per retry wait): a replica back up shows without a query.
          await replica.position().catch(() => null);
          this.set(replica.state().available ? 1 : 0);
        },
      });
    lagGauge(
      'inkwell_webhook_lag_events',
      'Events between the log head and the furthest-behind webhook that is not paused',
      'webhooks',
      'position',
      sql`WHERE status <> 'PAUSED'`,
    );
    lagGauge(
      'inkwell_consumer_lag_events',
      "Events between the log head and the furthest-behind durable consumer's cursor",
      'consumers',
      'cursor',
    );
  }

  /** A request ended: counted under a bounded operation name. */
  observeRequest(sample: RequestSample): void {
    const operation = this.label(sample.operationName);
    this.requests.inc({ operation, outcome: sample.outcome, ledger: sample.ledger });
    this.latency.observe({ operation }, sample.seconds);
    if (sample.cost !== null) this.cost.observe(sample.cost);
  }

  storageFault(fault: string): void {
    this.faults.inc({ fault });
  }

  queryRead(server: 'replica' | 'primary'): void {
    this.queryReads.inc({ server });
  }

  /** The label for an operation name: "anonymous" without a valid one, "other" past the cap. */
  private label(name: string | null): string {
    if (!name || !OPERATION_NAME.test(name)) return 'anonymous';
    if (this.names.has(name)) return name;
    if (this.names.size >= MAX_OPERATION_NAMES) return 'other';
    this.names.add(name);
    return name;
  }
}
