/**
 * Balance monitors on a category (issue 19, point 6). A category holds accounts of several
 * currencies, and sums never mix them, so a category monitor names one currency: its figure is
 * the sum of the figure (POSTED or AVAILABLE) of the category's members in that currency — nested
 * categories included, each account once — with the membership effective at the event's recorded
 * time as known at its position. Like an account monitor it is judged after each event that can
 * move that figure (an event of a member, or any membership change), in log order, and an alert
 * is recorded each time the condition flips.
 */
import type { Insertable } from 'kysely';
import { evolve, type AccountState } from '../domain/account.js';
import { CategoryNotFound, ValidationError } from '../domain/errors.js';
import { conditionHolds, figureOf, type MonitorCondition } from '../domain/monitors.js';
import { type Amount, formatAmount, parseCurrency, ZERO } from '../domain/money.js';
import { decodeAccountEvent } from '../events/catalogue.js';
import type { StoredEvent } from '../events/envelope.js';
import { accountCodeOf, accountStream, isAccountStream, isCategoryStream } from '../events/streams.js';
import { getCategory, membersAt } from '../ledger/categories.js';
import { loadAccount } from '../ledger/load.js';
import { breathe } from '../slices.js';
import type { Db } from '../store/db.js';
import type { BalanceAlertsTable, BalanceMonitorsTable } from '../store/schema.js';

/** A category monitor's currency: a known one (its scale fixes the threshold's). */
export function checkMonitorCurrency(currency: string | null | undefined): string {
  if (currency == null) throw new ValidationError('currency', 'a category monitor names the currency it sums');
  try {
    return parseCurrency(currency).code;
  } catch {
    throw new ValidationError('currency', `unknown currency ${JSON.stringify(currency.slice(0, 40))}`);
  }
}

/**
 * The category's figure after log position `position`: its members at `asOf` as known there,
 * in `currency`, each account's state as of that position (`states` caches them, already folded
 * to it by the caller, or loaded here).
 */
async function figureAt(
  db: Db,
  monitor: { category: string; currency: string; metric: MonitorCondition['metric'] },
  members: readonly string[],
  position: number,
  now: string,
  states: Map<string, AccountState>,
): Promise<Amount> {
  let sum: Amount = ZERO;
  for (const code of members) {
    let state = states.get(code);
    if (!state) {
      state = await loadAccount(db, code, { atVersion: await versionAt(db, code, position) });
      states.set(code, state);
    }
    if (state.exists && state.currency.code === monitor.currency) sum = sum.plus(figureOf(state, monitor.metric, now));
  }
  return sum;
}

/** The account stream's version at log position `position` (0: nothing yet). */
async function versionAt(db: Db, code: string, position: number): Promise<number> {
  const row = await db
    .selectFrom('events')
    .select((eb) => eb.fn.max('version').as('version'))
    .where('stream_id', '=', accountStream(code))
    .where('position', '<=', position)
    .executeTakeFirst();
  return Number(row?.version ?? 0);
}

/** Where a category monitor starts: whether its condition holds at the head of the log. */
export async function categoryStartingPoint(
  db: Db,
  category: string,
  condition: MonitorCondition,
  currency: string,
  head: number,
  now: string,
): Promise<boolean> {
  if (!(await getCategory(db, category))) throw new CategoryNotFound(category);
  const members = await membersAt(db, category, now, head);
  const figure = await figureAt(db, { category, currency, metric: condition.metric }, members, head, now, new Map());
  return conditionHolds(condition, figure);
}

/**
 * Judges the active category monitors over a batch of events (in log order): the alerts they
 * raise, in order, and each flipped monitor's last flag. The monitors' `holds` are updated in place.
 */
export async function judgeCategoryMonitors(
  trx: Db,
  monitors: BalanceMonitorsTable[],
  events: readonly StoredEvent[],
): Promise<Insertable<BalanceAlertsTable>[]> {
  const alerts: Insertable<BalanceAlertsTable>[] = [];
  if (monitors.length === 0) return alerts;
  // Account states as of the event being judged: loaded when first needed, then folded forward.
  const states = new Map<string, AccountState>();
  // Members per monitor, for one recorded time; a membership change or a new commit reads them again.
  let members = new Map<string, string[]>();
  let membersAsOf = '';
  for (const stored of events) {
    await breathe();
    const onCategory = isCategoryStream(stored.streamId);
    if (!onCategory && !isAccountStream(stored.streamId)) continue;
    let touched: string | null = null;
    if (!onCategory) {
      touched = accountCodeOf(stored.streamId);
      const state = states.get(touched);
      if (state) states.set(touched, evolve(state, decodeAccountEvent(stored)));
    }
    if (onCategory || stored.recordedAt !== membersAsOf) {
      members = new Map();
      membersAsOf = stored.recordedAt;
    }
    for (const monitor of monitors) {
      if (stored.position <= Number(monitor.after_position)) continue;
      const category = monitor.category_code!;
      let codes = members.get(category);
      if (!codes) {
        codes = await membersAt(trx, category, stored.recordedAt, stored.position);
        members.set(category, codes);
      }
      if (touched !== null && !codes.includes(touched)) continue;
      const currency = monitor.currency!;
      const figure = await figureAt(
        trx,
        { category, currency, metric: monitor.metric },
        codes,
        stored.position,
        stored.recordedAt,
        states,
      );
      const holds = conditionHolds(monitor, figure) ? 1 : 0;
      if (holds === Number(monitor.holds)) continue;
      monitor.holds = holds;
      alerts.push({
        monitor_id: monitor.id,
        account_code: category,
        category_code: category,
        holds,
        figure: formatAmount(figure, parseCurrency(currency).scale),
        event_position: stored.position,
        effective_at: stored.effectiveAt,
        recorded_at: stored.recordedAt,
      });
    }
  }
  return alerts;
}
