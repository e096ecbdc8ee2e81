/**
 * The real `inkwell` process: restart keeps idempotency, SIGTERM lets in-flight commits
 * finish, and the migrate and rebuild commands behave as documented.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Amount } from '../../src/domain/money.js';
import { mutationDocument, processApi } from '../support/api.js';
import { BIN, gqlAt, run, serve } from '../support/process.js';

const dir = mkdtempSync(join(tmpdir(), 'inkwell-process-'));
const db = join(dir, 'nested', 'inkwell.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TRANSFER = mutationDocument('transfer', '__typename ... on Transaction { id } ... on Error { code }');

describe('the inkwell process', () => {
  it('migrates a new file (creating its folder), then reports it up to date', () => {
    const first = run(['migrate'], db);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/applied: 0001_initial/);
    const second = run(['migrate'], db);
    expect(second.stdout).toMatch(/up to date/);
  });

  it('finishes in-flight commits on SIGTERM and keeps idempotency across a restart', async () => {
    const server = await serve(db);
    const api = processApi(server.url);
    expect((await api.openAccount({ code: 'assets:cash', type: 'ASSET', currency: 'EUR' })).__typename).toBe('Account');
    expect((await api.openAccount({ code: 'revenue:sales', type: 'REVENUE', currency: 'EUR' })).__typename).toBe(
      'Account',
    );

    const inputs = Array.from({ length: 40 }, (_, i) => ({
      idempotencyKey: `sale-${i}`,
      debitAccount: 'assets:cash',
      creditAccount: 'revenue:sales',
      amount: '1.25',
    }));
    const requests = inputs.map((input) =>
      gqlAt(server.url, TRANSFER, { input }).then(
        (body) => body.data.transfer,
        () => null,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 15));
    server.child.kill('SIGTERM');
    const answers = await Promise.all(requests);
    expect(await server.exited).toBe(0);
    expect(server.log()).toMatch(/SIGTERM: finishing in-flight requests/);
    const acknowledged = answers.map((answer, i) => ({ answer, input: inputs[i]! })).filter((a) => a.answer !== null);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const { answer } of acknowledged) expect(answer.__typename).toBe('Transaction');

    const again = await serve(db);
    try {
      // Every acknowledged transfer is there exactly once; a retry returns the first result.
      for (const { answer, input } of acknowledged) {
        const retry = (await gqlAt(again.url, TRANSFER, { input })).data.transfer;
        expect(retry).toEqual(answer);
      }
      const balance = await gqlAt(
        again.url,
        `{ account(code: "assets:cash") { version balance { posted { amount } } } }`,
      );
      const all = inputs.length;
      // Unacknowledged ones were either committed before the stop or are posted by the retries above; none twice.
      for (const input of inputs) await gqlAt(again.url, TRANSFER, { input });
      const after = await gqlAt(
        again.url,
        `{ account(code: "assets:cash") { version balance { posted { amount } } } }`,
      );
      expect(after.data.account.balance.posted.amount).toBe('50.00'); // 40 × 1.25
      expect(after.data.account.version).toBe(1 + all);
      expect(balance.data.account.version).toBeGreaterThanOrEqual(1 + acknowledged.length);
    } finally {
      again.child.kill('SIGTERM');
      expect(await again.exited).toBe(0);
    }
  });

  it('rebuild --check finds a tampered read model, rebuild repairs it', () => {
    expect(run(['rebuild', '--check'], db)).toMatchObject({ status: 0 });
    const raw = new SQLite(db);
    raw.prepare(`UPDATE accounts SET balance = '999.99' WHERE code = 'assets:cash'`).run();
    raw.prepare(`DELETE FROM entries WHERE position = (SELECT MAX(position) FROM entries)`).run();
    raw.close();
    const check = run(['rebuild', '--check'], db);
    expect(check.status).toBe(1);
    expect(check.stdout).toMatch(/accounts\[assets:cash\]\.balance: stored "999\.99", rebuilt "50\.00"/);
    expect(check.stdout).toMatch(/entries\[\d+\/\d\]: missing from the read model/);
    const repair = run(['rebuild'], db);
    expect(repair.status).toBe(0);
    expect(repair.stdout).toMatch(/read models replaced/);
    expect(run(['rebuild', '--check'], db).stdout).toMatch(/, 0 differences/);
  });

  it('rebuilds snapshots from the log', () => {
    // 2 opens + 40 transfers: each account has 41 events, so every 5 events gives 8 snapshots each.
    const result = run(['snapshots', 'rebuild'], db, { INKWELL_SNAPSHOT_EVERY: '5' });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^82 events replayed, 16 snapshots taken \(every 5 events\)/);
    expect(run(['rebuild', '--check'], db).status).toBe(0);
  });

  it('rebuilds the daily balance history blue-green, and refuses what cannot be rebuilt', () => {
    // The server that ran above kept the history at generation 1; the rebuild makes generation 2 live.
    const result = run(['subscribers', 'rebuild', 'daily-balances'], db);
    expect(result).toMatchObject({ status: 0, stdout: 'daily-balances: generation 2 is live\n' });
    const raw = new SQLite(db, { readonly: true });
    try {
      expect(raw.prepare(`SELECT generation, active FROM subscribers WHERE name = 'daily-balances'`).all()).toEqual([
        { generation: 2, active: 1 },
      ]);
      const days = raw
        .prepare(`SELECT debits FROM daily_balances WHERE generation = 2 AND account_code = 'assets:cash'`)
        .all() as Array<{ debits: string }>;
      expect(days.reduce((sum, d) => sum.plus(d.debits), new Amount(0)).toFixed(2)).toBe('50.00'); // 40 × 1.25
    } finally {
      raw.close();
    }
    const refused = run(['subscribers', 'rebuild', 'balance-monitors'], db);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/cannot be rebuilt/);
  });

  it('verifies the hash chain, and names the first position of a row edited behind its back', () => {
    const intact = run(['verify'], db);
    expect(intact.status).toBe(0);
    expect(intact.stdout).toMatch(/hash chain intact: 82 events, head [0-9a-f]{64}\nevery event decodes/);
    const raw = new SQLite(db);
    raw.exec('DROP TRIGGER events_no_update');
    raw.prepare(`UPDATE events SET data = replace(data, '"1.25"', '"9.25"') WHERE position = 17`).run();
    raw.close();
    const broken = run(['verify'], db);
    expect(broken.status).toBe(1);
    expect(broken.stdout).toMatch(
      /BROKEN at position 17: expected hash [0-9a-f]{64}, stored [0-9a-f]{64} \(16 events before it are intact\)/,
    );
  });

  it('refuses to check a database that does not exist, instead of creating an empty one', () => {
    const missing = join(dir, 'inkwell-2026-11-62.db');
    for (const args of [['verify'], ['events', 'verify'], ['rebuild', '--check']]) {
      const result = run(args, missing);
      expect(result.status, args.join(' ')).toBe(1);
      expect(result.stderr).toMatch(/no database file at .*inkwell-2026-11-62\.db/);
    }
    expect(existsSync(missing)).toBe(false);
  });

  it('prints usage for an unknown command', () => {
    const result = run(['frobnicate'], db);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/usage: inkwell/);
  });

  it('writes its whole output into a pipe before it exits (the schema is over 64 KiB)', () => {
    // A reader that starts late: the pipe holds 64 KiB, the rest waits in the process, lost if
    // it exits without waiting for it.
    const piped = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" schema | (sleep 1; cat)`], {
      encoding: 'utf8',
    });
    expect(piped.status).toBe(0);
    expect(piped.stdout).toBe(readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8'));
  });
});
