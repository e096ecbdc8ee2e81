/** Settings from the environment, with the defaults docs/operations.md and docs/security.md list. */
import { DEFAULT_CONVERSION_ACCOUNT } from './domain/exchanges.js';
import { DEFAULT_PER_KEY_LIMIT } from './domain/limits.js';
import { DEFAULT_CONSUMER_ACK_MS, MAX_CONSUMER_ACK_MS, MIN_CONSUMER_ACK_MS } from './domain/consumers.js';
import { DEFAULT_FEED_POLL_MS } from './ledger/feed.js';
import { DEFAULT_HOLD_SWEEP_MS } from './ledger/hold-sweeper.js';
import { DEFAULT_GROUP_COMMIT } from './ledger/group-commit.js';
import { DEFAULT_MAX_FUTURE_SKEW_MS } from './ledger/ledger.js';
import { DEFAULT_POLICY } from './projections/project.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from './store/deadline.js';
import { DEFAULT_WEBHOOK_SETTINGS, type WebhookSettings } from './subscribers/webhook-settings.js';
import { DEFAULT_REPLICA_WAIT_MS } from './store/read-route.js';
import { DEFAULT_REPLICA_CONNECT_TIMEOUT_MS, DEFAULT_REPLICA_RETRY_MS } from './store/replica-health.js';
import { ACCESS_LOG_LEVELS, type AccessLogLevel } from './http/access-log.js';
import { type ApqLimits, DEFAULT_APQ_LIMITS } from './graphql/apq-store.js';
import { LIST_REQUIRED } from './graphql/persisted-list.js';

/** What one GraphQL document may ask for (graphql-armor; the cost: src/graphql/cost.ts). */
export interface QueryLimits {
  maxDepth: number;
  maxTokens: number;
  maxAliases: number;
  maxDirectives: number;
  maxCost: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxDepth: 12,
  maxTokens: 2000,
  maxAliases: 20,
  maxDirectives: 20,
  maxCost: 20000,
};

/**
 * The cost budget of each API key: cost points per second, saved up to `burst`; perSecond 0
 * turns it off. Every request spends its operation's cost, at least 1 (docs/security.md).
 */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** Half a maximal query a second; two maximal queries back to back. */
/** The largest request body accepted (INKWELL_MAX_BODY_BYTES). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export const DEFAULT_RATE_LIMIT: RateLimit = { perSecond: 10_000, burst: 40_000 };

/** Settings that no longer exist, and what took their place: a start with one of them fails. */
const REPLACED: Record<string, string> = {
  INKWELL_RATE_LIMIT: 'INKWELL_COST_BUDGET (cost points per second, not requests; see docs/security.md)',
  INKWELL_RATE_BURST: 'INKWELL_COST_BURST (cost points, not requests; see docs/security.md)',
};

