/**
 * Fills a migrated PostgreSQL database with the rows of a seeded SQLite ledger of the same
 * schema, table by table. Seeding the search bench's 1M entries through the ledger on
 * PostgreSQL ran at ~150 events/s beside other work here (about two hours); its read figures
 * need the same rows, not the same way of writing them (the write path has benches of its own).
 */
import SQLite from 'better-sqlite3';
import pg from 'pg';

const ROWS_PER_INSERT = 20_000;

export async function copySqliteToPostgres(sqliteFile: string, postgresUrl: string): Promise<void> {
  const source = new SQLite(sqliteFile, { readonly: true });
  const target = new pg.Client({ connectionString: postgresUrl });
  await target.connect();
  try {
    // Constraints and triggers (the log refuses UPDATE and DELETE only) need not fire for a copy.
    await target.query('SET session_replication_role = replica');
    const tables = source
      .prepare(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'kysely_%'`,
      )
      .pluck()
      .all() as string[];
    for (const table of tables) await copyTable(source, target, table);
    await target.query('SET session_replication_role = origin');
  } finally {
    source.close();
    await target.end();
  }
}

async function copyTable(source: SQLite.Database, target: pg.Client, table: string): Promise<void> {
  const { rows: columns } = await target.query<{ name: string; type: string }>(
    `SELECT column_name AS name, format_type(atttypid, atttypmod) AS type
       FROM information_schema.columns JOIN pg_attribute ON attrelid = $1::regclass AND attname = column_name
      WHERE table_schema = current_schema() AND table_name = $2 ORDER BY ordinal_position`,
    [table, table],
  );
  if (columns.length === 0) return; // a table only SQLite has
  const names = columns.map((c) => `"${c.name}"`).join(', ');
  const arrays = columns.map((c, i) => `$${i + 1}::${c.type.replace(/ COLLATE .*/, '')}[]`).join(', ');
  const insert = `INSERT INTO "${table}" (${names}) SELECT * FROM unnest(${arrays})`;
  let batch: unknown[][] = columns.map(() => []);
  let size = 0;
  const flush = async () => {
    if (size > 0) await target.query(insert, batch);
    batch = columns.map(() => []);
    size = 0;
  };
  const select = source.prepare(`SELECT ${names} FROM "${table}"`).raw();
  for (const row of select.iterate() as Iterable<unknown[]>) {
    for (const [i, value] of row.entries()) batch[i]!.push(value);
    if (++size === ROWS_PER_INSERT) await flush();
  }
  await flush();
}
