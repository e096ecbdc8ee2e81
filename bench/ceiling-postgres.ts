/**
 * (a) on PostgreSQL: the storage ceiling as bench/ceiling.ts measures it on SQLite. The rows the
 * ledger wrote for its transfers (events, read models, as-of indexes, snapshots, idempotency
 * records) are copied into a fresh database of the same schema on the same server, 1,000
 * transfers' rows per transaction (synchronous_commit on, as the ledger's), one statement per
 * table per transaction: `INSERT … SELECT * FROM json_populate_recordset(…)`, the rows sent as one
 * JSON parameter prepared before the clock starts. Accounts are upserted once per transaction
 * with their last state (PostgreSQL cannot update a row twice in one statement; the ledger, too,
 * writes each account once per commit).
 */
import pg from 'pg';
import { openPostgres } from '../src/store/postgres.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { withFreshPostgres } from './databases.js';

const BY_POSITION = [
  'events',
  'transactions',
  'entries',
  'idempotency',
  'balance_epochs',
  'late_sums',
  'snapshots',
] as const;

/** Transfers per second the server takes for the rows `sourceUrl` holds after log position `after`. */
export async function postgresCeiling(sourceUrl: string, after: number, transfers: number): Promise<number> {
  return withFreshPostgres(sourceUrl, 'ceiling', async (url) => {
    const fresh = openPostgres(url);
    await migrateToLatest(fresh);
    await fresh.close();
    const source = new pg.Client({ connectionString: sourceUrl });
    const target = new pg.Client({ connectionString: url });
    await Promise.all([source.connect(), target.connect()]);
    try {
      const rowsOf = async (table: string, where: string) =>
        (await source.query(`SELECT * FROM ${table} WHERE ${where} ORDER BY 1`)).rows as Record<string, unknown>[];
      const copy = (table: string, json: string, upsert = '') =>
        target.query(`INSERT INTO ${table} SELECT * FROM json_populate_recordset(null::${table}, $1::json)${upsert}`, [
          json,
        ]);
      // Before the timed part: the opened accounts and whatever else came before `after`.
      await target.query('BEGIN');
      for (const table of BY_POSITION) await copy(table, JSON.stringify(await rowsOf(table, `position <= ${after}`)));
      const accounts = await rowsOf('accounts', 'true');
      await copy('accounts', JSON.stringify(accounts));
      await target.query('COMMIT');
      const columns = Object.keys(accounts[0]!).filter((c) => c !== 'code');
      const upsertAccounts = ` ON CONFLICT (code) DO UPDATE SET ${columns.map((c) => `${c} = excluded.${c}`).join(', ')}`;
      const byCode = new Map(accounts.map((row) => [row.code as string, row]));
      const streams = (await rowsOf('events', `position > ${after}`)).map((row) =>
        String(row.stream_id).replace(/^account:/, ''),
      );
      const tables = await Promise.all(
        BY_POSITION.map(async (table) => ({ table, rows: await rowsOf(table, `position > ${after}`) })),
      );
      const batches = Math.max(1, Math.ceil(transfers / 1000));
      const slice = <T>(items: T[], b: number) =>
        items.slice(Math.floor((items.length * b) / batches), Math.floor((items.length * (b + 1)) / batches));
      // Parameters serialised before the clock starts.
      const work = Array.from({ length: batches }, (_, b) => ({
        tables: tables.flatMap(({ table, rows }) =>
          slice(rows, b).length > 0 ? [{ table, json: JSON.stringify(slice(rows, b)) }] : [],
        ),
        accounts: JSON.stringify(
          [...new Set(slice(streams, b))].flatMap((code) => (byCode.has(code) ? [byCode.get(code)!] : [])),
        ),
      }));
      const start = process.hrtime.bigint();
      for (const batch of work) {
        await target.query('BEGIN');
        for (const { table, json } of batch.tables) await copy(table, json);
        if (batch.accounts !== '[]') await copy('accounts', batch.accounts, upsertAccounts);
        await target.query('COMMIT');
      }
      return transfers / (Number(process.hrtime.bigint() - start) / 1e9);
    } finally {
      await Promise.all([source.end(), target.end()]);
    }
  });
}
