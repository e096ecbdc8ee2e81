/**
 * The query side: reads from the read models (and the log for events), with keyset
 * pagination. Every list takes `limit` and returns up to limit + 1 rows so the caller
 * knows whether another page exists.
 */
import type { Exchange } from '../domain/exchanges.js';
import type { AccountState, AccountType, Leg, Later, OpenedAccount } from '../domain/account.js';
import { signedOnNormalSide } from '../domain/account.js';
import type { JsonObject } from '../domain/json.js';
import { Amount, ZERO, formatAmount, parseCurrency } from '../domain/money.js';
import { decodeAccountEvent, decodeEvent, type LedgerEvent } from '../events/catalogue.js';
import type { EventMetadata, StoredEvent } from '../events/envelope.js';
import { accountStream } from '../events/streams.js';
import type { Db } from '../store/db.js';
import { fromRow } from '../store/event-store.js';
import type { ExpressionBuilder, Selectable } from 'kysely';
import type { AccountsTable, EntriesTable, Schema, TransactionsTable } from '../store/schema.js';
import { chunks, ROWS_PER_STATEMENT } from '../store/chunks.js';

export interface AccountView {
  code: string;
  name: string;
  type: AccountType;
  currency: string;
  scale: number;
  status: 'OPEN' | 'FROZEN' | 'CLOSED';
  minimumBalance: string | null;
  metadata: JsonObject | null;
  openedAt: string;
  balance: string;
  debits: string;
  credits: string;
  version: number;
  /** The log position this row reflects: the account's last event. */
  lastPosition: number;
}

export interface TransactionView {
  id: string;
  idempotencyKey: string;
  /**
   * PENDING: a hold, reserving until committed (then POSTED), voided (VOIDED) or expired (EXPIRED
   * once the sweeper recorded it; before that, a PENDING hold past its expiresAt reads EXPIRED).
   */
  status: 'POSTED' | 'PENDING' | 'VOIDED' | 'EXPIRED';
  /** A hold's expiry, or null. */
  expiresAt: string | null;
  effectiveAt: string;
  recordedAt: string;
  description: string | null;
  metadata: JsonObject | null;
  legs: Leg[];
  /** The conversions it made ([]: none). */
  exchanges: Exchange[];
  position: number;
  /** The transaction this one reverses, or null. */
  reverses: string | null;
}

export interface EntryView {
  position: number;
  legIndex: number;
  accountCode: string;
  accountVersion: number;
  transactionId: string;
  direction: 'DEBIT' | 'CREDIT';
  amount: string;
  currency: string;
  effectiveAt: string;
  recordedAt: string;
}

export interface EventView {
  stored: StoredEvent;
  /** An account's event, or (in the audit trail) one of the books'. */
  event: LedgerEvent;
  metadata: EventMetadata;
}

export interface BalanceView {
  posted: string;
  /** Cumulative debits and credits (volumes) counted in `posted`, at the currency's scale. */
  debits: string;
  credits: string;
  currency: string;
  version: number;
}

export function toAccountView(row: AccountsTable): AccountView {
  return {
    code: row.code,
    name: row.name,
    type: row.type,
    currency: row.currency,
    scale: parseCurrency(row.currency).scale,
    status: row.status,
    minimumBalance: row.minimum_balance,
    metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as JsonObject),
    openedAt: row.opened_at,
    balance: row.balance,
    debits: row.debits,
    credits: row.credits,
    version: Number(row.version),
    lastPosition: Number(row.last_position),
  };
}

export async function getAccounts(db: Db, codes: readonly string[]): Promise<Map<string, AccountView>> {
  if (codes.length === 0) return new Map();
  const rows = await db
    .selectFrom('accounts')
    .selectAll()
    .where('code', 'in', [...codes])
    .execute();
  return new Map(rows.map((row) => [row.code, toAccountView(row)]));
}

/** Accounts at a code or below it: ":" sorts just before ";", so this is an index range. */
export function codeAtOrBelow(prefix: string) {
  return (eb: ExpressionBuilder<Schema, 'accounts'>) =>
    eb.or([eb('code', '=', prefix), eb.and([eb('code', '>=', `${prefix}:`), eb('code', '<', `${prefix};`)])]);
}

/** Entries after a leg in log order: a later position, or a later leg of the same one (a keyset page). */
export function entriesAfter(leg: { position: number; legIndex: number }) {
  return (eb: ExpressionBuilder<Schema, 'entries'>) =>
    eb.or([
      eb('position', '>', leg.position),
      eb.and([eb('position', '=', leg.position), eb('leg_index', '>', leg.legIndex)]),
    ]);
}

