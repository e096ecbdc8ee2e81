/** The api_keys table: rows in, rows out. Rules live in src/auth/api-keys.ts. */
import { chunks, ROWS_PER_STATEMENT } from './chunks.js';
import type { Db } from './db.js';
import type { ApiKeysTable } from './schema.js';

export type ApiKeyRow = ApiKeysTable;

export async function findKeyByHash(db: Db, keyHash: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
}

export async function findKeyByName(db: Db, name: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function insertKey(trx: Db, row: ApiKeyRow): Promise<void> {
  await trx.insertInto('api_keys').values(row).execute();
}

export async function setKeyPrefix(db: Db, name: string, keyPrefix: string): Promise<void> {
  await db.updateTable('api_keys').set({ key_prefix: keyPrefix }).where('name', '=', name).execute();
}

export async function markRevoked(trx: Db, name: string, revokedAt: string, revokedBy: string): Promise<void> {
  await trx
    .updateTable('api_keys')
    .set({ revoked_at: revokedAt, revoked_by: revokedBy })
    .where('name', '=', name)
    .where('revoked_at', 'is', null)
    .execute();
}

/** In name order, after `afterName`. */
export async function listKeys(db: Db, options: { afterName: string | null; limit: number }): Promise<ApiKeyRow[]> {
  let query = db.selectFrom('api_keys').selectAll().orderBy('name').limit(options.limit);
  if (options.afterName !== null) query = query.where('name', '>', options.afterName);
  return query.execute();
}

export async function countKeys(db: Db): Promise<number> {
  const row = await db
    .selectFrom('api_keys')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** What can end an open stream: whether each named key is revoked, and when it expires. */
export type KeyStateRow = Pick<ApiKeyRow, 'name' | 'revoked_at' | 'expires_at'>;

/** The revocation and expiry of the named keys (one indexed read per chunk of names). */
export async function keyStates(db: Db, names: readonly string[]): Promise<KeyStateRow[]> {
  const rows: KeyStateRow[] = [];
  for (const slice of chunks(names, ROWS_PER_STATEMENT)) {
    rows.push(
      ...(await db
        .selectFrom('api_keys')
        .select(['name', 'revoked_at', 'expires_at'])
        .where('name', 'in', slice)
        .execute()),
    );
  }
  return rows;
}
