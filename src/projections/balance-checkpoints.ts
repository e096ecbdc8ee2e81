/**
 * Balance checkpoints in the database: closing an epoch inside the append transaction, and
 * the same computation in memory for rebuild. The arithmetic lives in checkpoint-plan.ts.
 */
import type { OpenedAccount } from '../domain/account.js';
import { Amount, formatAmount, parseCurrency } from '../domain/money.js';
import type { Db } from '../store/db.js';
import type { BalanceCheckpointsTable, BalanceEpochsTable } from '../store/schema.js';
import { closeEpoch, earliest, postingsFromEntries, type CheckpointValue, type Posting, type Totals } from './checkpoint-plan.js';

/** Events per epoch: the most an as-of query replays on either side of its checkpoint. */
export const DEFAULT_CHECKPOINT_EVERY = 64;

export interface EpochRows {
  epoch: BalanceEpochsTable;
  checkpoints: BalanceCheckpointsTable[];
}

function toRows(code: string, version: number, position: number, recordedAt: string, scale: number, frontier: string | null, totals: Totals, values: CheckpointValue[]): EpochRows {
  return {
    epoch: {
      account_code: code,
      version,
      position,
      recorded_at: recordedAt,
      frontier,
      debits: formatAmount(totals.debits, scale),
      credits: formatAmount(totals.credits, scale),
    },
    checkpoints: values.map((v) => ({
      account_code: code,
      effective_at: v.effectiveAt,
      position,
      debits: formatAmount(v.totals.debits, scale),
      credits: formatAmount(v.totals.credits, scale),
    })),
  };
}

/**
 * Closes the epoch ending with this event, reading what it needs from the transaction:
 * the previous epoch, the entries since, and the breakpoints a late entry reaches.
 */
export async function closeEpochIn(trx: Db, state: OpenedAccount, event: { version: number; position: number; recordedAt: string }): Promise<void> {
  const code = state.code;
  const previous = await trx
    .selectFrom('balance_epochs')
    .select(['position', 'frontier'])
    .where('account_code', '=', code)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  const entries = await trx
    .selectFrom('entries')
    .select(['position', 'effective_at', 'direction', 'amount'])
    .where('account_code', '=', code)
    .where('position', '>', Number(previous?.position ?? 0))
    .where('position', '<=', event.position)
    .execute();
  const postings = postingsFromEntries(entries);
  const from = earliest(postings);
  const reached = from === null ? [] : await latestCheckpoints(trx, code, from);
  const totals = { debits: state.debits, credits: state.credits };
  const result = closeEpoch({ position: event.position, previousFrontier: previous?.frontier ?? null, totals, postings, reached });
  const rows = toRows(code, event.version, event.position, event.recordedAt, state.currency.scale, result.frontier, totals, result.checkpoints);
  await trx.insertInto('balance_epochs').values(rows.epoch).execute();
  if (rows.checkpoints.length > 0) await trx.insertInto('balance_checkpoints').values(rows.checkpoints).execute();
}

/** The newest value of every breakpoint at or after `from`. */
async function latestCheckpoints(trx: Db, code: string, from: string): Promise<CheckpointValue[]> {
  const rows = await trx
    .selectFrom('balance_checkpoints as c')
    .select(['c.effective_at', 'c.debits', 'c.credits'])
    .where('c.account_code', '=', code)
    .where('c.effective_at', '>=', from)
    .where((eb) =>
      eb(
        'c.position',
        '=',
        eb
          .selectFrom('balance_checkpoints as c2')
          .select((e) => e.fn.max('c2.position').as('p'))
          .whereRef('c2.account_code', '=', 'c.account_code')
          .whereRef('c2.effective_at', '=', 'c.effective_at'),
      ),
    )
    .execute();
  return rows.map((r) => ({ effectiveAt: r.effective_at, totals: { debits: new Amount(r.debits), credits: new Amount(r.credits) } }));
}

/**
 * The same epochs computed in memory while the log is replayed in order (rebuild).
 * Breakpoints only ever open at a later effective time, so they stay sorted.
 */
export class CheckpointBuilder {
  private readonly accounts = new Map<string, { frontier: string | null; pending: Posting[]; times: string[]; values: Map<string, Totals> }>();

  constructor(private readonly every: number = DEFAULT_CHECKPOINT_EVERY) {}

  /** Feed every event of the account in log order, with the state after it. Returns rows when an epoch closes. */
  add(state: OpenedAccount, event: { version: number; position: number; recordedAt: string }, posting: Posting | null): EpochRows | null {
    let account = this.accounts.get(state.code);
    if (!account) {
      account = { frontier: null, pending: [], times: [], values: new Map() };
      this.accounts.set(state.code, account);
    }
    if (posting) account.pending.push(posting);
    if (event.version % this.every !== 0) return null;
    const from = earliest(account.pending);
    const reached = from === null ? [] : account.times.slice(lowerBound(account.times, from)).map((t) => ({ effectiveAt: t, totals: account.values.get(t)! }));
    const totals = { debits: state.debits, credits: state.credits };
    const result = closeEpoch({ position: event.position, previousFrontier: account.frontier, totals, postings: account.pending, reached });
    for (const value of result.checkpoints) {
      if (!account.values.has(value.effectiveAt)) account.times.push(value.effectiveAt);
      account.values.set(value.effectiveAt, value.totals);
    }
    account.frontier = result.frontier;
    account.pending = [];
    return toRows(state.code, event.version, event.position, event.recordedAt, parseCurrency(state.currency.code).scale, result.frontier, totals, result.checkpoints);
  }
}

function lowerBound(sorted: string[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
