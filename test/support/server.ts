/** Test harness: a real SQLite file in a temp folder, the real server on a real socket. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger, type LedgerOptions } from '../../src/ledger/ledger.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server.js';
import { createApiKey } from '../../src/auth/api-keys.js';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../../src/store/db.js';
import { openPostgres } from '../../src/store/postgres.js';
import { openSqlite } from '../../src/store/sqlite.js';
import { migrateToLatest } from '../../src/store/migrate.js';

export interface TempDatabase {
  database: Database;
  file: string;
  /** A second, independent connection to the same database (as after a restart). */
  reopen(): Database;
  /** Closes the database and removes it. */
  dispose(): Promise<void>;
}

/** Which database this test run uses: the vitest project sets INKWELL_TEST_DB (see vitest.config.ts). */
export const TEST_DIALECT: 'sqlite' | 'postgres' = process.env.INKWELL_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

/**
 * A fresh, migrated database: a SQLite file in a temp folder, or a new schema on the PostgreSQL
 * server (`poolSize`: its connections, or SQLite's reader threads; one makes the order of every
 * query the order it was asked).
 */
export async function tempDatabase(options: { poolSize?: number } = {}): Promise<TempDatabase> {
  return TEST_DIALECT === 'postgres' ? tempPostgres(options.poolSize) : tempSqlite(options.poolSize);
}

export function postgresUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('the PostgreSQL tests need DATABASE_URL (scripts/pg-cluster.sh start DIR prints one)');
  return url;
}

/**
 * A database of its own on the PostgreSQL server (not a schema: the write lock is per database,
 * and some suites hold it or run processes that migrate it): its URL, and a way to drop it.
 */
export async function throwawayPostgresDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const url = new URL(postgresUrl());
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      await admin.end();
    },
  };
}

/**
 * Drops a test schema and the schemas of the ledgers created beside it. Test files run two at a
 * time, and PostgreSQL may pick this DROP as the victim of a deadlock with another file's DDL or
 * with a child process still ending: it is then tried again.
 */
export async function dropTestSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl() });
  await client.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await dropLedgerSchemas(client, schema);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== '40P01' || attempt === 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  } finally {
    await client.end();
  }
}

/** Drops the schemas of the ledgers created beside `schema` (src/store/postgres.ts ledgerSchema). */
async function dropLedgerSchemas(client: pg.Client, schema: string): Promise<void> {
  const { rows } = await client.query<{ name: string }>(
    'SELECT nspname AS name FROM pg_namespace WHERE starts_with(nspname, $1)',
    [`${schema}_ledger_`],
  );
  for (const { name } of rows) await client.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
}

async function tempPostgres(poolSize?: number): Promise<TempDatabase> {
  const url = postgresUrl();
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  // A write lock of its own, as a ledger has (postgres.ts lockSpace): test files run two at a
  // time, and would otherwise queue behind each other's writes on the database's one default lock.
  const open = () => openPostgres(url, { schema, poolSize, lockSpace: schema });
  const database = open();
  await migrateToLatest(database);
  return {
    database,
    file: `${url}#${schema}`,
    reopen: open,
    dispose: async () => {
      await database.close();
      await dropTestSchema(schema);
    },
  };
}

async function tempSqlite(readers?: number): Promise<TempDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'inkwell-test-'));
  const file = join(dir, 'inkwell.db');
  const database = openSqlite(file, { readers });
  await migrateToLatest(database);
  return {
    database,
    file,
    reopen: () => openSqlite(file, { readers }),
    dispose: async () => {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  body: {
    data?: T;
    errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
    extensions?: Record<string, any>;
  };
}

export interface TestServer {
  url: string;
  ledger: Ledger;
  database: Database;
  file: string;
  /** The secret of the admin key every test server starts with (named "test-admin"). */
  adminKey: string;
  /** Creates a key with this role and returns its secret. */
  createKey(role: string, options?: { name?: string; expiresAt?: string; ledgers?: string[] }): Promise<string>;
  /** POSTs a GraphQL request as application/json with the admin key, and parses the answer. */
  gql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<T>>;
  /** The same with another key, or none (null). */
  gqlAs<T = any>(
    key: string | null,
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<T>>;
  /** Sends raw bytes, for transport-level tests (with the admin key unless `authorization` is set). */
  raw(init: RawInit): Promise<Response>;
  /** A second, independent connection to the same database (as another process would have). */
  reopen(): Database;
  close(): Promise<void>;
}

export type RawInit = Omit<RequestInit, 'headers'> & { path?: string; headers?: Record<string, string> };

let keySequence = 0;

/**
 * The real server on a fresh database, with one admin key. The rate limit is off unless
 * `serverOptions` sets one: suites send hundreds of requests as fast as they can.
 */
export async function startTestServer(
  options: LedgerOptions = {},
  logger: Logger = silentLogger,
  serverOptions: Partial<ServerOptions & { host: string }> = {},
): Promise<TestServer> {
  const temp = await tempDatabase();
  const ledger = new Ledger(temp.database, options);
  const now = () => new Date().toISOString();
  const { secret: adminKey } = await createApiKey(temp.database, {
    name: 'test-admin',
    role: 'admin',
    createdBy: 'test',
    now: now(),
  });
  const running: RunningServer = await startServer({
    ledger,
    port: 0,
    host: '127.0.0.1',
    logger,
    rateLimit: { perSecond: 0, burst: 1 },
    ...serverOptions,
  });
  const base = running.url.replace(/\/graphql$/, '');
  const gqlAs: TestServer['gqlAs'] = async (key, query, variables, headers = {}) => {
    const response = await fetch(running.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(key === null ? {} : { authorization: `Bearer ${key}` }),
        ...headers,
      },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, headers: response.headers, body: await response.json() };
  };
  return {
    url: running.url,
    ledger,
    database: temp.database,
    file: temp.file,
    adminKey,
    async createKey(role, { name = `${role}-${++keySequence}`, expiresAt, ledgers } = {}) {
      return (await createApiKey(temp.database, { name, role, expiresAt, ledgers, createdBy: 'test', now: now() }))
        .secret;
    },
    gql: (query, variables, headers) => gqlAs(adminKey, query, variables, headers),
    gqlAs,
    reopen: () => temp.reopen(),
    raw({ path = '/graphql', headers = {}, ...init }) {
      const auth: Record<string, string> = Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')
        ? {}
        : { authorization: `Bearer ${adminKey}` };
      return fetch(base + path, { ...init, headers: { ...auth, ...headers } });
    },
    async close() {
      await running.close();
      await temp.dispose();
    },
  };
}
