/**
 * The read models (accounts, transactions, entries) as pure functions of events and the
 * account state they lead to, written in the append transaction (projectIn), and by rebuild
 * through the same path, so the two cannot drift.
 */
import {
  balanceOf,
  postedLegs,
  type AccountEvent,
  type Leg,
  type OpenedAccount,
  type TransactionRecord,
} from '../domain/account.js';
import { canonicalJson } from '../domain/json.js';
import { formatAmount } from '../domain/money.js';
import { accountCodeOf } from '../events/streams.js';
import type { StoredEvent } from '../events/envelope.js';
import type { Db } from '../store/db.js';
import type { AccountsTable, EntriesTable, HoldsTable, TransactionsTable } from '../store/schema.js';

export interface DecodedEvent {
  stored: StoredEvent;
  event: AccountEvent;
}

export interface ReadModelRows {
  accounts: Map<string, AccountsTable>;
  transactions: TransactionsTable[];
  /** Changes to transaction rows already written (a hold committed or voided), applied after the inserts. */
  transactionUpdates: Map<string, Partial<TransactionsTable>>;
  entries: EntriesTable[];
  /** Open holds by "transaction/account": a row to write, or null to delete it. */
  holds: Map<string, { transaction_id: string; account_code: string; row: HoldsTable | null }>;
  /** Per hold, the last of its events taken in (what it was, and its position): see firstOfCommand. */
  lastHoldEvent: Map<string, { key: string; position: number }>;
}

export function emptyRows(): ReadModelRows {
  return {
    accounts: new Map(),
    transactions: [],
    transactionUpdates: new Map(),
    entries: [],
    holds: new Map(),
    lastHoldEvent: new Map(),
  };
}

/**
 * Adds what one event changes in the read models. `stateAfter` is the account's state
 * once this event is folded; `seenTransactions` makes a transaction's row come from its
 * first event in log order (its lowest position). `late` classifies the posting for as-of
 * queries (see as-of-index.ts).
 */
export function addEvent(
  rows: ReadModelRows,
  { stored, event }: DecodedEvent,
  stateAfter: OpenedAccount,
  seenTransactions: Set<string>,
  late: boolean,
): void {
  const code = accountCodeOf(stored.streamId);
  rows.accounts.set(code, accountRow(stateAfter, stored.position));
  // A transaction's row comes from its first event in log order; `seen` is keyed by event type too,
  // as a hold's placement and its commit (or void) are separate commits of the same transaction.
  const first = (id: string) => {
    const key = `${event.type}/${id}`;
    if (seenTransactions.has(key)) return false;
    seenTransactions.add(key);
    return true;
  };
  if (event.type === 'HoldPlaced' || event.type === 'TransactionPosted') {
    const record = event.data;
    const hold = event.type === 'HoldPlaced' ? event.data : null;
    if (first(record.transactionId))
      rows.transactions.push(transactionRow(stored, record, hold?.expiresAt ?? null, hold !== null));
    if (hold) {
      holdRow(rows, hold.transactionId, code, stateAfter);
      return;
    }
  }
  if (isSettlement(event)) {
    const id = event.data.transactionId;
    holdRow(rows, id, code, stateAfter);
    // Every account's event of one command carries the same data: its first one changes the row.
    if (firstOfCommand(rows, event, stored.position))
      updateTransaction(rows, id, holdChange(event, stored, stateAfter));
  }
  // Each account's copy carries the whole metadata after the change: the last one in log order wins.
  if (event.type === 'TransactionMetadataUpdated') {
    const { transactionId, metadata } = event.data;
    updateTransaction(rows, transactionId, { metadata: metadata === null ? null : canonicalJson(metadata) });
  }
  rows.entries.push(...entryRows(stored, event, code, late));
}

type Settlement = Extract<AccountEvent, { type: 'HoldCommitted' | 'HoldVoided' | 'HoldAdjusted' | 'HoldExpired' }>;

function isSettlement(event: AccountEvent): event is Settlement {
  return (
    event.type === 'HoldCommitted' ||
    event.type === 'HoldVoided' ||
    event.type === 'HoldAdjusted' ||
    event.type === 'HoldExpired'
  );
}

/**
 * Whether this is the first event of its command: one command writes the same event to each of
 * the hold's accounts, at consecutive positions (its streams are sealed together), so an event
 * just after one alike of the same hold is the same command's. Two commands alike (raised, lowered,
 * raised again in one group) are at positions further apart and both change the row.
 */
function firstOfCommand(rows: ReadModelRows, event: Settlement, position: number): boolean {
  const key = `${event.type}/${canonicalJson(event.data)}`;
  const last = rows.lastHoldEvent.get(event.data.transactionId);
  rows.lastHoldEvent.set(event.data.transactionId, { key, position });
  return !(last && last.key === key && last.position === position - 1);
}

/**
 * What a hold's event changes in its transaction's row. While pending, the row shows what it
 * still holds, leg by leg; a final capture posts it (its legs the total of every capture, its times and log
 * position the final capture's); a void or an expiry settles it without posting more (as posted
 * when it was captured in part, otherwise VOIDED or EXPIRED).
 */
function holdChange(event: Settlement, stored: StoredEvent, stateAfter: OpenedAccount): Partial<TransactionsTable> {
  // Every leg, one captured in full at zero: the commands on the hold read its accounts from the row.
  const held = () => canonicalJson(stateAfter.holds[event.data.transactionId]!.legs);
  switch (event.type) {
    case 'HoldVoided':
    case 'HoldExpired':
      // Released: nothing captured, it is VOIDED or EXPIRED; captured in part, it posted that.
      if (event.data.captured.length === 0) return { status: event.type === 'HoldVoided' ? 'VOIDED' : 'EXPIRED' };
      return posted(event.data.captured, stored);
    case 'HoldAdjusted':
      return { legs: held() };
    case 'HoldCommitted':
      if (!event.data.final) return { legs: held() };
      return posted(event.data.captured, stored);
  }
}

