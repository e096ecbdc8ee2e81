/** Test harness: a real SQLite file in a temp folder, the real server on a real socket. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger, type LedgerOptions } from '../../src/ledger/ledger.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { openSqlite, type Database } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';

export interface TempDatabase {
  database: Database;
  file: string;
  /** Closes the database and removes its folder. */
  dispose(): Promise<void>;
}

export async function tempDatabase(): Promise<TempDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'inkwell-test-'));
  const file = join(dir, 'inkwell.db');
  const database = openSqlite(file);
  await migrateToLatest(database);
  return {
    database,
    file,
    dispose: async () => {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  body: { data?: T; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}

export interface TestServer {
  url: string;
  ledger: Ledger;
  database: Database;
  file: string;
  /** POSTs a GraphQL request as application/json and parses the answer. */
  gql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** Sends raw bytes, for transport-level tests. */
  raw(init: RequestInit & { path?: string }): Promise<Response>;
  close(): Promise<void>;
}

export async function startTestServer(options: LedgerOptions = {}, logger: Logger = silentLogger): Promise<TestServer> {
  const temp = await tempDatabase();
  const ledger = new Ledger(temp.database, options);
  const running: RunningServer = await startServer({ ledger, port: 0, host: '127.0.0.1', logger });
  const base = running.url.replace(/\/graphql$/, '');
  return {
    url: running.url,
    ledger,
    database: temp.database,
    file: temp.file,
    async gql(query, variables, headers = {}) {
      const response = await fetch(running.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, headers: response.headers, body: await response.json() };
    },
    raw({ path = '/graphql', ...init }) {
      return fetch(base + path, init);
    },
    async close() {
      await running.close();
      await temp.dispose();
    },
  };
}
