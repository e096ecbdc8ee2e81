/**
 * `inkwell migrate`: the default database and every ledger in its catalogue, so that one step
 * upgrades a whole deployment; `--ledger NAME` only that ledger. A line per ledger.
 */
import type { MigrationResultSet } from 'kysely';
import type { Config } from '../config.js';
import { DEFAULT_LEDGER } from '../domain/ledgers.js';
import type { Db } from '../store/db.js';
import { listLedgerRows } from '../store/ledgers.js';
import { migrateToLatest } from '../store/migrate.js';
import { ledgerStorage } from '../store/namespaces.js';
import { migrated, withDatabase } from './database.js';

/** Catalogue rows read per statement. */
const PAGE = 500;

export function migrate(config: Config, only: string | null): Promise<number> {
  if (only !== null) return withDatabase(migrated(config, only, applied(only)), async () => 0);
  return withDatabase(migrated(config, DEFAULT_LEDGER, applied(DEFAULT_LEDGER)), async (home) => {
    // One ledger failing does not keep the others at the old version: each is tried, failures counted.
    let failed = 0;
    for await (const name of catalogued(home.db)) {
      try {
        await withDatabase(
          () => ledgerStorage(home, name, { create: true }),
          async (database) => applied(name)(await migrateToLatest(database)),
        );
      } catch (error) {
        failed += 1;
        console.error(`${name}: FAILED: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return failed > 0 ? 1 : 0;
  });
}

/** Prints "NAME: applied: …" or "NAME: up to date". */
function applied(ledger: string): (result: MigrationResultSet) => void {
  return (result) => {
    const names = result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
    console.log(`${ledger}: ${names.length ? `applied: ${names.join(', ')}` : 'up to date'}`);
  };
}

async function* catalogued(db: Db): AsyncGenerator<string> {
  for (let after: string | null = null; ; ) {
    const rows = await listLedgerRows(db, { afterName: after, limit: PAGE, only: null });
    for (const row of rows) yield row.name;
    if (rows.length < PAGE) return;
    after = rows.at(-1)!.name;
  }
}
