/**
 * Rebuild: replay the whole log through the very projection code the append path runs
 * (projectIn), inside one write transaction, report every difference from what was stored,
 * and keep the rebuilt rows — or roll back when only checking.
 */
import { evolve, initialState, type AccountState, type OpenedAccount } from '../domain/account.js';
import { decodeAccountEvent, decodeEvent } from '../events/catalogue.js';
import { accountCodeOf, isAccountStream, isCategoryStream, isPriceStream } from '../events/streams.js';
import type { Database, Db } from '../store/db.js';
import { readLog } from '../store/event-store.js';
import { DEFAULT_EPOCH_EVERY } from './as-of-index.js';
import { projectCategoryEvents } from './categories.js';
import { projectPriceEvents } from './prices.js';
import { projectIn, type Committed } from './project.js';

export interface RebuildReport {
  eventsReplayed: number;
  /** One line per difference between the stored read models and the rebuilt ones. */
  differences: string[];
  /** Whether the stored rows were replaced by the rebuilt ones. */
  applied: boolean;
}

/** Every table derived from the log, with the columns that identify a row. */
type Row = Record<string, unknown>;
const READ_MODELS = {
  accounts: (r: Row) => `${r.code}`,
  transactions: (r: Row) => `${r.id}`,
  entries: (r: Row) => `${r.position}/${r.leg_index}`,
  balance_epochs: (r: Row) => `${r.account_code}@${r.version}`,
  late_sums: (r: Row) => `${r.account_code}@${r.level}/${r.node}#${r.position}`,
  holds: (r: Row) => `${r.transaction_id}/${r.account_code}`,
  categories: (r: Row) => `${r.code}`,
  category_memberships: (r: Row) => `${r.position}`,
  prices: (r: Row) => `${r.position}`,
} as const;
type ReadModel = keyof typeof READ_MODELS;

/** Empties the read models and replays every event through projectIn; returns the event count. */
export async function replayProjections(trx: Db, epochEvery: number, batchSize = 1000): Promise<number> {
  for (const table of Object.keys(READ_MODELS) as ReadModel[]) await trx.deleteFrom(table).execute();
  const policy = { snapshotEvery: null, epochEvery };
  const states = new Map<string, AccountState>();
  let batch: Committed[] = [];
  let events = 0;
  for await (const stored of readLog(trx)) {
    // A category's events have read models of their own, written by the append path's function.
    if (isCategoryStream(stored.streamId)) {
      await projectCategoryEvents(trx, [stored]);
      events += 1;
      continue;
    }
    if (isPriceStream(stored.streamId)) {
      await projectPriceEvents(trx, [stored]);
      events += 1;
      continue;
    }
    // The books' stream (the period lock) has no read model here: its events are read where used.
    if (!isAccountStream(stored.streamId)) {
      decodeEvent(stored);
      events += 1;
      continue;
    }
    const event = decodeAccountEvent(stored);
    const code = accountCodeOf(stored.streamId);
    const state = evolve(states.get(code) ?? initialState(), event);
    if (state.version !== stored.version)
      throw new Error(
        `invariant: ${stored.streamId} folded to version ${state.version} at stored version ${stored.version}`,
      );
    states.set(code, state);
    // Cut batches only between transactions: a transaction's row comes from its first event in
    // a batch, so its events (contiguous in the log) must never straddle two batches.
    const previous = batch[batch.length - 1];
    if (
      batch.length >= batchSize &&
      (stored.transactionId === null || stored.transactionId !== previous?.stored.transactionId)
    ) {
      await projectIn(trx, batch, policy);
      batch = [];
    }
    batch.push({ stored, event, state: state as OpenedAccount });
    events += 1;
  }
  await projectIn(trx, batch, policy);
  return events;
}

class CheckOnly {
  constructor(readonly report: RebuildReport) {}
}

export async function rebuildReadModels(
  database: Database,
  options: { apply?: boolean; epochEvery?: number; batchSize?: number } = {},
): Promise<RebuildReport> {
  const apply = options.apply ?? true;
  try {
    // One write transaction: no commit lands in between, and a check leaves nothing behind.
    return await database.write(async (trx) => {
      const before = await readAll(trx);
      const eventsReplayed = await replayProjections(trx, options.epochEvery ?? DEFAULT_EPOCH_EVERY, options.batchSize);
      const after = await readAll(trx);
      const differences: string[] = [];
      for (const table of Object.keys(READ_MODELS) as ReadModel[])
        compare(differences, table, before[table], after[table], READ_MODELS[table]);
      const report = { eventsReplayed, differences, applied: apply && differences.length > 0 };
      if (!report.applied) throw new CheckOnly(report);
      return report;
    });
  } catch (error) {
    if (error instanceof CheckOnly) return error.report;
    throw error;
  }
}

async function readAll(db: Db): Promise<Record<ReadModel, Row[]>> {
  const rows = {} as Record<ReadModel, Row[]>;
  for (const table of Object.keys(READ_MODELS) as ReadModel[])
    rows[table] = await db.selectFrom(table).selectAll().execute();
  return rows;
}

function compare(out: string[], table: string, stored: Row[], rebuilt: Row[], keyOf: (row: Row) => string): void {
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
      if (String(actual) !== String(value))
        out.push(`${table}[${key}].${column}: stored ${JSON.stringify(actual)}, rebuilt ${JSON.stringify(value)}`);
    }
  }
  for (const key of storedByKey.keys()) out.push(`${table}[${key}]: not in the log (extra row)`);
}