export interface Config {
  port: number;
  host: string;
  /** SQLite file (INKWELL_DB, default ./data/inkwell.db). */
  sqliteFile: string;
  databaseUrl: string | null;
  /** INKWELL_READ_DATABASE_URL: a PostgreSQL hot standby that queries read from (default none). */
  readDatabaseUrl: string | null;
  /** How long a read waits for the replica to reach its x-inkwell-min-position (INKWELL_REPLICA_WAIT_MS, default 1000). */
  replicaWaitMs: number;
  /** How long a connection to the replica may take before the primary answers (INKWELL_REPLICA_CONNECT_TIMEOUT_MS, default 1000). */
  replicaConnectTimeoutMs: number;
  /** How long reads skip a replica that failed before trying it again (INKWELL_REPLICA_RETRY_MS, default 5000). */
  replicaRetryMs: number;
  graphiql: boolean;
  /** Schema introspection (INKWELL_INTROSPECTION; default on, off in production). */
  introspection: boolean;
  maxBodyBytes: number;
  production: boolean;
  queryLimits: QueryLimits;
  rateLimit: RateLimit;
  /** INKWELL_CORS_ORIGINS, comma-separated; default none. */
  corsOrigins: string[];
  /** INKWELL_ADMIN_KEY: a secret to make sure is an admin key (for automation). */
  adminKey: string | null;
  /** INKWELL_ADMIN_KEY_NAME: the name of that key, or of the first key of a fresh database. */
  adminKeyName: string;
  /** Events per account between snapshots (INKWELL_SNAPSHOT_EVERY, default 100). */
  snapshotEvery: number;
  /** Events per account between balance epochs (INKWELL_EPOCH_EVERY, default 64). */
  epochEvery: number;
  /** How far ahead an effectiveAt may be (INKWELL_MAX_FUTURE_SKEW_MS, default 300000). */
  maxFutureSkewMs: number;
  /** Group commit: commands per transaction (INKWELL_GROUP_COMMIT_MAX, default 1024) and idle wait (INKWELL_GROUP_COMMIT_WAIT_MS, default 0). */
  groupCommit: { maxBatch: number; maxWaitMs: number };
  /** How often subscriptions look for other processes' commits (INKWELL_FEED_POLL_MS, default 500). */
  feedPollMs: number;
  /** Each request's time budget (INKWELL_REQUEST_TIMEOUT_MS, default 10000). */
  requestTimeoutMs: number;
  /** How often the hold sweeper records expiries (INKWELL_HOLD_SWEEP_MS, default 1000; 0 turns it off). */
  holdSweepMs: number;
  /** Balance monitors, and webhooks, one API key may create (INKWELL_PER_KEY_LIMIT, default 100). */
  perKeyLimit: number;
  /** A durable consumer's ack window unless it sets its own (INKWELL_CONSUMER_ACK_MS, default 30000). */
  consumerAckMs: number;
  /** Webhook delivery (INKWELL_WEBHOOK_*; docs/operations.md, docs/security.md). */
  webhooks: WebhookSettings;
  /** The root of the conversion accounts exchanges post to (INKWELL_CONVERSION_ACCOUNT, default equity:conversion). */
  conversionAccount: string;
  /** INKWELL_METRICS_TOKEN: the Bearer token /metrics asks for; unset, /metrics answers loopback only. */
  metricsToken: string | null;
  /** INKWELL_ACCESS_LOG: the access log's level, or off (default info). */
  accessLog: AccessLogLevel;
  /** INKWELL_PERSISTED_ONLY: run only the listed operations (default false). */
  persistedOnly: boolean;
  /** INKWELL_PERSISTED_OPERATIONS: the list file codegen writes (persisted-documents.json). */
  persistedOperations: string | null;
  /** INKWELL_APQ_MAX_ENTRIES (default 1000; 0: APQ learns nothing) and INKWELL_APQ_MAX_BYTES (default 8 MiB). */
  apq: ApqLimits;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  const production = env.NODE_ENV === 'production';
  for (const [name, instead] of Object.entries(REPLACED)) {
    if (env[name] !== undefined && env[name] !== '') throw new Error(`${name} was replaced by ${instead}`);
  }
  const int = (name: string, fallback: number) => intFrom(env[name], fallback, name);
  const positiveInt = (name: string, fallback: number) => positive(int(name, fallback), name);
  return {
    port: int('PORT', 4000),
    host: env.HOST ?? '0.0.0.0',
    sqliteFile: env.INKWELL_DB ?? './data/inkwell.db',
    databaseUrl: env.DATABASE_URL || null,
    readDatabaseUrl: env.INKWELL_READ_DATABASE_URL || null,
    replicaWaitMs: int('INKWELL_REPLICA_WAIT_MS', DEFAULT_REPLICA_WAIT_MS),
    replicaConnectTimeoutMs: positiveInt('INKWELL_REPLICA_CONNECT_TIMEOUT_MS', DEFAULT_REPLICA_CONNECT_TIMEOUT_MS),
    replicaRetryMs: int('INKWELL_REPLICA_RETRY_MS', DEFAULT_REPLICA_RETRY_MS),
    graphiql: flag(env.INKWELL_GRAPHIQL, !production, 'INKWELL_GRAPHIQL'),
    introspection: flag(env.INKWELL_INTROSPECTION, !production, 'INKWELL_INTROSPECTION'),
    maxBodyBytes: int('INKWELL_MAX_BODY_BYTES', DEFAULT_MAX_BODY_BYTES),
    production,
    queryLimits: {
      maxDepth: positiveInt('INKWELL_MAX_DEPTH', DEFAULT_QUERY_LIMITS.maxDepth),
      maxTokens: positiveInt('INKWELL_MAX_TOKENS', DEFAULT_QUERY_LIMITS.maxTokens),
      maxAliases: int('INKWELL_MAX_ALIASES', DEFAULT_QUERY_LIMITS.maxAliases),
      maxDirectives: int('INKWELL_MAX_DIRECTIVES', DEFAULT_QUERY_LIMITS.maxDirectives),
      maxCost: positiveInt('INKWELL_MAX_COST', DEFAULT_QUERY_LIMITS.maxCost),
    },
    rateLimit: {
      perSecond: int('INKWELL_COST_BUDGET', DEFAULT_RATE_LIMIT.perSecond),
      burst: positiveInt('INKWELL_COST_BURST', DEFAULT_RATE_LIMIT.burst),
    },
    corsOrigins: (env.INKWELL_CORS_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    adminKey: env.INKWELL_ADMIN_KEY || null,
    adminKeyName: env.INKWELL_ADMIN_KEY_NAME || 'admin',
    snapshotEvery: positiveInt('INKWELL_SNAPSHOT_EVERY', DEFAULT_POLICY.snapshotEvery),
    epochEvery: positiveInt('INKWELL_EPOCH_EVERY', DEFAULT_POLICY.epochEvery),
    maxFutureSkewMs: int('INKWELL_MAX_FUTURE_SKEW_MS', DEFAULT_MAX_FUTURE_SKEW_MS),
    conversionAccount: env.INKWELL_CONVERSION_ACCOUNT || DEFAULT_CONVERSION_ACCOUNT,
    metricsToken: env.INKWELL_METRICS_TOKEN || null,
    accessLog: accessLogLevel(env.INKWELL_ACCESS_LOG),
    ...persistedSettings(env),
    groupCommit: {
      maxBatch: positiveInt('INKWELL_GROUP_COMMIT_MAX', DEFAULT_GROUP_COMMIT.maxBatch),
      maxWaitMs: int('INKWELL_GROUP_COMMIT_WAIT_MS', DEFAULT_GROUP_COMMIT.maxWaitMs),
    },
    feedPollMs: positiveInt('INKWELL_FEED_POLL_MS', DEFAULT_FEED_POLL_MS),
    requestTimeoutMs: positiveInt('INKWELL_REQUEST_TIMEOUT_MS', DEFAULT_REQUEST_TIMEOUT_MS),
    holdSweepMs: int('INKWELL_HOLD_SWEEP_MS', DEFAULT_HOLD_SWEEP_MS),
    perKeyLimit: positiveInt('INKWELL_PER_KEY_LIMIT', DEFAULT_PER_KEY_LIMIT),
    consumerAckMs: checkConsumerAck(int('INKWELL_CONSUMER_ACK_MS', DEFAULT_CONSUMER_ACK_MS)),
    webhooks: {
      timeoutMs: positiveInt('INKWELL_WEBHOOK_TIMEOUT_MS', DEFAULT_WEBHOOK_SETTINGS.timeoutMs),
      backoffBaseMs: positiveInt('INKWELL_WEBHOOK_BACKOFF_BASE_MS', DEFAULT_WEBHOOK_SETTINGS.backoffBaseMs),
      backoffCapMs: positiveInt('INKWELL_WEBHOOK_BACKOFF_CAP_MS', DEFAULT_WEBHOOK_SETTINGS.backoffCapMs),
      failingAfterMs: int('INKWELL_WEBHOOK_FAILING_AFTER_MS', DEFAULT_WEBHOOK_SETTINGS.failingAfterMs),
      allowPrivate: flag(
        env.INKWELL_WEBHOOK_ALLOW_PRIVATE,
        DEFAULT_WEBHOOK_SETTINGS.allowPrivate,
        'INKWELL_WEBHOOK_ALLOW_PRIVATE',
      ),
      secretGraceMs: int('INKWELL_WEBHOOK_SECRET_GRACE_MS', DEFAULT_WEBHOOK_SETTINGS.secretGraceMs),
    },
  };
}

function intFrom(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`${name} must be a whole number, not "${value}"`);
  return parsed;
}

