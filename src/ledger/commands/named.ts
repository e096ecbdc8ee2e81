/** Loading the transaction a command names (reverse, commit, void), before it is queued. */
import { HoldNotPending, TransactionNotFound, ValidationError } from '../../domain/errors.js';
import type { Db } from '../../store/db.js';
import { isUuid } from '../ids.js';
import { getTransaction, type TransactionView } from '../queries.js';

export async function transactionById(db: Db, id: string): Promise<TransactionView> {
  if (!isUuid(id)) throw new ValidationError('transactionId', 'not a transaction id (a UUID)');
  const transaction = await getTransaction(db, id);
  if (!transaction) throw new TransactionNotFound(id);
  return transaction;
}

export async function pendingHold(db: Db, id: string): Promise<TransactionView> {
  const hold = await transactionById(db, id);
  if (hold.status !== 'PENDING') throw new HoldNotPending(id, hold.status.toLowerCase());
  return hold;
}
