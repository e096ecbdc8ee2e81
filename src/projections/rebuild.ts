/**
 * Rebuild: recompute every read model from the log, report each difference from what is
 * stored, then replace the stored rows in one transaction.
 */
import { evolve, initialState, type AccountState, type OpenedAccount } from '../domain/account.js';
import { decodeEvent } from '../events/catalogue.js';
import { accountCodeOf } from '../events/streams.js';
import type { Database, Db } from '../store/db.js';
import { readLog } from '../store/event-store.js';
import { addEvent, emptyRows, writeRows, type ReadModelRows } from './read-models.js';

export interface RebuildReport {
  eventsReplayed: number;
  /** One line per difference between the stored read models and the rebuilt ones. */
  differences: string[];
  /** Whether the stored rows were replaced by the rebuilt ones. */
  applied: boolean;
}

/** Folds the whole log into fresh read-model rows. */
export async function computeReadModels(db: Db): Promise<{ rows: ReadModelRows; events: number }> {
  const rows = emptyRows();
  const states = new Map<string, AccountState>();
  const seen = new Set<string>();
  let events = 0;
  for await (const stored of readLog(db)) {
    const event = decodeEvent(stored);
    const code = accountCodeOf(stored.streamId);
    const state = evolve(states.get(code) ?? initialState(), event);
    if (state.version !== stored.version) throw new Error(`invariant: ${stored.streamId} folded to version ${state.version} at stored version ${stored.version}`);
    states.set(code, state);
    addEvent(rows, { stored, event }, state as OpenedAccount, seen);
    events += 1;
  }
  return { rows, events };
}

export async function rebuildReadModels(database: Database, options: { apply?: boolean } = {}): Promise<RebuildReport> {
  const apply = options.apply ?? true;
  // One write transaction: no commit can land between computing, comparing and replacing.
  return database.write(async (trx) => {
    const { rows, events } = await computeReadModels(trx);
    const differences = await diffStored(trx, rows);
    const replace = apply && differences.length > 0;
    if (replace) {
      await trx.deleteFrom('entries').execute();
      await trx.deleteFrom('transactions').execute();
      await trx.deleteFrom('accounts').execute();
      await writeRows(trx, rows);
    }
    return { eventsReplayed: events, differences, applied: replace };
  });
}

async function diffStored(db: Db, rebuilt: ReadModelRows): Promise<string[]> {
  const differences: string[] = [];
  compare(
    differences,
    'accounts',
    await db.selectFrom('accounts').selectAll().execute(),
    [...rebuilt.accounts.values()],
    (r) => r.code,
  );
  compare(differences, 'transactions', await db.selectFrom('transactions').selectAll().execute(), rebuilt.transactions, (r) => r.id);
  compare(
    differences,
    'entries',
    await db.selectFrom('entries').selectAll().execute(),
    rebuilt.entries,
    (r) => `${r.position}/${r.leg_index}`,
  );
  return differences;
}

function compare<R extends object>(out: string[], table: string, stored: R[], rebuilt: R[], keyOf: (row: R) => string): void {
  const storedByKey = new Map(stored.map((row) => [keyOf(row), row]));
  for (const row of rebuilt) {
    const key = keyOf(row);
    const existing = storedByKey.get(key);
    storedByKey.delete(key);
    if (!existing) {
      out.push(`${table}[${key}]: missing from the read model`);
      continue;
    }
    for (const [column, value] of Object.entries(row)) {
      const actual = (existing as Record<string, unknown>)[column];
      // Integers may come back as strings from some drivers; compare as text.
      if (String(actual) !== String(value)) out.push(`${table}[${key}].${column}: stored ${JSON.stringify(actual)}, rebuilt ${JSON.stringify(value)}`);
    }
  }
  for (const key of storedByKey.keys()) out.push(`${table}[${key}]: not in the log (extra row)`);
}