function flag(value: string | undefined, fallback: boolean, name: string): boolean {
  if (value === undefined || value === '') return fallback;
  if (value !== 'true' && value !== 'false') throw new Error(`${name} must be "true" or "false", not "${value}"`);
  return value === 'true';
}

function accessLogLevel(value: string | undefined): AccessLogLevel {
  if (value === undefined || value === '') return 'info';
  if (!ACCESS_LOG_LEVELS.includes(value as AccessLogLevel))
    throw new Error(`INKWELL_ACCESS_LOG must be one of ${ACCESS_LOG_LEVELS.join(', ')}, not "${value}"`);
  return value as AccessLogLevel;
}

function persistedSettings(env: NodeJS.ProcessEnv): Pick<Config, 'persistedOnly' | 'persistedOperations' | 'apq'> {
  const persistedOnly = flag(env.INKWELL_PERSISTED_ONLY, false, 'INKWELL_PERSISTED_ONLY');
  const persistedOperations = env.INKWELL_PERSISTED_OPERATIONS || null;
  if (persistedOnly && !persistedOperations) throw new Error(LIST_REQUIRED);
  return {
    persistedOnly,
    persistedOperations,
    apq: {
      maxEntries: intFrom(env.INKWELL_APQ_MAX_ENTRIES, DEFAULT_APQ_LIMITS.maxEntries, 'INKWELL_APQ_MAX_ENTRIES'),
      maxBytes: intFrom(env.INKWELL_APQ_MAX_BYTES, DEFAULT_APQ_LIMITS.maxBytes, 'INKWELL_APQ_MAX_BYTES'),
    },
  };
}

function checkConsumerAck(value: number): number {
  if (value < MIN_CONSUMER_ACK_MS || value > MAX_CONSUMER_ACK_MS)
    throw new Error(`INKWELL_CONSUMER_ACK_MS must be from ${MIN_CONSUMER_ACK_MS} to ${MAX_CONSUMER_ACK_MS}`);
  return value;
}

function positive(value: number, name: string): number {
  if (value < 1) throw new Error(`${name} must be at least 1`);
  return value;
}
