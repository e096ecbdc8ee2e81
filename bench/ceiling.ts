/**
 * (a) The storage ceiling: the very rows the ledger wrote for its transfers (events, read
 * models, as-of indexes, snapshots, idempotency records), copied with better-sqlite3 into a fresh
 * database of the same schema and durability (WAL, synchronous=FULL), 1,000 transfers' rows per
 * transaction. The ledger cannot write faster than this; (b) is reported as a share of it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { openSqlite } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrate.js';

const TABLES = ['events', 'accounts', 'transactions', 'entries', 'idempotency', 'balance_epochs', 'late_sums', 'snapshots'] as const;

/** Transfers per second the storage takes, for the rows `sourceFile` holds for `transfers` transfers. */
export async function storageCeiling(sourceFile: string, transfers: number): Promise<number> {
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
    const batches = Math.max(1, Math.ceil(transfers / 1000));
    const work = TABLES.map((table) => {
      const rows = source.prepare(`SELECT * FROM ${table}`).all() as Record<string, unknown>[];
      const columns = rows[0] ? Object.keys(rows[0]) : [];
      const insert = columns.length ? db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`) : null;
      return { rows, insert, columns };
    });
    const start = process.hrtime.bigint();
    for (let b = 0; b < batches; b++) {
      db.transaction(() => {
        for (const { rows, insert, columns } of work) {
          if (!insert) continue;
          const from = Math.floor((rows.length * b) / batches);
          const to = Math.floor((rows.length * (b + 1)) / batches);
          for (let i = from; i < to; i++) insert.run(...columns.map((c) => rows[i]![c]));
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