export async function listAccounts(
  db: Db,
  options: { afterCode?: string; limit: number; prefix?: string | null; type?: AccountType | null },
): Promise<AccountView[]> {
  let query = db.selectFrom('accounts').selectAll();
  if (options.afterCode !== undefined) query = query.where('code', '>', options.afterCode);
  if (options.type) query = query.where('type', '=', options.type);
  if (options.prefix) query = query.where(codeAtOrBelow(options.prefix));
  const rows = await query
    .orderBy('code')
    .limit(options.limit + 1)
    .execute();
  return rows.map(toAccountView);
}

export async function getTransaction(db: Db, id: string): Promise<TransactionView | null> {
  return (await getTransactions(db, [id])).get(id) ?? null;
}

/** Transactions by id, a few hundred per statement (a batch's results load at once). */
export async function getTransactions(db: Db, ids: readonly string[]): Promise<Map<string, TransactionView>> {
  const found = new Map<string, TransactionView>();
  for (const chunk of chunks(ids, ROWS_PER_STATEMENT)) {
    const rows = await db.selectFrom('transactions').selectAll().where('id', 'in', chunk).execute();
    for (const row of rows) found.set(row.id, toTransactionView(row));
  }
  return found;
}

export function toTransactionView(row: Selectable<TransactionsTable>): TransactionView {
  return {
    id: row.id,
    idempotencyKey: row.idempotency_key,
    status: row.status,
    expiresAt: row.expires_at,
    effectiveAt: row.effective_at,
    recordedAt: row.recorded_at,
    description: row.description,
    metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as JsonObject),
    legs: JSON.parse(row.legs) as Leg[],
    exchanges: row.exchanges == null ? [] : (JSON.parse(row.exchanges) as Exchange[]),
    position: Number(row.position),
    reverses: row.reverses,
  };
}

/**
 * Per bounded account: how much of its balance cannot be spent now because it arrives later, and
 * how far it stands above its balance until outflows dated later leave. The balance counts every
 * posting, some effective after `now`; what can go today is the lowest the balance will be at any
 * instant from now on, so `notYetAvailable` is the future postings' total less their lowest
 * running sum (never above zero); what can come in is bounded by the highest it will be, so
 * `notYetGone` is their highest running sum (never below zero) less their total. Only entries the
 * loaded state includes count (a later one makes the append conflict anyway).
 */
export async function notYetAvailableOf(
  db: Db,
  states: ReadonlyMap<string, AccountState>,
  now: string,
  pending: Iterable<EntriesTable> = [],
): Promise<Map<string, Later>> {
  const bounded = [...states.values()].filter(
    (s): s is OpenedAccount => s.exists && (s.minimumBalance !== null || s.maximumBalance !== null),
  );
  const result = new Map<string, Later>();
  if (bounded.length === 0) return result;
  const codes = bounded.map((s) => s.code);
  const stored = await db
    .selectFrom('entries')
    .select(['account_code', 'account_version', 'direction', 'amount', 'effective_at', 'position', 'leg_index'])
    .where('account_code', 'in', codes)
    .where('effective_at', '>', now)
    .execute();
  // With the entries of this transaction not yet written (a group commit writes them at its end),
  // and those of a group committing meanwhile (pipelined), which the read may already have seen.
  const seen = new Set(stored.map((e) => `${e.position}.${e.leg_index}`));
  const unwritten = [...pending].filter(
    (e) => e.effective_at > now && codes.includes(e.account_code) && !seen.has(`${e.position}.${e.leg_index}`),
  );
  const rows = [...stored, ...unwritten].sort((a, b) =>
    a.effective_at < b.effective_at
      ? -1
      : a.effective_at > b.effective_at
        ? 1
        : Number(a.position) - Number(b.position) || a.leg_index - b.leg_index,
  );
  for (const state of bounded) {
    let running = ZERO;
    let lowest = ZERO;
    let highest = ZERO;
    for (const row of rows) {
      if (row.account_code !== state.code || Number(row.account_version) > state.version) continue;
      running = running.plus(signedOnNormalSide(state.type, { direction: row.direction, amount: row.amount }));
      lowest = Amount.min(lowest, running);
      highest = Amount.max(highest, running);
    }
    if (!running.isZero() || !lowest.isZero() || !highest.isZero())
      result.set(state.code, { notYetAvailable: running.minus(lowest), notYetGone: highest.minus(running) });
  }
  return result;
}

/** What the account's live holds reserve at `now` (an outflow on its normal side), at its scale. */
export async function pendingOf(db: Db, account: AccountView, now: string): Promise<string> {
  return (await pendingsOf(db, [account], now)).get(account.code)!;
}

