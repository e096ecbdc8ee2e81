/** Runs the real `inkwell` command as a child process. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Database } from '../../src/store/db.js';
import { openPostgres } from '../../src/store/postgres.js';
import { openSqlite } from '../../src/store/sqlite.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { dropTestSchema, postgresUrl, TEST_DIALECT } from './server.js';

export const BIN = fileURLToPath(new URL('../../bin/inkwell.js', import.meta.url));

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  /** Everything written to stderr so far. */
  log(): string;
  /** Everything written to stdout so far. */
  out(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** The parent's environment without DATABASE_URL: a child uses PostgreSQL only when a test says so. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { DATABASE_URL: _ignored, ...rest } = process.env;
  return { ...rest, ...extra };
}

/** The admin key every child server is seeded with (INKWELL_ADMIN_KEY), unless a test sets its own. */
export const TEST_ADMIN_KEY = 'test-admin-key-0123456789abcdefghijklmnopqrstuvwxyz';

/** How to start the server: by default `node bin/inkwell.js serve` of this checkout. */
export interface Launch {
  command?: string;
  args?: string[];
  cwd?: string;
}

export async function serve(
  dbFile: string,
  env: Record<string, string> = {},
  launch: Launch = {},
): Promise<ServeProcess> {
  const child = spawn(launch.command ?? process.execPath, launch.args ?? [BIN, 'serve'], {
    cwd: launch.cwd,
    env: childEnv({
      INKWELL_DB: dbFile,
      PORT: '0',
      HOST: '127.0.0.1',
      INKWELL_ADMIN_KEY: TEST_ADMIN_KEY,
      INKWELL_COST_BUDGET: '0',
      ...env,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /serves (http:\/\/\S+\/graphql)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${stderr}`)));
  });
  return { child, url, log: () => stderr, out: () => stdout, exited };
}

export function run(
  args: string[],
  dbFile: string,
  env: Record<string, string> = {},
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    env: childEnv({ INKWELL_DB: dbFile, ...env }),
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export async function gqlAt(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  key: string = TEST_ADMIN_KEY,
): Promise<any> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}

async function migrated(database: Database): Promise<Database> {
  await migrateToLatest(database);
  return database;
}

export interface ProcessDb {
  /** INKWELL_DB for SQLite; the environment selects PostgreSQL when set. */
  file: string;
  env: Record<string, string>;
  /** An in-process connection to the same database (migrated), to seed it. */
  open(): Promise<Database>;
  dispose(): Promise<void>;
}

/** A fresh, empty database for child processes: a temp SQLite file, or a new PostgreSQL schema. */
export async function processDb(): Promise<ProcessDb> {
  if (TEST_DIALECT === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'inkwell-keys-'));
    const file = join(dir, 'inkwell.db');
    return {
      file,
      env: {},
      open: () => migrated(openSqlite(file)),
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const schema = `k_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl() });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = `${postgresUrl()}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return {
    file: 'unused.db',
    env: { DATABASE_URL: url },
    open: () => migrated(openPostgres(postgresUrl(), { schema })),
    dispose: () => dropTestSchema(schema),
  };
}
