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
  };
}

function intFrom(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`${name} must be a whole number, not "${value}"`);
  return parsed;
}
