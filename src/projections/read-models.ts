/**
 * The read models (accounts, transactions, entries) as pure functions of events and the
 * account state they lead to, written in the append transaction (projectIn), and by rebuild
 * through the same path, so the two cannot drift.
 */
import { balanceOf, type AccountEvent, type OpenedAccount } from '../domain/account.js';
import { canonicalJson } from '../domain/json.js';
import { formatAmount } from '../domain/money.js';
import { accountCodeOf } from '../events/streams.js';
import type { StoredEvent } from '../events/envelope.js';
import type { Db } from '../store/db.js';
import type { AccountsTable, EntriesTable, TransactionsTable } from '../store/schema.js';

export interface DecodedEvent {
  stored: StoredEvent;
  event: AccountEvent;
}

export interface ReadModelRows {
  accounts: Map<string, AccountsTable>;
  transactions: TransactionsTable[];
  entries: EntriesTable[];
}

export function emptyRows(): ReadModelRows {
  return { accounts: new Map(), transactions: [], entries: [] };
}

/**
 * Adds what one event changes in the read models. `stateAfter` is the account's state
 * once this event is folded; `seenTransactions` makes a transaction's row come from its
 * first event in log order (its lowest position). `late` classifies the posting for as-of
 * queries (see as-of-index.ts).
 */
export function addEvent(rows: ReadModelRows, { stored, event }: DecodedEvent, stateAfter: OpenedAccount, seenTransactions: Set<string>, late: boolean): void {
  const code = accountCodeOf(stored.streamId);
  rows.accounts.set(code, accountRow(stateAfter, stored.position));
  if (event.type !== 'TransactionPosted') return;
  const record = event.data;
  if (!seenTransactions.has(record.transactionId)) {
    seenTransactions.add(record.transactionId);
    rows.transactions.push({
      id: record.transactionId,
      idempotency_key: record.idempotencyKey,
      status: 'POSTED',
      effective_at: stored.effectiveAt,
      recorded_at: stored.recordedAt,
      description: record.description,
      metadata: record.metadata === null ? null : canonicalJson(record.metadata),
      legs: canonicalJson(record.legs),
      position: stored.position,
      reverses: record.reverses,
    });
  }
  record.legs.forEach((leg, legIndex) => {
    if (leg.account !== code) return;
    rows.entries.push({
      position: stored.position,
      leg_index: legIndex,
      account_code: code,
      account_version: stored.version,
      transaction_id: record.transactionId,
      direction: leg.direction,
      amount: leg.amount,
      currency: leg.currency,
      effective_at: stored.effectiveAt,
      recorded_at: stored.recordedAt,
      late: late ? 1 : 0,
    });
  });
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

/** Writes the rows inside the caller's transaction (accounts are upserted). */
export async function writeRows(trx: Db, rows: ReadModelRows): Promise<void> {
  for (const account of rows.accounts.values()) {
    const { code, ...rest } = account;
    await trx
      .insertInto('accounts')
      .values(account)
      .onConflict((oc) => oc.column('code').doUpdateSet(rest))
      .execute();
  }
  for (let i = 0; i < rows.transactions.length; i += CHUNK) {
    await trx.insertInto('transactions').values(rows.transactions.slice(i, i + CHUNK)).execute();
  }
  for (let i = 0; i < rows.entries.length; i += CHUNK) {
    await trx.insertInto('entries').values(rows.entries.slice(i, i + CHUNK)).execute();
  }

}
