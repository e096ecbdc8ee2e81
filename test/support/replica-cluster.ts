/**
 * A primary and a synchronous streaming standby on loopback (scripts/pg-replica.sh), for the
 * replica and failover suites. The script runs asynchronously: an Inkwell server in this process
 * keeps serving while a node is killed, promoted or rebuilt.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';
import { createApiKey } from '../../src/auth/api-keys.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { type Logger, silentLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server.js';
import type { Database } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';

const SCRIPT = join(process.cwd(), 'scripts/pg-replica.sh');
const run = promisify(execFile);

export type Node = 'node1' | 'node2';

export interface ReplicaCluster {
  /** Both hosts, node1 first: what Inkwell is given as DATABASE_URL. */
  url: string;
  /** Each node's own URL. */
  urls: Record<Node, string>;
  kill(node: Node): Promise<void>;
  /** Starts a killed node again on its own data (a standby then streams from its primary again). */
  restart(node: Node): Promise<void>;
  promote(node: Node): Promise<void>;
  /** The node becomes a new synchronous standby of the other. */
  rebuild(node: Node): Promise<void>;
  /** The node that accepts writes. */
  primary(): Promise<Node>;
  stop(): Promise<void>;
}

export const otherNode = (node: Node): Node => (node === 'node1' ? 'node2' : 'node1');

export async function startReplicaCluster(): Promise<ReplicaCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'inkwell-replica-'));
  chmodSync(dir, 0o755); // the nodes run as the postgres user when we are root
  const cluster = join(dir, 'cluster');
  const script = async (...args: string[]) =>
    (await run('bash', [SCRIPT, ...args], { encoding: 'utf8', timeout: 180_000 })).stdout.trim();
  const printed = Object.fromEntries(
    (await script('start', cluster)).split(' ').map((pair) => pair.split('=', 2) as [string, string]),
  );
  return {
    url: printed.URL!,
    urls: { node1: printed.PRIMARY!, node2: printed.STANDBY! },
    kill: async (node) => void (await script('kill', cluster, node)),
    restart: async (node) => void (await script('restart', cluster, node)),
    promote: async (node) => void (await script('promote', cluster, node)),
    rebuild: async (node) => void (await script('rebuild', cluster, node)),
    primary: async () => (await script('primary', cluster)) as Node,
    stop: async () => {
      await script('stop', cluster);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits for a condition, checking every 20 ms, up to `ms`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`waited ${ms} ms for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * The real Inkwell server on a socket over `database` (migrated here), with assets:cash and
 * equity:owner open and an admin key: its secret.
 */
export async function serveCashLedger(
  database: Database,
  options: { replicaWaitMs?: number; logger?: Logger } = {},
): Promise<{ server: RunningServer; key: string }> {
  const ctx = { actor: 'test', requestId: 'setup' };
  await migrateToLatest(database);
  const ledger = new Ledger(database);
  await ledger.openAccount({ code: 'assets:cash', name: 'Cash', type: 'ASSET', currency: 'USD' }, ctx);
  await ledger.openAccount({ code: 'equity:owner', name: 'Owner', type: 'EQUITY', currency: 'USD' }, ctx);
  const now = new Date().toISOString();
  const { secret } = await createApiKey(database, { name: 'test-admin', role: 'admin', createdBy: 'test', now });
  const server = await startServer({
    ledger,
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger,
    rateLimit: { perSecond: 0, burst: 1 },
    ...options,
  });
  return { server, key: secret };
}

/** A GraphQL answer as the replica suites read it. */
export interface Reply {
  data?: Record<string, any>;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  extensions?: Record<string, any>;
}

/** POSTs `query` to the server at `url` with the API key `key` (and any headers). */
export async function postQuery(
  url: string,
  key: string,
  query: string,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as Reply;
}

/** Posts a 1.00 transfer from equity:owner to assets:cash: its id, the position it committed at, and the answer. */
export async function transferCash(
  url: string,
  key: string,
  idempotencyKey: string,
): Promise<{ id: string; position: number; reply: Reply }> {
  const reply = await postQuery(
    url,
    key,
    `mutation { transfer(input: { idempotencyKey: "${idempotencyKey}", debitAccount: "assets:cash", creditAccount: "equity:owner", amount: "1.00" }) { __typename ... on Transaction { id ledgerPosition } } }`,
  );
  if (reply.data?.transfer?.__typename !== 'Transaction')
    throw new Error(`transfer ${idempotencyKey} was not posted: ${JSON.stringify(reply)}`);
  return { id: reply.data.transfer.id, position: reply.extensions!.ledgerPosition, reply };
}

/** Pauses or resumes the standby's replay (a client of it), and waits until it took effect: a lag made certain. */
export async function replayPaused(standby: pg.Client, paused: boolean): Promise<void> {
  await standby.query(paused ? 'select pg_wal_replay_pause()' : 'select pg_wal_replay_resume()');
  await until(`replay ${paused ? 'paused' : 'resumed'}`, async () => {
    const { rows } = await standby.query<{ state: string }>('select pg_get_wal_replay_pause_state() as state');
    return rows[0]!.state === (paused ? 'paused' : 'not paused');
  });
}