/** What live holds reserve on each account now (an expired hold reserves nothing). */
export async function pendingsOf(db: Db, accounts: readonly AccountView[], now: string): Promise<Map<string, string>> {
  const totals = new Map(accounts.map((a) => [a.code, ZERO]));
  for (const chunk of chunks([...totals.keys()], ROWS_PER_STATEMENT)) {
    const rows = await db
      .selectFrom('holds')
      .select(['account_code', 'reserved', 'expires_at'])
      .where('account_code', 'in', chunk)
      .execute();
    for (const r of rows)
      if (r.expires_at === null || r.expires_at > now)
        totals.set(r.account_code, totals.get(r.account_code)!.plus(r.reserved));
  }
  return new Map(accounts.map((a) => [a.code, formatAmount(totals.get(a.code)!, a.scale)]));
}

/** The id of the transaction that reverses this one, if any. */
export async function reversalOf(db: Db, id: string): Promise<string | null> {
  const row = await db.selectFrom('transactions').select('id').where('reverses', '=', id).executeTakeFirst();
  return row?.id ?? null;
}

/**
 * Entries of an account in the order the ledger recorded them. `from`/`to` bound the
 * effective time as [from, to); `knownAt` hides what was recorded later.
 */
export async function listEntries(
  db: Db,
  code: string,
  options: {
    after?: { position: number; legIndex: number };
    limit: number;
    from?: string | null;
    to?: string | null;
    knownAt?: string | null;
  },
): Promise<EntryView[]> {
  let query = db.selectFrom('entries').selectAll().where('account_code', '=', code);
  const after = options.after;
  if (after) query = query.where(entriesAfter(after));
  if (options.from) query = query.where('effective_at', '>=', options.from);
  if (options.to) query = query.where('effective_at', '<', options.to);
  if (options.knownAt) query = query.where('recorded_at', '<=', options.knownAt);
  const rows = await query
    .orderBy('position')
    .orderBy('leg_index')
    .limit(options.limit + 1)
    .execute();
  return rows.map(toEntryView);
}

export function toEntryView(row: Selectable<EntriesTable>): EntryView {
  return {
    position: Number(row.position),
    legIndex: Number(row.leg_index),
    accountCode: row.account_code,
    accountVersion: Number(row.account_version),
    transactionId: row.transaction_id,
    direction: row.direction,
    amount: row.amount,
    currency: row.currency,
    effectiveAt: row.effective_at,
    recordedAt: row.recorded_at,
  };
}

/** An account's own events, decoded to their current shape, in version order. */
export async function listEvents(
  db: Db,
  code: string,
  options: { afterVersion?: number; limit: number },
): Promise<EventView[]> {
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('stream_id', '=', accountStream(code))
    .where('version', '>', options.afterVersion ?? 0)
    .orderBy('version')
    .limit(options.limit + 1)
    .execute();
  return rows.map((row) => eventView(fromRow(row), decodeAccountEvent));
}

/** A stored event as the API shows it: decoded to its current shape, metadata parsed. */
export function eventView(stored: StoredEvent, decode: (stored: StoredEvent) => LedgerEvent = decodeEvent): EventView {
  return { stored, event: decode(stored), metadata: JSON.parse(stored.metadata) as EventMetadata };
}

/**
 * The posted balance effective now, as known now: the read model's balance less the few
 * entries already recorded with an effective time still in the future.
 */
export async function currentBalance(db: Db, account: AccountView, now: string): Promise<BalanceView> {
  return (await currentBalances(db, [account], now)).get(account.code)!;
}

/**
 * The balances of accounts effective now, from their rows less what is effective later, in one
 * statement per few hundred accounts. Only what each row includes: an entry committed after the
 * row was read is in neither.
 */
export async function currentBalances(
  db: Db,
  accounts: readonly AccountView[],
  now: string,
): Promise<Map<string, BalanceView>> {
  const sums = new Map(
    accounts.map((a) => [
      a.code,
      { account: a, posted: new Amount(a.balance), debits: new Amount(a.debits), credits: new Amount(a.credits) },
    ]),
  );
  for (const chunk of chunks([...sums.keys()], ROWS_PER_STATEMENT)) {
    const future = await db
      .selectFrom('entries')
      .select(['account_code', 'direction', 'amount', 'position'])
      .where('account_code', 'in', chunk)
      .where('effective_at', '>', now)
      .execute();
    for (const row of future) {
      const sum = sums.get(row.account_code)!;
      if (Number(row.position) > sum.account.lastPosition) continue;
      sum.posted = sum.posted.minus(signedOnNormalSide(sum.account.type, row));
      if (row.direction === 'DEBIT') sum.debits = sum.debits.minus(row.amount);
      else sum.credits = sum.credits.minus(row.amount);
    }
  }
  const balances = new Map<string, BalanceView>();
  for (const [code, { account, posted, debits, credits }] of sums) {
    const scaled = (value: Amount) => formatAmount(value, account.scale);
    balances.set(code, {
      posted: scaled(posted),
      debits: scaled(debits),
      credits: scaled(credits),
      currency: account.currency,
      version: account.version,
    });
  }
  return balances;
}

export { balanceAt, balanceAtPosition, positionKnownAt } from './as-of.js';
