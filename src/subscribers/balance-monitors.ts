/**
 * Balance monitors: a condition on an account's figure (e.g. AVAILABLE < 100.00). A checkpointed
 * subscriber evaluates every active monitor after each event of its account, with the account's
 * state as of that event, and records an alert each time the condition flips (became true, or
 * stopped holding) — exactly once, in the transaction that moves its checkpoint. Alerts are
 * numbered in commit order, so `balanceAlerts` follows them like the log: gap-free, resumable.
 *
 * Monitors are configuration, not ledger events: creating, pausing or deleting one changes no
 * balance. A monitor created (or resumed) at log position P judges the events after P, from the
 * condition as it stood at P. A monitor may watch a category in one currency instead of an
 * account (category-monitors.ts).
 */
import { PostgresAdapter, type Insertable } from 'kysely';
import { evolve, type OpenedAccount } from '../domain/account.js';
import {
  AccountNotFound,
  CategoryNotFound,
  InvalidAmount,
  MonitorNotFound,
  PerKeyLimitReached,
  ValidationError,
} from '../domain/errors.js';
import {
  checkCondition,
  conditionHolds,
  figureOf,
  type MonitorCondition,
  type MonitorStatus,
} from '../domain/monitors.js';
import { formatAmount } from '../domain/money.js';
import { decodeAccountEvent } from '../events/catalogue.js';
import type { StoredEvent } from '../events/envelope.js';
import { accountCodeOf, isAccountStream } from '../events/streams.js';
import { breathe } from '../slices.js';
import { uuidv7 } from '../ledger/ids.js';
import { loadAccount } from '../ledger/load.js';
import { chunks, ROWS_PER_STATEMENT } from '../store/chunks.js';
import type { Database, Db } from '../store/db.js';
import { countCreatedBy } from '../store/created-by.js';
import { readHead } from '../store/event-store.js';
import type { BalanceAlertsTable, BalanceMonitorsTable } from '../store/schema.js';
import { categoryStartingPoint, checkMonitorCurrency, judgeCategoryMonitors } from './category-monitors.js';
import type { Subscriber } from './runner.js';

export const BALANCE_MONITORS = 'balance-monitors';

export interface MonitorView extends MonitorCondition {
  id: string;
  /** The account code; for a category monitor, the category code. */
  account: string;
  /** A category monitor's category and currency; null for an account monitor. */
  category: string | null;
  currency: string | null;
  status: MonitorStatus;
  /** Whether the condition holds, as of the last event judged. */
  holds: boolean;
  createdAt: string;
  createdBy: string;
}

export interface AlertView {
  id: number;
  monitorId: string;
  /** The account code; for a category monitor's alert, the category code. */
  account: string;
  category: string | null;
  /** true: the condition became true; false: it stopped holding. */
  holds: boolean;
  /** The monitored figure after the event, at the account's scale. */
  figure: string;
  eventPosition: number;
  effectiveAt: string;
  recordedAt: string;
}

export const balanceMonitors: Subscriber = {
  name: BALANCE_MONITORS,
  // Alerts are a record of what was pushed: a rebuild would judge old events with today's monitors.
  rebuildable: false,
  async apply(trx, events) {
    const streams = new Map<string, StoredEvent[]>();
    for (const stored of events) {
      if (!isAccountStream(stored.streamId)) continue;
      const code = accountCodeOf(stored.streamId);
      if (!streams.has(code)) streams.set(code, []);
      streams.get(code)!.push(stored);
    }
    const alerts: Insertable<BalanceAlertsTable>[] = [];
    const flipped = new Map<string, number>();
    const monitors = streams.size === 0 ? [] : await activeMonitors(trx, [...streams.keys()]);
    for (const code of new Set(monitors.map((m) => m.account_code))) {
      const watching = monitors.filter((m) => m.account_code === code);
      const stream = streams.get(code)!;
      // The account as it stood before this batch's first event of it, then event by event.
      let state = await loadAccount(trx, code, { atVersion: stream[0]!.version - 1 });
      for (const stored of stream) {
        await breathe();
        state = evolve(state, decodeAccountEvent(stored));
        if (!state.exists) continue;
        for (const monitor of watching) {
          if (stored.position <= Number(monitor.after_position)) continue;
          const alert = judge(monitor, state, stored);
          if (!alert) continue;
          alerts.push(alert);
          flipped.set(monitor.id, alert.holds);
        }
      }
    }
    for (const alert of await judgeCategoryMonitors(trx, await activeCategoryMonitors(trx), events)) {
      alerts.push(alert);
      flipped.set(alert.monitor_id, alert.holds);
    }
    await record(trx, alerts, flipped);
  },
  async drop() {},
};

