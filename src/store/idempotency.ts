/** Idempotency records: written in the same transaction as the events they answer for. */
import type { Db } from './db.js';
import { chunks, ROWS_PER_STATEMENT } from './chunks.js';

export interface IdempotencyRecord {
  key: string;
  command: string;
  fingerprint: string;
  result: string;
  position: number;
}

export async function findIdempotency(db: Db, key: string): Promise<IdempotencyRecord | undefined> {
  return (await findIdempotencies(db, [key]))[0];
}

export async function findIdempotencies(db: Db, keys: string[]): Promise<IdempotencyRecord[]> {
  const found: IdempotencyRecord[] = [];
  for (const chunk of chunks(keys, ROWS_PER_STATEMENT)) {
    const rows = await db
      .selectFrom('idempotency')
      .select(['key', 'command', 'fingerprint', 'result', 'position'])
      .where('key', 'in', chunk)
      .execute();
    for (const row of rows) found.push({ ...row, position: Number(row.position) });
  }
  return found;
}

export async function saveIdempotencies(
  trx: Db,
  records: Array<IdempotencyRecord & { createdAt: string }>,
): Promise<void> {
  for (const chunk of chunks(records, ROWS_PER_STATEMENT)) {
    await trx
      .insertInto('idempotency')
      .values(chunk.map(({ createdAt, ...record }) => ({ ...record, created_at: createdAt })))
      .execute();
  }
}
