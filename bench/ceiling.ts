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
import { openSqlite } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrate.js';

/** Tables whose rows belong to one log position (the event that wrote them). */
const BY_POSITION = ['events', 'transactions', 'entries', 'idempotency', 'balance_epochs', 'late_sums', 'snapshots'] as const;

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
      const update = upsertOn ? ` ON CONFLICT (${upsertOn}) DO UPDATE SET ${columns.map((c) => `${c} = excluded.${c}`).join(', ')}` : '';
      const text = `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})${update}`;
      if (!statements.has(text)) statements.set(text, db.prepare(text));
      return statements.get(text)!;
    };
    const rowsOf = (table: string, where: string) => source.prepare(`SELECT * FROM ${table} WHERE ${where}`).all() as Record<string, unknown>[];
    // Before the timed part: the opened accounts and whatever else came before `after`.
    db.transaction(() => {
      for (const table of [...BY_POSITION, 'accounts']) {
        const rows = rowsOf(table, table === 'accounts' ? '1' : `position <= ${after}`);
        for (const row of rows) insert(table, row, table === 'accounts' ? 'code' : undefined).run(Object.values(row));
      }
    })();
    const accounts = new Map((rowsOf('accounts', '1')).map((row) => [row.code as string, row]));
    const work = BY_POSITION.map((table) => ({ table, rows: rowsOf(table, `position > ${after}`) }));
    const events = work[0]!.rows;
    const batches = Math.max(1, Math.ceil(transfers / 1000));
    const start = process.hrtime.bigint();
    for (let b = 0; b < batches; b++) {
      db.transaction(() => {
        for (const { table, rows } of work) {
          const from = Math.floor((rows.length * b) / batches);
          const to = Math.floor((rows.length * (b + 1)) / batches);
          for (let i = from; i < to; i++) insert(table, rows[i]!).run(Object.values(rows[i]!));
        }
        const from = Math.floor((events.length * b) / batches);
        const to = Math.floor((events.length * (b + 1)) / batches);
        for (let i = from; i < to; i++) {
          const account = accounts.get(String(events[i]!.stream_id).replace(/^account:/, ''));
          if (account) insert('accounts', account, 'code').run(Object.values(account));
        }
      })();
    }
    return transfers / (Number(process.hrtime.bigint() - start) / 1e9);
  } finally {
    source.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
