/**
 * (a) The storage ceiling: the very rows the ledger wrote for its transfers (events, read
 * models, as-of indexes, snapshots, idempotency records) copied with better-sqlite3 into a fresh
 * database of the same schema and durability (WAL, synchronous=FULL), 1,000 transfers' rows per
 * transaction, each account row upserted once per event as the ledger's own upsert would be.
 * The ledger cannot write faster than this; (b) is reported as a share of it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { openSqlite } from '../src/store/sqlite.js';
import { migrateToLatest } from '../src/store/migrate.js';

/** Tables whose rows belong to one log position (the event that wrote them). */
const BY_POSITION = [
  'events',
  'transactions',
  'entries',
  'idempotency',
  'balance_epochs',
  'late_sums',
  'snapshots',
] as const;

/**
 * Transfers per second the storage takes for the rows `sourceFile` holds after log position
 * `after` (what `transfers` transfers wrote); everything up to `after` is copied first, untimed.
 */
export async function storageCeiling(sourceFile: string, after: number, transfers: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'inkwell-ceiling-'));
  const target = join(dir, 'ceiling.db');
  const fresh = openSqlite(target);
  await migrateToLatest(fresh);
  await fresh.close();
  const source = new SQLite(sourceFile, { readonly: true });
  const db = new SQLite(target);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    const statements = new Map<string, SQLite.Statement>();
    const insert = (table: string, row: Record<string, unknown>, upsertOn?: string) => {
      const columns = Object.keys(row);
      const update = upsertOn
        ? ` ON CONFLICT (${upsertOn}) DO UPDATE SET ${columns.map((c) => `${c} = excluded.${c}`).join(', ')}`
        : '';
      const text = `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})${update}`;
      if (!statements.has(text)) statements.set(text, db.prepare(text));
      return statements.get(text)!;
    };
    const rowsOf = (table: string, where: string) =>
      source.prepare(`SELECT * FROM ${table} WHERE ${where}`).all() as Record<string, unknown>[];
    // Before the timed part: the opened accounts and whatever else came before `after`.
    db.transaction(() => {
      for (const table of [...BY_POSITION, 'accounts']) {
        const rows = rowsOf(table, table === 'accounts' ? '1' : `position <= ${after}`);
        for (const row of rows) insert(table, row, table === 'accounts' ? 'code' : undefined).run(Object.values(row));
      }
    })();
    const accounts = new Map(rowsOf('accounts', '1').map((row) => [row.code as string, Object.values(row)]));
    const upsertAccount = insert('accounts', rowsOf('accounts', '1 LIMIT 1')[0]!, 'code');
    // Statements prepared and rows turned into parameter lists before the clock starts.
    const streams = rowsOf('events', `position > ${after}`).map((row) =>
      accounts.get(String(row.stream_id).replace(/^account:/, '')),
    );
    const work = BY_POSITION.map((table) => {
      const rows = rowsOf(table, `position > ${after}`);
      return { statement: rows[0] ? insert(table, rows[0]) : null, rows: rows.map((row) => Object.values(row)) };
    });
    const batches = Math.max(1, Math.ceil(transfers / 1000));
    const slice = <T>(items: T[], b: number) =>
      items.slice(Math.floor((items.length * b) / batches), Math.floor((items.length * (b + 1)) / batches));
    const start = process.hrtime.bigint();
    for (let b = 0; b < batches; b++) {
      db.transaction(() => {
        for (const { statement, rows } of work) for (const values of slice(rows, b)) statement!.run(values);
        // The ledger upserts the row of every account an event touches.
        for (const account of slice(streams, b)) if (account) upsertAccount.run(account);
      })();
    }
    return transfers / (Number(process.hrtime.bigint() - start) / 1e9);
  } finally {
    source.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
