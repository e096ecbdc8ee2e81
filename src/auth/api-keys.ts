/**
 * API keys: creation (the secret is shown once, only its SHA-256 is kept), revocation
 * (effective at the next request: nothing is cached; on open streams within a second:
 * key-states.ts), authentication of a request's `Authorization: Bearer` header, and the
 * first admin key of a fresh database.
 *
 * A plain SHA-256 is enough: a generated secret carries 256 random bits, so there is
 * nothing to guess from its hash, and a lookup by hash costs one indexed read.
 */
import { createHash, randomBytes } from 'node:crypto';
import { checkKeyName, checkRole, ROLE_PERMISSIONS, type Permission, type Role } from '../domain/access.js';
import { ApiKeyAlreadyExists, ApiKeyNotFound, ValidationError } from '../domain/errors.js';
import {
  countKeys,
  findKeyByHash,
  findKeyByName,
  insertKey,
  listKeys,
  markRevoked,
  setKeyPrefix,
  type ApiKeyRow,
} from '../store/api-keys.js';
import type { Database, Db } from '../store/db.js';
import { existingLedgers } from '../store/ledgers.js';
import { checkLedgerName, DEFAULT_LEDGER } from '../domain/ledgers.js';

export interface ApiKey {
  name: string;
  role: Role;
  /**
   * Enough to tell keys apart: the first characters of a generated secret (its `ink_` marker
   * plus 6 random characters), or `own:` and the first hex digits of the SHA-256 of a secret
   * the operator brought: that secret has no marker, so any of its characters would be a part
   * of the secret itself.
   */
  prefix: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  /** The ledgers it may use (issue 24); null: every ledger. */
  ledgers: string[] | null;
}

/** The authenticated caller of one request. */
export interface Principal {
  /** The key's name: the `actor` of every event the request causes. */
  name: string;
  role: Role;
  permissions: ReadonlySet<Permission>;
  /** The ledgers it may use; null: every ledger. */
  ledgers: readonly string[] | null;
}

export type AuthFailure = 'missing' | 'malformed' | 'unknown' | 'revoked' | 'expired';

export type Authentication = { ok: true; principal: Principal } | { ok: false; failure: AuthFailure; message: string };

const SECRET_PREFIX = 'ink_';
const PREFIX_SHOWN = SECRET_PREFIX.length + 6;
/** What a Bearer token may look like at all; anything else is refused before a lookup. */
const TOKEN = /^[\x21-\x7e]{1,256}$/;
/** A key an operator brings (INKWELL_ADMIN_KEY): long enough not to be guessed. */
const BROUGHT_SECRET = /^[\x21-\x7e]{32,256}$/;

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** The prefix kept and shown for a secret (see ApiKey.prefix). */
function shownPrefix(secret: string, brought: boolean): string {
  return brought ? `own:${hashSecret(secret).slice(0, 8)}` : secret.slice(0, PREFIX_SHOWN);
}

function newSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64url');
}

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    name: row.name,
    role: checkRole(row.role),
    prefix: row.key_prefix,
    createdAt: row.created_at,
    createdBy: row.created_by,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
    ledgers: row.ledgers === null ? null : (JSON.parse(row.ledgers) as string[]),
  };
}

export interface NewKey {
  name: string;
  role: string;
  expiresAt?: string | null;
  /** Who creates it: a key name, or "cli" / "startup". */
  createdBy: string;
  now: string;
  /** A secret the operator brings instead of a generated one (INKWELL_ADMIN_KEY). */
  secret?: string;
  /** The ledgers it may use (each must exist); null or unset: every ledger. */
  ledgers?: readonly string[] | null;
}

/** Creates a key and returns its secret: the only time the secret exists outside the caller. */
/** What createApiKey can answer instead of the key. */
export const createApiKeyErrors = [ValidationError, ApiKeyAlreadyExists] as const;

export async function createApiKey(database: Database, input: NewKey): Promise<{ key: ApiKey; secret: string }> {
  const name = checkKeyName(input.name);
  const role = checkRole(input.role);
  const expiresAt = input.expiresAt ?? null;
  if (expiresAt !== null && expiresAt <= input.now)
    throw new ValidationError('expiresAt', `${expiresAt} is not in the future`);
  if (input.secret !== undefined && !BROUGHT_SECRET.test(input.secret)) {
    throw new ValidationError(
      'secret',
      'a key of your own must be 32 to 256 printable ASCII characters without spaces',
    );
  }
  const ledgers = checkKeyLedgers(input.ledgers ?? null);
  const secret = input.secret ?? newSecret();
  const row: ApiKeyRow = {
    name,
    role,
    key_hash: hashSecret(secret),
    key_prefix: shownPrefix(secret, input.secret !== undefined),
    created_at: input.now,
    created_by: input.createdBy,
    expires_at: expiresAt,
    revoked_at: null,
    revoked_by: null,
    ledgers: ledgers === null ? null : JSON.stringify(ledgers),
  };
  await database.write(async (trx) => {
    if (await findKeyByName(trx, name)) throw new ApiKeyAlreadyExists(name);
    if (ledgers !== null) {
      const found = await existingLedgers(trx, ledgers);
      const missing = ledgers.filter((l) => l !== DEFAULT_LEDGER && !found.has(l));
      if (missing.length)
        throw new ValidationError('ledgers', `no ledger is named ${missing.map((l) => `"${l}"`).join(', ')}`);
    }
    if (await findKeyByHash(trx, row.key_hash))
      throw new ValidationError('secret', 'this secret is already in use by another key');
    await insertKey(trx, row);
  });
  return { key: toApiKey(row), secret };
}

