/** Loading the transaction a command names (reverse, commit, adjust, void), before it is queued. */
import { HoldExpired, HoldNotPending, TransactionNotFound, ValidationError } from '../../domain/errors.js';
import type { Db } from '../../store/db.js';
import { isUuid } from '../ids.js';
import { getTransaction, type TransactionView } from '../queries.js';

export async function transactionById(db: Db, id: string): Promise<TransactionView> {
  if (!isUuid(id)) throw new ValidationError('transactionId', 'not a transaction id (a UUID)');
  const transaction = await getTransaction(db, id);
  if (!transaction) throw new TransactionNotFound(id);
  return transaction;
}

/** A hold still open: an expired one (the sweeper recorded it) is HoldExpired, a settled one HoldNotPending. */
export async function pendingHold(db: Db, id: string): Promise<TransactionView> {
  const hold = await transactionById(db, id);
  if (hold.status === 'EXPIRED') throw new HoldExpired(id, hold.expiresAt!);
  if (hold.status !== 'PENDING') throw new HoldNotPending(id, hold.status.toLowerCase());
  return hold;
}

/**
 * Every account a hold touches, in the order of its legs: those it still holds on first, then
 * any whose legs were captured in full (the transaction shows only what is still held).
 */
export async function holdAccounts(db: Db, hold: TransactionView): Promise<string[]> {
  const rows = await db.selectFrom('holds').select('account_code').where('transaction_id', '=', hold.id).execute();
  const others = rows.map((row) => row.account_code).sort();
  return [...new Set([...hold.legs.map((leg) => leg.account), ...others])];
}
