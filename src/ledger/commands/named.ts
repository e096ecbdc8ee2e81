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
 * Every account a hold touches, in the order of its legs. A pending hold's row keeps every leg,
 * a leg captured in full at zero (GraphQL leaves those out of `entries`), so no read is needed.
 */
export function holdAccounts(hold: TransactionView): string[] {
  return [...new Set(hold.legs.map((leg) => leg.account))];
}