/**
 * The active monitors of these accounts. On PostgreSQL their rows are locked (FOR UPDATE): the batch
 * does not hold the ledger's write lock, so a pause, resume or delete (which take that lock) waits
 * for it, or it reads the row as they left it. SQLite has one writer: nothing runs in between.
 */
async function activeMonitors(trx: Db, codes: string[]): Promise<BalanceMonitorsTable[]> {
  const monitors: BalanceMonitorsTable[] = [];
  for (const chunk of chunks(codes, ROWS_PER_STATEMENT)) {
    const query = trx
      .selectFrom('balance_monitors')
      .selectAll()
      .where('account_code', 'in', chunk)
      .where('category_code', 'is', null)
      .where('status', '=', 'ACTIVE');
    monitors.push(...(await (isPostgres(trx) ? query.forUpdate() : query).execute()));
  }
  return monitors;
}

/** Every active category monitor (few: at most MAX_MONITORS monitors in all), locked the same way. */
async function activeCategoryMonitors(trx: Db): Promise<BalanceMonitorsTable[]> {
  const query = trx
    .selectFrom('balance_monitors')
    .selectAll()
    .where('category_code', 'is not', null)
    .where('status', '=', 'ACTIVE')
    .orderBy('id');
  return (isPostgres(trx) ? query.forUpdate() : query).execute();
}

const isPostgres = (db: Db): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

/** The alert when the condition flips with this event (the monitor row then holds the new flag), else null. */
function judge(
  monitor: BalanceMonitorsTable,
  state: OpenedAccount,
  stored: StoredEvent,
): Insertable<BalanceAlertsTable> | null {
  const figure = figureOf(state, monitor.metric, stored.recordedAt);
  const holds = conditionHolds(asCondition(monitor), figure) ? 1 : 0;
  if (holds === Number(monitor.holds)) return null;
  monitor.holds = holds;
  return {
    monitor_id: monitor.id,
    account_code: state.code,
    holds,
    figure: formatAmount(figure, state.currency.scale),
    event_position: stored.position,
    effective_at: stored.effectiveAt,
    recorded_at: stored.recordedAt,
  };
}

/** Inserts the alerts in the order they were raised (their ids number them so) and sets each flipped monitor's last flag. */
async function record(trx: Db, alerts: Insertable<BalanceAlertsTable>[], flipped: Map<string, number>): Promise<void> {
  for (const chunk of chunks(alerts, ROWS_PER_STATEMENT))
    await trx.insertInto('balance_alerts').values(chunk).execute();
  for (const holds of [0, 1]) {
    const ids = [...flipped].filter(([, h]) => h === holds).map(([id]) => id);
    for (const chunk of chunks(ids, ROWS_PER_STATEMENT))
      await trx.updateTable('balance_monitors').set({ holds }).where('id', 'in', chunk).execute();
  }
}

const asCondition = (row: BalanceMonitorsTable): MonitorCondition => ({
  metric: row.metric,
  comparison: row.comparison,
  threshold: row.threshold,
});