/** The ledgers of a new key: valid names, each once, sorted; at least one (null means every ledger). */
function checkKeyLedgers(ledgers: readonly string[] | null): string[] | null {
  if (ledgers === null) return null;
  if (ledgers.length === 0)
    throw new ValidationError('ledgers', 'name at least one ledger, or leave ledgers out for every ledger');
  if (ledgers.length > MAX_KEY_LEDGERS)
    throw new ValidationError(
      'ledgers',
      `a key names at most ${MAX_KEY_LEDGERS} ledgers; leave ledgers out for every ledger`,
    );
  return [...new Set(ledgers.map((l) => checkLedgerName(l, 'ledgers')))].sort();
}

const MAX_KEY_LEDGERS = 100;

/** Revokes a key from now on. Revoking a revoked key changes nothing and returns it. */
/** What revokeApiKey can answer instead of the key. */
export const revokeApiKeyErrors = [ValidationError, ApiKeyNotFound] as const;

export async function revokeApiKey(database: Database, name: string, revokedBy: string, now: string): Promise<ApiKey> {
  checkKeyName(name);
  return database.write(async (trx) => {
    const row = await findKeyByName(trx, name);
    if (!row) throw new ApiKeyNotFound(name);
    if (row.revoked_at !== null) return toApiKey(row);
    await markRevoked(trx, name, now, revokedBy);
    return toApiKey({ ...row, revoked_at: now, revoked_by: revokedBy });
  });
}

export async function listApiKeys(db: Db, options: { afterName: string | null; limit: number }): Promise<ApiKey[]> {
  return (await listKeys(db, options)).map(toApiKey);
}

/** Checks an `Authorization` header value against the stored keys, as of `now`. */
export async function authenticate(db: Db, header: string | null, now: string): Promise<Authentication> {
  if (header === null || header === '') {
    return { ok: false, failure: 'missing', message: 'an API key is required: send "Authorization: Bearer <key>"' };
  }
  const match = /^Bearer ([^ ]+)$/i.exec(header);
  if (!match || !TOKEN.test(match[1]!)) {
    return {
      ok: false,
      failure: 'malformed',
      message: 'the Authorization header must be "Bearer <key>", one key of printable ASCII',
    };
  }
  const row = await findKeyByHash(db, hashSecret(match[1]!));
  if (!row) return { ok: false, failure: 'unknown', message: 'this API key is not known' };
  if (row.revoked_at !== null)
    return { ok: false, failure: 'revoked', message: `API key "${row.name}" was revoked at ${row.revoked_at}` };
  if (row.expires_at !== null && row.expires_at <= now) {
    return { ok: false, failure: 'expired', message: `API key "${row.name}" expired at ${row.expires_at}` };
  }
  const role = checkRole(row.role);
  const { ledgers } = toApiKey(row);
  return { ok: true, principal: { name: row.name, role, permissions: new Set(ROLE_PERMISSIONS[role]), ledgers } };
}

export type Bootstrap =
  | { kind: 'created'; name: string; secret: string }
  | { kind: 'seeded'; name: string }
  | { kind: 'present'; name: string }
  | { kind: 'revoked'; name: string }
  | { kind: 'none' };

/**
 * At start: with INKWELL_ADMIN_KEY, make sure that secret is an admin key (named `name`);
 * without it, give a database that has no key at all one admin key, whose secret the
 * caller prints once. A database with keys (even only revoked ones) gets nothing new:
 * `inkwell keys create` is the way back in.
 */
export async function bootstrapAdminKey(
  database: Database,
  options: { secret: string | null; name: string; now: string },
): Promise<Bootstrap> {
  if (options.secret !== null) {
    const existing = () => findKeyByHash(database.db, hashSecret(options.secret!));
    const found = await existing();
    if (found && found.key_prefix === options.secret.slice(0, PREFIX_SHOWN)) {
      // Kept by an earlier version: the first characters of the brought secret itself.
      await setKeyPrefix(database.db, found.name, shownPrefix(options.secret, true));
    }
    if (found) return { kind: found.revoked_at === null ? 'present' : 'revoked', name: found.name };
    try {
      await createApiKey(database, {
        name: options.name,
        role: 'admin',
        createdBy: 'startup',
        now: options.now,
        secret: options.secret,
      });
      return { kind: 'seeded', name: options.name };
    } catch (error) {
      // Processes starting together on one database all try: the losers find the winner's row.
      const seeded = await existing();
      if (seeded) return { kind: 'present', name: seeded.name };
      throw error;
    }
  }
  if ((await countKeys(database.db)) > 0) return { kind: 'none' };
  try {
    const { secret } = await createApiKey(database, {
      name: options.name,
      role: 'admin',
      createdBy: 'startup',
      now: options.now,
    });
    return { kind: 'created', name: options.name, secret };
  } catch (error) {
    // Another process sharing the database created the first key meanwhile: it printed it.
    if (error instanceof ApiKeyAlreadyExists) return { kind: 'none' };
    throw error;
  }
}
