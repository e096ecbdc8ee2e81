/**
 * The `inkwell` command on a ledger other than `default` (`--ledger NAME`), on SQLite and on
 * PostgreSQL: each command sees that ledger's data only (a chain broken in one ledger is reported
 * there alone), an unknown ledger is refused with nothing created, and `migrate` brings every
 * ledger of the catalogue up to date.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Migrator, sql, type Kysely, type Migration } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../migrations/index.js';
import { recordLedger } from '../../src/ledger/catalogue.js';
import { Ledger } from '../../src/ledger/ledger.js';
import type { Database } from '../../src/store/db.js';
import { ledgerStorage, openLedgerStorage } from '../../src/store/namespaces.js';
import { ledgerSchema } from '../../src/store/postgres.js';
import { processDb, run, type ProcessDb } from '../support/process.js';
import { postgresUrl, TEST_DIALECT } from '../support/server.js';

let db: ProcessDb;
/** Files the commands read and write (journals): apart from the database's folder, which the refusals check. */
let files: string;
/** The default ledger's schema on PostgreSQL (the ledgers' schemas are named after it). */
let homeSchema: string | undefined;
const heads = new Map<string, { position: number; hash: string }>();
const ctx = { actor: 'seed', requestId: 'seed' };
const NOW = '2026-03-01T00:00:00Z';

/** Two accounts and one transfer per amount, on the ledger `database` holds. */
async function seed(database: Database, debit: string, credit: string, amounts: string[]): Promise<void> {
  const ledger = new Ledger(database);
  for (const [code, type] of [
    [debit, 'ASSET'],
    [credit, 'EQUITY'],
  ] as const)
    await ledger.openAccount({ code, name: code, type, currency: 'USD', effectiveAt: '2026-01-01T00:00:00Z' }, ctx);
  for (const [i, amount] of amounts.entries())
    await ledger.transfer(
      {
        idempotencyKey: `t${i}`,
        debitAccount: debit,
        creditAccount: credit,
        amount,
        effectiveAt: '2026-01-02T00:00:00Z',
      },
      ctx,
    );
}

async function headOf(database: Database): Promise<{ position: number; hash: string }> {
  const row = await database.db
    .selectFrom('events')
    .select(['position', 'hash'])
    .orderBy('position', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
  return { position: Number(row.position), hash: row.hash };
}

beforeAll(async () => {
  db = await processDb();
  files = mkdtempSync(join(tmpdir(), 'inkwell-ledgers-cli-'));
  const home = await db.open();
  homeSchema = home.schema;
  try {
    await seed(home, 'assets:home', 'equity:home', ['1.00']);
    heads.set('default', await headOf(home));
    for (const [name, debit, amounts] of [
      ['alpha', 'assets:alpha', ['10.00', '20.00']],
      ['beta', 'assets:beta', ['7.00']],
    ] as const) {
      await recordLedger(home, { name }, 'test', NOW);
      const database = await openLedgerStorage(home, name);
      await seed(database, debit, `equity:${name}`, [...amounts]);
      heads.set(name, await headOf(database));
      await database.close();
    }
    // In the catalogue, their storage never opened: read-only commands must not make it, writing ones do.
    await recordLedger(home, { name: 'unopened' }, 'test', NOW);
    await recordLedger(home, { name: 'fresh' }, 'test', NOW);
    // In the catalogue, its storage left before the last two migrations, as after an upgrade.
    await recordLedger(home, { name: 'older' }, 'test', NOW);
    const older = await ledgerStorage(home, 'older', { create: true });
    await migrateTo(older, '0014_transaction_exchanges');
    await older.close();
  } finally {
    await home.close();
  }
});
afterAll(async () => {
  rmSync(files, { recursive: true, force: true });
  await db.dispose();
});

/** Migrates `database` up to and including `target` only. */
async function migrateTo(database: Database, target: string): Promise<void> {
  const migrations: Record<string, Migration> = {};
  for (const [name, module] of Object.entries(MIGRATIONS))
    migrations[name] = { up: (kysely: Kysely<any>) => module.up(kysely, database.dialect) };
  const migrator = new Migrator({
    db: database.db,
    provider: { getMigrations: async () => migrations },
    ...(database.schema ? { migrationTableSchema: database.schema } : {}),
  });
  const result = await migrator.migrateTo(target);
  expect(result.error).toBeUndefined();
}

const inkwell = (...args: string[]) => run(args, db.file, db.env);

/** A trial balance's row for an asset account: its debit. */
const assetRow = (code: string, amount: string) =>
  new RegExp(`^account +${code} +${code} +ASSET +USD +${amount} `, 'm');

/** What exists of the deployment's storage: the SQLite files beside the default one, or the PostgreSQL schemas. */
async function storage(): Promise<string[]> {
  if (TEST_DIALECT === 'sqlite')
    return readdirSync(dirname(db.file))
      .filter((name) => name.endsWith('.db'))
      .sort();
  const client = new pg.Client({ connectionString: postgresUrl() });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      'SELECT nspname AS name FROM pg_namespace WHERE starts_with(nspname, $1) ORDER BY 1',
      [homeSchema!],
    );
    return rows.map((r) => r.name);
  } finally {
    await client.end();
  }
}

