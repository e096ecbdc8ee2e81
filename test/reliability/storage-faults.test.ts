/**
 * Storage faults on the SQLite file, with the real server on a real socket: full, locked by
 * another process, read-only, removed while running. Each gives the client a clear
 * SERVICE_UNAVAILABLE error naming the fault and the log an entry under the same request id;
 * nothing is written (same event count and head hash); once the fault is gone the same request
 * posts, the hash chain verifies and the read models equal a rebuild.
 */
import { spawn } from 'node:child_process';
import { existsSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log.js';
import { rebuildReadModels } from '../../src/projections/rebuild.js';
import { verifyIntegrity } from '../../src/reports/integrity.js';
import { expectRefusal, type Logged } from '../support/fault-server.js';
import { logState } from '../support/log-state.js';
import { startTestServer, type TestServer } from '../support/server.js';

const logged: Logged = [];
const logger: Logger = { log: (_level, message, fields) => logged.push({ message, fields }) };
let server: TestServer;
const ctx = { actor: 'test', requestId: 'faults' };
const BATCH = 'mutation($input: PostTransactionsInput!) { postTransactions(input: $input) { posted } }';

/** 300 transfers in one request: enough new rows that a full database cannot take them. */
const batch = (tag: string) => ({
  input: {
    transactions: Array.from({ length: 300 }, (_, i) => ({
      idempotencyKey: `${tag}-${i}`,
      description: 'x'.repeat(200),
      entries: [
        { account: 'assets:cash', direction: 'DEBIT', amount: '1.00' },
        { account: 'equity:owner', direction: 'CREDIT', amount: '1.00' },
      ],
    })),
  },
});

beforeAll(async () => {
  server = await startTestServer({}, logger);
  await server.ledger.openAccount({ code: 'assets:cash', name: 'Cash', type: 'ASSET', currency: 'USD' }, ctx);
  await server.ledger.openAccount({ code: 'equity:owner', name: 'Owner', type: 'EQUITY', currency: 'USD' }, ctx);
  await server.ledger.transfer(
    { idempotencyKey: 'seed', debitAccount: 'assets:cash', creditAccount: 'equity:owner', amount: '5.00' },
    ctx,
  );
});
afterAll(() => server.close());

/** Causes a fault, sends a batch, checks the refusal, removes the fault, sends it again. */
async function survives(
  fault: string,
  cause: () => Promise<void> | void,
  recover: () => Promise<void> | void,
): Promise<void> {
  const before = await logState(server.database.db);
  await cause();
  const requestId = `fault-${fault}`;
  const refused = await server.gql(BATCH, batch(fault), { 'x-request-id': requestId });
  expectRefusal(logged, { status: refused.status, errors: refused.body.errors }, fault, requestId);
  await recover();
  expect(await logState(server.database.db)).toEqual(before);
  // Recovered: the very same request now posts, and nothing is broken.
  const accepted = await server.gql(BATCH, batch(fault));
  expect(accepted.body.data?.postTransactions.posted, JSON.stringify(accepted.body)).toBe(300);
  expect((await verifyIntegrity(server.database.db)).ok).toBe(true);
  expect((await rebuildReadModels(server.database, { apply: false })).differences).toEqual([]);
}

describe('storage faults', () => {
  it('a full database', async () => {
    const pragma = server.database.pragma!;
    await survives(
      'STORAGE_FULL',
      async () => void (await pragma(`max_page_count = ${await pragma('page_count', true)}`)),
      async () => void (await pragma('max_page_count = 1073741823')),
    );
  });

  it('a database that cannot be written (read-only)', async () => {
    const pragma = server.database.pragma!;
    await survives(
      'STORAGE_READ_ONLY',
      async () => void (await pragma('query_only = ON')),
      async () => void (await pragma('query_only = OFF')),
    );
  });

  it('a database locked by another process', async () => {
    const pragma = server.database.pragma!;
    await pragma('busy_timeout = 300');
    let holder!: ReturnType<typeof spawn>;
    let released!: Promise<void>;
    const script = `const D = require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))}); const d = new D(${JSON.stringify(server.file)});
      d.exec('BEGIN EXCLUSIVE'); console.log('locked'); process.stdin.once('data', () => { d.exec('COMMIT'); d.close(); process.exit(0); });`;
    try {
      await survives(
        'STORAGE_LOCKED',
        async () => {
          holder = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
          released = new Promise((resolve) => holder.on('exit', () => resolve()));
          await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
        },
        async () => {
          holder.stdin!.write('go\n');
          await released;
        },
      );
    } finally {
      await pragma('busy_timeout = 5000');
    }
  });

  it('a database file removed while running (and put back)', async () => {
    const files = [server.file, `${server.file}-wal`, `${server.file}-shm`].filter((f) => existsSync(f));
    await survives(
      'STORAGE_MISSING',
      () => {
        for (const f of files) renameSync(f, `${f}.away`);
      },
      () => {
        for (const f of files) renameSync(`${f}.away`, f);
      },
    );
  });
});
