/** Settings from the environment, with the defaults docs/operations.md lists. */
export interface Config {
  port: number;
  host: string;
  /** SQLite file (INKWELL_DB, default ./data/inkwell.db). */
  sqliteFile: string;
  databaseUrl: string | null;
  graphiql: boolean;
  maxBodyBytes: number;
  production: boolean;
  /** Events per account between snapshots (INKWELL_SNAPSHOT_EVERY, default 100). */
  snapshotEvery: number;
  /** Events per account between balance epochs (INKWELL_EPOCH_EVERY, default 64). */
  epochEvery: number;
  /** How far ahead an effectiveAt may be (INKWELL_MAX_FUTURE_SKEW_MS, default 300000). */
  maxFutureSkewMs: number;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  const production = env.NODE_ENV === 'production';
  return {
    port: intFrom(env.PORT, 4000, 'PORT'),
    host: env.HOST ?? '0.0.0.0',
    sqliteFile: env.INKWELL_DB ?? './data/inkwell.db',
    databaseUrl: env.DATABASE_URL || null,
    graphiql: env.INKWELL_GRAPHIQL ? env.INKWELL_GRAPHIQL === 'true' : !production,
    maxBodyBytes: intFrom(env.INKWELL_MAX_BODY_BYTES, 1024 * 1024, 'INKWELL_MAX_BODY_BYTES'),
    production,
    snapshotEvery: positive(intFrom(env.INKWELL_SNAPSHOT_EVERY, 100, 'INKWELL_SNAPSHOT_EVERY'), 'INKWELL_SNAPSHOT_EVERY'),
    epochEvery: positive(intFrom(env.INKWELL_EPOCH_EVERY, 64, 'INKWELL_EPOCH_EVERY'), 'INKWELL_EPOCH_EVERY'),
    maxFutureSkewMs: intFrom(env.INKWELL_MAX_FUTURE_SKEW_MS, 5 * 60_000, 'INKWELL_MAX_FUTURE_SKEW_MS'),
  };
}

function intFrom(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`${name} must be a whole number, not "${value}"`);
  return parsed;
}

function positive(value: number, name: string): number {
  if (value < 1) throw new Error(`${name} must be at least 1`);
  return value;
}