/** A hold settled as posted: its legs what its captures posted, its times and position the settlement's. */
function posted(captured: readonly Leg[], stored: StoredEvent): Partial<TransactionsTable> {
  return {
    status: 'POSTED',
    legs: canonicalJson(captured),
    effective_at: stored.effectiveAt,
    recorded_at: stored.recordedAt,
    position: stored.position,
  };
}

/** The hold's row for this account: what it reserves now, or null once it is settled (deleted). */
function holdRow(rows: ReadModelRows, id: string, code: string, stateAfter: OpenedAccount): void {
  const hold = stateAfter.holds[id];
  const row = hold
    ? {
        transaction_id: id,
        account_code: code,
        reserved: formatAmount(hold.reserved, stateAfter.currency.scale),
        expires_at: hold.expiresAt,
      }
    : null;
  rows.holds.set(`${id}/${code}`, { transaction_id: id, account_code: code, row });
}

/** Changes to one transaction's row, merged with those of earlier events of the batch. */
function updateTransaction(rows: ReadModelRows, id: string, change: Partial<TransactionsTable>): void {
  rows.transactionUpdates.set(id, { ...rows.transactionUpdates.get(id), ...change });
}

/** A transaction's row, from the event that first names it (a posting, or a hold's placement). */
function transactionRow(
  stored: StoredEvent,
  record: TransactionRecord,
  expiresAt: string | null,
  pending: boolean,
): TransactionsTable {
  return {
    id: record.transactionId,
    idempotency_key: record.idempotencyKey,
    status: pending ? 'PENDING' : 'POSTED',
    effective_at: stored.effectiveAt,
    recorded_at: stored.recordedAt,
    description: record.description,
    metadata: record.metadata === null ? null : canonicalJson(record.metadata),
    legs: canonicalJson(record.legs),
    position: stored.position,
    first_position: stored.position,
    reverses: record.reverses,
    expires_at: expiresAt,
    exchanges: record.exchanges?.length ? canonicalJson(record.exchanges) : null,
  };
}

/** The entries an event posts to this account (none for a hold's placement or a void). */
function entryRows(stored: StoredEvent, event: AccountEvent, code: string, late: boolean): EntriesTable[] {
  const legs = postedLegs(event);
  if (legs === null) return [];
  const transactionId = (event.data as { transactionId: string }).transactionId;
  return legs.flatMap((leg, legIndex) =>
    leg.account !== code
      ? []
      : [
          {
            position: stored.position,
            leg_index: legIndex,
            account_code: code,
            account_version: stored.version,
            transaction_id: transactionId,
            direction: leg.direction,
            amount: leg.amount,
            currency: leg.currency,
            effective_at: stored.effectiveAt,
            recorded_at: stored.recordedAt,
            late: late ? 1 : 0,
          },
        ],
  );
}

export function accountRow(state: OpenedAccount, lastPosition: number): AccountsTable {
  const scale = state.currency.scale;
  return {
    code: state.code,
    name: state.name,
    type: state.type,
    currency: state.currency.code,
    status: state.status,
    minimum_balance: state.minimumBalance === null ? null : formatAmount(state.minimumBalance, scale),
    metadata: state.metadata === null ? null : canonicalJson(state.metadata),
    opened_at: state.openedAt,
    debits: formatAmount(state.debits, scale),
    credits: formatAmount(state.credits, scale),
    balance: formatAmount(balanceOf(state), scale),
    version: state.version,
    last_position: lastPosition,
  };
}

const CHUNK = 200;

/** Writes the rows inside the caller's transaction, a few rows per statement (accounts are upserted). */
export async function writeRows(trx: Db, rows: ReadModelRows): Promise<void> {
  const accounts = [...rows.accounts.values()];
  for (let i = 0; i < accounts.length; i += CHUNK) {
    await trx
      .insertInto('accounts')
      .values(accounts.slice(i, i + CHUNK))
      .onConflict((oc) =>
        oc
          .column('code')
          .doUpdateSet((eb) => Object.fromEntries(ACCOUNT_UPDATES.map((c) => [c, eb.ref(`excluded.${c}`)]))),
      )
      .execute();
  }
  for (let i = 0; i < rows.transactions.length; i += CHUNK) {
    await trx
      .insertInto('transactions')
      .values(rows.transactions.slice(i, i + CHUNK))
      .execute();
  }
  for (const [id, update] of rows.transactionUpdates)
    await trx.updateTable('transactions').set(update).where('id', '=', id).execute();
  for (let i = 0; i < rows.entries.length; i += CHUNK) {
    await trx
      .insertInto('entries')
      .values(rows.entries.slice(i, i + CHUNK))
      .execute();
  }
  for (const { transaction_id, account_code, row } of rows.holds.values()) {
    // A hold's row changes as it is adjusted or captured in part: upserted.
    if (row)
      await trx
        .insertInto('holds')
        .values(row)
        .onConflict((oc) => oc.columns(['transaction_id', 'account_code']).doUpdateSet({ reserved: row.reserved }))
        .execute();
    else
      await trx
        .deleteFrom('holds')
        .where('transaction_id', '=', transaction_id)
        .where('account_code', '=', account_code)
        .execute();
  }
}

/** Every column of an account row but its key: what an upsert replaces. */
const ACCOUNT_UPDATES = [
  'name',
  'type',
  'currency',
  'status',
  'minimum_balance',
  'metadata',
  'opened_at',
  'debits',
  'credits',
  'balance',
  'version',
  'last_position',
] as const satisfies ReadonlyArray<Exclude<keyof AccountsTable, 'code'>>;