/** The storage a ledger would have. */
function storageOf(ledger: string): string {
  return TEST_DIALECT === 'sqlite' ? `inkwell.ledger-${ledger}.db` : ledgerSchema(homeSchema, ledger);
}

describe('inkwell --ledger', () => {
  it('reports and exports the named ledger only; without the option, default', () => {
    // One cut for all, so that default's report reads the same with and without --ledger default.
    const cut = ['--as-of', '2026-02-01', '--known-at', new Date().toISOString()];
    const tb = (...ledger: string[]) => {
      const result = inkwell('report', 'trial-balance', ...cut, ...ledger);
      expect(result.status, result.stderr).toBe(0);
      return result.stdout;
    };
    const alpha = tb('--ledger', 'alpha');
    expect(alpha).toMatch(assetRow('assets:alpha', '30.00'));
    expect(alpha).not.toMatch(/assets:(beta|home)/);
    expect(tb('--ledger=beta')).toMatch(assetRow('assets:beta', '7.00'));
    expect(tb('--ledger=beta')).not.toMatch(/assets:(alpha|home)/);
    expect(tb()).toMatch(assetRow('assets:home', '1.00'));
    expect(tb()).not.toMatch(/assets:(alpha|beta)/);
    expect(tb('--ledger', 'default')).toBe(tb());

    const audit = inkwell('export', 'audit-trail', '--format', 'jsonl', '--ledger', 'alpha');
    expect(audit.status, audit.stderr).toBe(0);
    const records = audit.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const alphaHead = heads.get('alpha')!.position;
    expect(records.filter((r) => r.record === 'row')).toHaveLength(alphaHead);
    expect(records.filter((r) => r.record === 'row').map((r) => r.position)).toEqual(
      Array.from({ length: alphaHead }, (_, i) => i + 1),
    );
    expect(audit.stderr).toMatch(new RegExp(`^${alphaHead} rows at log position ${alphaHead} `));
  });

  it("verifies the named ledger's hash chain and names its head", () => {
    for (const ledger of ['alpha', 'beta']) {
      const result = inkwell('verify', '--ledger', ledger);
      expect(result.status, result.stderr).toBe(0);
      const head = heads.get(ledger)!;
      expect(result.stdout).toContain(`hash chain intact: ${head.position} events, head ${head.hash}`);
    }
    expect(inkwell('verify').stdout).toContain(`head ${heads.get('default')!.hash}`);
    const events = inkwell('events', 'verify', '--ledger', 'beta');
    expect(events.status, events.stderr).toBe(0);
    expect(events.stdout).toContain(`${heads.get('beta')!.position} events decoded, all valid`);
  });

  it('rebuilds the named ledger: read models, snapshots, a subscriber', () => {
    const check = inkwell('rebuild', '--check', '--ledger', 'alpha');
    expect(check.status, check.stdout).toBe(0);
    expect(check.stdout).toBe(`${heads.get('alpha')!.position} events replayed, 0 differences\n`);
    const snapshots = inkwell('snapshots', 'rebuild', '--ledger', 'beta');
    expect(snapshots.status, snapshots.stderr).toBe(0);
    expect(snapshots.stdout).toMatch(new RegExp(`^${heads.get('beta')!.position} events replayed`));
    const subscriber = inkwell('subscribers', 'rebuild', 'daily-balances', '--ledger', 'beta');
    expect(subscriber.status, subscriber.stderr).toBe(0);
    expect(subscriber.stdout).toMatch(/^daily-balances: generation \d+ is live/);
    // A writing command makes a catalogued ledger's storage, migrated, as a server's first request does.
    const fresh = inkwell('snapshots', 'rebuild', '--ledger', 'fresh');
    expect(fresh.status, fresh.stderr).toBe(0);
    expect(fresh.stdout).toMatch(/^0 events replayed, 0 snapshots taken/);
  });

  it('imports into the named ledger only', async () => {
    const file = join(files, 'alpha.journal');
    const exported = inkwell('export', 'journal', '--ledger', 'alpha', '--out', file);
    expect(exported.status, exported.stderr).toBe(0);
    const imported = inkwell('import', 'journal', file, '--ledger', 'beta');
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/2 posted/);
    const beta = inkwell('report', 'trial-balance', '--ledger', 'beta').stdout;
    expect(beta).toMatch(assetRow('assets:alpha', '30.00'));
    expect(beta).toMatch(assetRow('assets:beta', '7.00'));
    // Neither the source nor default moved.
    expect(inkwell('verify', '--ledger', 'alpha').stdout).toContain(`head ${heads.get('alpha')!.hash}`);
    expect(inkwell('verify').stdout).toContain(`head ${heads.get('default')!.hash}`);
  });

  it('refuses a ledger not in the catalogue, or with a name against the rule, and creates nothing', async () => {
    const before = await storage();
    expect(before).not.toContain(storageOf('nope'));
    for (const command of [
      ['verify'],
      ['events', 'verify'],
      ['report', 'trial-balance'],
      ['export', 'journal'],
      ['import', 'journal', join(files, 'alpha.journal')],
      ['rebuild'],
      ['rebuild', '--check'],
      ['snapshots', 'rebuild'],
      ['subscribers', 'rebuild', 'daily-balances'],
      ['migrate'],
    ]) {
      const unknown = inkwell(...command, '--ledger', 'nope');
      expect(unknown.status, command.join(' ')).toBe(1);
      expect(unknown.stderr).toMatch(/^no ledger "nope": it is not in the catalogue of /);
    }
    // The name is checked where --ledger is read, alike for every command.
    for (const command of [['verify'], ['import', 'journal', join(files, 'alpha.journal')], ['migrate']]) {
      const badName = inkwell(...command, '--ledger', 'No-Such');
      expect(badName.status, command.join(' ')).toBe(2);
      expect(badName.stderr).toMatch(/^--ledger: ledger name "No-Such": a lowercase letter, then up to 31/);
    }
    expect(inkwell('verify', '--ledger').stderr).toMatch(/^--ledger: needs a ledger name/);
    expect(inkwell('verify', '--ledger', 'alpha', '--ledger', 'beta').status).toBe(2);
    // In the catalogue but never opened: the read-only commands do not make its storage.
    for (const command of [['verify'], ['events', 'verify'], ['report', 'trial-balance'], ['rebuild', '--check']])
      expect(inkwell(...command, '--ledger', 'unopened').status, command.join(' ')).toBe(1);
    expect(await storage()).toEqual(before);
  });

  it('migrates default and every ledger of the catalogue; --ledger only that one', async () => {
    const all = inkwell('migrate');
    expect(all.status, all.stderr).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines[0]).toBe('default: up to date');
    expect(lines.slice(1).map((line) => line.split(':')[0])).toEqual(['alpha', 'beta', 'fresh', 'older', 'unopened']);
    expect(lines).toContain('alpha: up to date');
    expect(lines).toContain('fresh: up to date');
    expect(lines).toContain('older: applied: 0015_ledgers, 0016_api_key_ledgers');
    // A catalogued ledger with no storage yet gets it, migrated from the start.
    expect(lines.find((line) => line.startsWith('unopened:'))).toMatch(/^unopened: applied: 0001_initial, .*0016/);
    expect(inkwell('verify', '--ledger', 'older').status).toBe(0);
    const one = inkwell('migrate', '--ledger', 'older');
    expect(one.stdout).toBe('older: up to date\n');
    expect(inkwell('migrate', '--ledger', 'default').stdout).toBe('default: up to date\n');
  });

  it("names the first broken position of the named ledger's chain, and only there", async () => {
    const home = await db.open();
    const beta = await openLedgerStorage(home, 'beta');
    try {
      // Behind the API's back: the refusal trigger dropped, beta's transfer of 7.00 made 9.00.
      if (beta.dialect === 'sqlite') await sql`DROP TRIGGER events_no_update`.execute(beta.db);
      else await sql`DROP TRIGGER events_no_update ON events`.execute(beta.db);
      await sql`UPDATE events SET data = replace(data, '"7.00"', '"9.00"') WHERE position = 3`.execute(beta.db);
    } finally {
      await beta.close();
      await home.close();
    }
    const broken = inkwell('verify', '--ledger', 'beta');
    expect(broken.status, broken.stderr).toBe(1);
    expect(broken.stdout).toMatch(/^BROKEN at position 3: /);
    expect(inkwell('verify', '--ledger', 'alpha').status).toBe(0);
    expect(inkwell('verify').status).toBe(0);
  });
});