function toView(row: BalanceMonitorsTable): MonitorView {
  return {
    id: row.id,
    account: row.account_code,
    category: row.category_code ?? null,
    currency: row.currency ?? null,
    ...asCondition(row),
    status: row.status,
    holds: Number(row.holds) === 1,
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

function toAlertView(row: Omit<BalanceAlertsTable, 'id'> & { id: number }): AlertView {
  return {
    id: Number(row.id),
    monitorId: row.monitor_id,
    account: row.account_code,
    category: row.category_code ?? null,
    holds: Number(row.holds) === 1,
    figure: row.figure,
    eventPosition: Number(row.event_position),
    effectiveAt: row.effective_at,
    recordedAt: row.recorded_at,
  };
}

/** What a monitor watches: an account, or a category summed in one currency. */
export type MonitorTarget = { account: string; category?: null } | { category: string; currency: string };

/** Where a monitor starts judging from: the head of the log, and the condition as its target stands there. */
async function startingPoint(
  trx: Db,
  target: MonitorTarget,
  condition: { metric: string; comparison: string; threshold: string },
  now: string,
) {
  if (target.category != null) {
    const checked = checkCondition(condition, target.currency);
    const after = (await readHead(trx))?.position ?? 0;
    const holds = await categoryStartingPoint(trx, target.category, checked, target.currency, after, now);
    return { checked, after, holds: holds ? 1 : 0 };
  }
  const code = target.account;
  const [head, state] = [await readHead(trx), await loadAccount(trx, code)];
  if (!state.exists) throw new AccountNotFound(code);
  const checked = checkCondition(condition, state.currency.code);
  return {
    checked,
    after: head?.position ?? 0,
    holds: conditionHolds(checked, figureOf(state, checked.metric, now)) ? 1 : 0,
  };
}

/** What createMonitor can answer instead of the monitor. */
export const createMonitorErrors = [
  ValidationError,
  InvalidAmount,
  AccountNotFound,
  CategoryNotFound,
  PerKeyLimitReached,
] as const;

/** What pausing, resuming or deleting a monitor can answer instead of it. */
export const monitorErrors = [MonitorNotFound] as const;

/** The target a monitor's input names: exactly one of account and category, a category with its currency. */
export function checkTarget(input: {
  account?: string | null;
  category?: string | null;
  currency?: string | null;
}): MonitorTarget {
  if ((input.account == null) === (input.category == null))
    throw new ValidationError('account', 'name exactly one of account and category');
  if (input.account != null) {
    if (input.currency != null)
      throw new ValidationError('currency', 'an account monitor watches the account’s own currency: leave it out');
    return { account: input.account };
  }
  return { category: input.category!, currency: checkMonitorCurrency(input.currency) };
}

export function createMonitor(
  database: Database,
  input: MonitorTarget & { metric: string; comparison: string; threshold: string },
  actor: string,
  now: string,
  perKeyLimit: number,
): Promise<MonitorView> {
  return database.write(async (trx) => {
    // Counted under the ledger's write lock, which every monitor creation takes: no race past it.
    if ((await countCreatedBy(trx, 'balance_monitors', actor)) >= perKeyLimit)
      throw new PerKeyLimitReached('balance monitors', perKeyLimit);
    const { checked, after, holds } = await startingPoint(trx, input, input, now);
    const row: BalanceMonitorsTable = {
      id: uuidv7(),
      // A category monitor keeps its category here too: the column predates categories and is NOT NULL.
      account_code: input.category ?? input.account,
      category_code: input.category ?? null,
      currency: input.category != null ? input.currency : null,
      ...checked,
      status: 'ACTIVE',
      holds,
      after_position: after,
      created_at: now,
      created_by: actor,
    };
    await trx.insertInto('balance_monitors').values(row).execute();
    return toView(row);
  });
}

/** Pauses (judges nothing) or resumes (from now, from the condition as it stands now) a monitor. */
export function setMonitorStatus(
  database: Database,
  id: string,
  status: MonitorStatus,
  now: string,
): Promise<MonitorView> {
  return database.write(async (trx) => {
    const row = await trx.selectFrom('balance_monitors').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new MonitorNotFound(id);
    if (row.status === status) return toView(row);
    let changes: Partial<BalanceMonitorsTable> = { status };
    if (status === 'ACTIVE') {
      const target: MonitorTarget =
        row.category_code != null
          ? { category: row.category_code, currency: row.currency! }
          : { account: row.account_code };
      const start = await startingPoint(trx, target, row, now);
      changes = { status, after_position: start.after, holds: start.holds };
    }
    await trx.updateTable('balance_monitors').set(changes).where('id', '=', id).execute();
    return toView({ ...row, ...changes });
  });
}

export function deleteMonitor(database: Database, id: string): Promise<MonitorView> {
  return database.write(async (trx) => {
    const row = await trx.selectFrom('balance_monitors').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new MonitorNotFound(id);
    await trx.deleteFrom('balance_monitors').where('id', '=', id).execute();
    return toView(row);
  });
}

/** In id order (creation order: ids are UUIDv7), after the monitor `afterId`, at most `limit`. */
export async function listMonitors(
  db: Db,
  account: string | null,
  options: { afterId: string | null; limit: number },
): Promise<MonitorView[]> {
  let query = db.selectFrom('balance_monitors').selectAll().orderBy('id').limit(options.limit);
  if (options.afterId !== null) query = query.where('id', '>', options.afterId);
  if (account !== null) query = query.where('account_code', '=', account).where('category_code', 'is', null);
  return (await query.execute()).map(toView);
}

/** Alerts after `afterId`, in order, at most `limit`. */
export async function alertsAfter(
  db: Db,
  afterId: number,
  limit: number,
  monitorId: string | null,
): Promise<AlertView[]> {
  let query = db.selectFrom('balance_alerts').selectAll().where('id', '>', afterId).orderBy('id').limit(limit);
  if (monitorId !== null) query = query.where('monitor_id', '=', monitorId);
  return (await query.execute()).map(toAlertView);
}
