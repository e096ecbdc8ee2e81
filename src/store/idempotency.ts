/** Idempotency records: written in the same transaction as the events they answer for. */
import type { Db } from './db.js';

export interface IdempotencyRecord {
  key: string;
  command: string;
  fingerprint: string;
  result: string;
  position: number;
}

export async function findIdempotency(db: Db, key: string): Promise<IdempotencyRecord | undefined> {
  const row = await db.selectFrom('idempotency').select(['key', 'command', 'fingerprint', 'result', 'position']).where('key', '=', key).executeTakeFirst();
  return row && { ...row, position: Number(row.position) };
}

export async function saveIdempotency(trx: Db, record: IdempotencyRecord, createdAt: string): Promise<void> {
  await trx.insertInto('idempotency').values({ ...record, created_at: createdAt }).execute();
}
