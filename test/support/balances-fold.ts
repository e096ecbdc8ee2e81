/**
 * The brute force the balance property tests are checked against: the event log up to a position
 * folded into every account's debits and credits effective by a time, with no read model, index,
 * checkpoint or snapshot (test/property/aggregate, categories and metadata).
 */
import {
  normalSide,
  postedLegs,
  type AccountEvent,
  type AccountStatus,
  type AccountType,
} from '../../src/domain/account.js';
import { type Amount, ZERO } from '../../src/domain/money.js';
import { decodeEvent, type LedgerEvent } from '../../src/events/catalogue.js';
import type { StoredEvent } from '../../src/events/envelope.js';
import { accountCodeOf, isAccountStream } from '../../src/events/streams.js';
import type { Db } from '../../src/store/db.js';
import { readLog } from '../../src/store/event-store.js';

/** The events that change an account's status, and the status each leaves. */
const STATUS_AFTER: Partial<Record<AccountEvent['type'], AccountStatus>> = {
  AccountFrozen: 'FROZEN',
  AccountUnfrozen: 'OPEN',
  AccountClosed: 'CLOSED',
};

export interface FoldedAccount {
  code: string;
  type: AccountType;
  currency: string;
  /** The effective time of its opening: a fold at an earlier asOf still lists it. */
  openedAt: string;
  /** As the log has it at the position (a status has no effective time: it holds from when it is recorded). */
  status: AccountStatus;
  debits: Amount;
  credits: Amount;
}

/**
 * Every account the log knew at `atPosition`, with the legs it took effective at or before `asOf`.
 * `visit` sees every event up to `atPosition` too, for what else a test folds in the same pass.
 */
export async function foldBalances(
  db: Db,
  asOf: string,
  atPosition: number,
  visit?: (stored: StoredEvent, event: LedgerEvent) => void,
): Promise<Map<string, FoldedAccount>> {
  const accounts = new Map<string, FoldedAccount>();
  for await (const stored of readLog(db, 0)) {
    if (stored.position > atPosition) break;
    const event = decodeEvent(stored);
    visit?.(stored, event);
    if (!isAccountStream(stored.streamId)) continue;
    const code = accountCodeOf(stored.streamId);
    const accountEvent = event as AccountEvent;
    if (accountEvent.type === 'AccountOpened')
      accounts.set(code, {
        code,
        type: accountEvent.data.type,
        currency: accountEvent.data.currency,
        openedAt: stored.effectiveAt,
        status: 'OPEN',
        debits: ZERO,
        credits: ZERO,
      });
    const status = STATUS_AFTER[accountEvent.type];
    if (status) accounts.get(code)!.status = status;
    if (stored.effectiveAt > asOf) continue;
    for (const leg of postedLegs(accountEvent) ?? []) {
      if (leg.account !== code) continue;
      const account = accounts.get(code)!;
      if (leg.direction === 'DEBIT') account.debits = account.debits.plus(leg.amount);
      else account.credits = account.credits.plus(leg.amount);
    }
  }
  return accounts;
}

/** The posted balance, signed on the account's normal side (ASSET, EXPENSE: debit; the others: credit). */
export function postedBalance(account: FoldedAccount): Amount {
  return normalSide(account.type) === 'DEBIT'
    ? account.debits.minus(account.credits)
    : account.credits.minus(account.debits);
}
