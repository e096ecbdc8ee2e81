/** Settings from the environment, with the defaults docs/operations.md and docs/security.md list. */
import { DEFAULT_FEED_POLL_MS } from './ledger/feed.js';
import { DEFAULT_GROUP_COMMIT } from './ledger/group-commit.js';
import { DEFAULT_MAX_FUTURE_SKEW_MS } from './ledger/ledger.js';
import { DEFAULT_POLICY } from './projections/project.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from './store/deadline.js';

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
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  const production = env.NODE_ENV === 'production';
  for (const [name, instead] of Object.entries(REPLACED)) {
    if (env[name] !== undefined && env[name] !== '') throw new Error(`${name} was replaced by ${instead}`);
  }
  return {
    port: intFrom(env.PORT, 4000, 'PORT'),
    host: env.HOST ?? '0.0.0.0',
    sqliteFile: env.INKWELL_DB ?? './data/inkwell.db',
    databaseUrl: env.DATABASE_URL || null,
    graphiql: flag(env.INKWELL_GRAPHIQL, !production, 'INKWELL_GRAPHIQL'),
    introspection: flag(env.INKWELL_INTROSPECTION, !production, 'INKWELL_INTROSPECTION'),
    maxBodyBytes: intFrom(env.INKWELL_MAX_BODY_BYTES, DEFAULT_MAX_BODY_BYTES, 'INKWELL_MAX_BODY_BYTES'),
    production,
    queryLimits: {
      maxDepth: positive(
        intFrom(env.INKWELL_MAX_DEPTH, DEFAULT_QUERY_LIMITS.maxDepth, 'INKWELL_MAX_DEPTH'),
        'INKWELL_MAX_DEPTH',
      ),
      maxTokens: positive(
        intFrom(env.INKWELL_MAX_TOKENS, DEFAULT_QUERY_LIMITS.maxTokens, 'INKWELL_MAX_TOKENS'),
        'INKWELL_MAX_TOKENS',
      ),
      maxAliases: intFrom(env.INKWELL_MAX_ALIASES, DEFAULT_QUERY_LIMITS.maxAliases, 'INKWELL_MAX_ALIASES'),
      maxDirectives: intFrom(env.INKWELL_MAX_DIRECTIVES, DEFAULT_QUERY_LIMITS.maxDirectives, 'INKWELL_MAX_DIRECTIVES'),
      maxCost: positive(
        intFrom(env.INKWELL_MAX_COST, DEFAULT_QUERY_LIMITS.maxCost, 'INKWELL_MAX_COST'),
        'INKWELL_MAX_COST',
      ),
    },
    rateLimit: {
      perSecond: intFrom(env.INKWELL_COST_BUDGET, DEFAULT_RATE_LIMIT.perSecond, 'INKWELL_COST_BUDGET'),
      burst: positive(
        intFrom(env.INKWELL_COST_BURST, DEFAULT_RATE_LIMIT.burst, 'INKWELL_COST_BURST'),
        'INKWELL_COST_BURST',
      ),
    },
    corsOrigins: (env.INKWELL_CORS_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    adminKey: env.INKWELL_ADMIN_KEY || null,
    adminKeyName: env.INKWELL_ADMIN_KEY_NAME || 'admin',
    snapshotEvery: positive(
      intFrom(env.INKWELL_SNAPSHOT_EVERY, DEFAULT_POLICY.snapshotEvery, 'INKWELL_SNAPSHOT_EVERY'),
      'INKWELL_SNAPSHOT_EVERY',
    ),
    epochEvery: positive(
      intFrom(env.INKWELL_EPOCH_EVERY, DEFAULT_POLICY.epochEvery, 'INKWELL_EPOCH_EVERY'),
      'INKWELL_EPOCH_EVERY',
    ),
    maxFutureSkewMs: intFrom(env.INKWELL_MAX_FUTURE_SKEW_MS, DEFAULT_MAX_FUTURE_SKEW_MS, 'INKWELL_MAX_FUTURE_SKEW_MS'),
    groupCommit: {
      maxBatch: positive(
        intFrom(env.INKWELL_GROUP_COMMIT_MAX, DEFAULT_GROUP_COMMIT.maxBatch, 'INKWELL_GROUP_COMMIT_MAX'),
        'INKWELL_GROUP_COMMIT_MAX',
      ),
      maxWaitMs: intFrom(
        env.INKWELL_GROUP_COMMIT_WAIT_MS,
        DEFAULT_GROUP_COMMIT.maxWaitMs,
        'INKWELL_GROUP_COMMIT_WAIT_MS',
      ),
    },
    feedPollMs: positive(
      intFrom(env.INKWELL_FEED_POLL_MS, DEFAULT_FEED_POLL_MS, 'INKWELL_FEED_POLL_MS'),
      'INKWELL_FEED_POLL_MS',
    ),
    requestTimeoutMs: positive(
      intFrom(env.INKWELL_REQUEST_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS, 'INKWELL_REQUEST_TIMEOUT_MS'),
      'INKWELL_REQUEST_TIMEOUT_MS',
    ),
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

function positive(value: number, name: string): number {
  if (value < 1) throw new Error(`${name} must be at least 1`);
  return value;
}
