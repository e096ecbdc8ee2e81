/**
 * Rebuild: recompute every read model from the log, report each difference from what is
 * stored, then replace the stored rows in one transaction.
 */
import { evolve, initialState, type AccountEvent, type AccountState, type OpenedAccount } from '../domain/account.js';
import { decodeEvent } from '../events/catalogue.js';
import { accountCodeOf } from '../events/streams.js';
import type { Database, Db } from '../store/db.js';
import { readLog } from '../store/event-store.js';
import { ZERO } from '../domain/money.js';
import { CheckpointBuilder, DEFAULT_CHECKPOINT_EVERY } from './balance-checkpoints.js';
import type { Posting } from './checkpoint-plan.js';
import { addEvent, emptyRows, writeRows, type ReadModelRows } from './read-models.js';

export interface RebuildReport {
  eventsReplayed: number;
  /** One line per difference between the stored read models and the rebuilt ones. */
  differences: string[];
  /** Whether the stored rows were replaced by the rebuilt ones. */
  applied: boolean;
}

/** Folds the whole log into fresh read-model rows. */
export async function computeReadModels(db: Db, checkpointEvery = DEFAULT_CHECKPOINT_EVERY): Promise<{ rows: ReadModelRows; events: number }> {
  const rows = emptyRows();
  const checkpoints = new CheckpointBuilder(checkpointEvery);
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
    const epoch = checkpoints.add(state as OpenedAccount, stored, postingOf(code, stored.position, stored.effectiveAt, event));
    if (epoch) {
      rows.epochs.push(epoch.epoch);
      rows.checkpoints.push(...epoch.checkpoints);
    }
    events += 1;
  }
  return { rows, events };
}

function postingOf(code: string, position: number, effectiveAt: string, event: AccountEvent): Posting | null {
  if (event.type !== 'TransactionPosted') return null;
  let debits = ZERO;
  let credits = ZERO;
  for (const leg of event.data.legs) {
    if (leg.account !== code) continue;
    if (leg.direction === 'DEBIT') debits = debits.plus(leg.amount);
    else credits = credits.plus(leg.amount);
  }
  return { position, effectiveAt, debits, credits };
}

export async function rebuildReadModels(database: Database, options: { apply?: boolean; checkpointEvery?: number } = {}): Promise<RebuildReport> {
  const apply = options.apply ?? true;
  // One write transaction: no commit can land between computing, comparing and replacing.
  return database.write(async (trx) => {
    const { rows, events } = await computeReadModels(trx, options.checkpointEvery);
    const differences = await diffStored(trx, rows);
    const replace = apply && differences.length > 0;
    if (replace) {
      await trx.deleteFrom('balance_checkpoints').execute();
      await trx.deleteFrom('balance_epochs').execute();
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
  compare(differences, 'balance_epochs', await db.selectFrom('balance_epochs').selectAll().execute(), rebuilt.epochs, (r) => `${r.account_code}@${r.version}`);
  compare(
    differences,
    'balance_checkpoints',
    await db.selectFrom('balance_checkpoints').selectAll().execute(),
    rebuilt.checkpoints,
    (r) => `${r.account_code}@${r.effective_at}#${r.position}`,
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
