/**
 * (g) Fairness: while one heavy request after another runs — the most expensive read the cost
 * limit allows, a batch at its largest legs limit, a report exported through GraphQL — a
 * `{ __typename }` probe every 20 ms must see p99 ≤ 20 ms and max ≤ 50 ms. Probe and heavy load
 * run in processes of their own (fairness-client.ts); the server runs here as in production,
 * with its subscribers following the log.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApiKey } from '../src/auth/api-keys.js';
import type { Ledger } from '../src/ledger/ledger.js';
import { MAX_BATCH, MAX_BATCH_LEGS } from '../src/domain/limits.js';
import { silentLogger } from '../src/log.js';
import { startServer } from '../src/server.js';
import { transferPair } from './workload.js';

type Report = (name: string, value: number, unit: string, extra?: Record<string, unknown>) => void;

const CLIENT = fileURLToPath(new URL('./fairness-client.ts', import.meta.url));

function client(env: Record<string, string>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLIENT],
      { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>);
      },
    );
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/** The heaviest read the cost limit lets a reader send: accounts → entries → transaction → legs → account. */
export const HEAVY_READ = `query Heavy($accounts: Int!, $entries: Int!) {
  accounts(first: $accounts) { edges { node { code balance { posted { amount } }
    entries(first: $entries) { edges { node { amount { amount } transaction { id description entries { direction amount { amount } account { code name } } } } } }
  } } }
}`;

/**
 * A postTransactions at the legs limit: `legsEach` legs per transaction, as many transactions as
 * the limit allows (1,000 × 4: the most items, whose input GraphQL coerces; or 40 × 100: the
 * widest postings, each writing an event of 100 legs to each of 100 accounts).
 */
function maxBatch(accounts: number, legsEach: number): unknown {
  const transactions = Array.from({ length: Math.min(MAX_BATCH, MAX_BATCH_LEGS / legsEach) }, (_, t) => ({
    // The client makes each request's keys its own (SERIAL): a resent batch would only replay.
    idempotencyKey: `fair-SERIAL-${legsEach}-${t}`,
    entries: Array.from({ length: legsEach }, (_, l) => {
      const { debitAccount, creditAccount } = transferPair(t * legsEach + l, accounts);
      return {
        account: l % 2 === 0 ? debitAccount : creditAccount,
        direction: l % 2 === 0 ? 'DEBIT' : 'CREDIT',
        amount: '1.00',
      };
    }),
  }));
  return {
    query: 'mutation($input: PostTransactionsInput!) { postTransactions(input: $input) { posted } }',
    variables: { input: { transactions } },
  };
}

/** Waits until every active subscriber has applied the whole log. */
async function subscribersCaughtUp(ledger: Ledger): Promise<void> {
  const head = (await ledger.store.head())?.position ?? 0;
  for (;;) {
    const behind = await ledger.database.db
      .selectFrom('subscribers')
      .select('name')
      .where('active', '=', 1)
      .where('position', '<', head)
      .execute();
    if (behind.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function measureFairness(
  label: string,
  ledger: Ledger,
  accounts: number,
  seconds: number,
  heavyRead: Record<string, number>,
  report: Report,
): Promise<void> {
  const now = new Date().toISOString();
  const { secret } = await createApiKey(ledger.database, {
    name: `bench-fair-${label}-${Date.now()}`,
    role: 'admin',
    createdBy: 'bench',
    now,
  });
  const server = await startServer({
    ledger,
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger,
    rateLimit: { perSecond: 0, burst: 1 },
  });
  const dir = mkdtempSync(join(tmpdir(), 'inkwell-fair-'));
  const cases: Record<string, unknown> = {
    heavy_read: { query: HEAVY_READ, variables: heavyRead },
    max_batch: maxBatch(accounts, MAX_BATCH_LEGS / MAX_BATCH),
    max_batch_wide: maxBatch(accounts, 100),
    export_report: { query: '{ exportReport(input: { report: TRIAL_BALANCE, format: CSV }) { rows } }' },
  };
  try {
    for (const [name, body] of Object.entries(cases)) {
      // Each case alone: the subscribers first digest what the cases before it posted.
      await subscribersCaughtUp(ledger);
      const file = join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify(body));
      const common = { FAIRNESS_URL: server.url, FAIRNESS_KEY: secret, FAIRNESS_SECONDS: String(seconds) };
      const [probe, heavy] = await Promise.all([
        client({ ...common, FAIRNESS_MODE: 'probe' }),
        client({ ...common, FAIRNESS_MODE: 'heavy', FAIRNESS_BODY: file }),
      ]);
      const sorted = (probe.latencies as number[]).sort((a, b) => a - b);
      report(`fairness.${name}.probe_p99.${label}`, percentile(sorted, 99), 'ms', {
        probes: sorted.length,
        p50: percentile(sorted, 50),
        max: sorted.at(-1),
        heavy,
        target: 'p99 <= 20, max <= 50',
      });
      report(`fairness.${name}.probe_max.${label}`, sorted.at(-1)!, 'ms');
    }
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
