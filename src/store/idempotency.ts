/** Idempotency records: written in the same transaction as the events they answer for. */
import type { Db } from './db.js';

export interface IdempotencyRecord {
  key: string;
  command: string;
  fingerprint: string;
  result: string;
  position: number;
}

/** Keys per statement: well under every dialect's limit on bound parameters. */
const CHUNK = 500;

export async function findIdempotency(db: Db, key: string): Promise<IdempotencyRecord | undefined> {
  return (await findIdempotencies(db, [key]))[0];
}

export async function findIdempotencies(db: Db, keys: string[]): Promise<IdempotencyRecord[]> {
  const found: IdempotencyRecord[] = [];
  for (let i = 0; i < keys.length; i += CHUNK) {
    const rows = await db
      .selectFrom('idempotency')
      .select(['key', 'command', 'fingerprint', 'result', 'position'])
      .where('key', 'in', keys.slice(i, i + CHUNK))
      .execute();
    for (const row of rows) found.push({ ...row, position: Number(row.position) });
  }
  return found;
}

export async function saveIdempotencies(
  trx: Db,
  records: Array<IdempotencyRecord & { createdAt: string }>,
): Promise<void> {
  for (let i = 0; i < records.length; i += CHUNK) {
    await trx
      .insertInto('idempotency')
      .values(records.slice(i, i + CHUNK).map(({ createdAt, ...record }) => ({ ...record, created_at: createdAt })))
      .execute();
  }
}
