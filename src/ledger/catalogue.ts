/**
 * The catalogue of ledgers (issue 24): creating one (admin) and listing them. It lives in the
 * default ledger's database, beside the API keys; `default` has no row there (it predates the
 * catalogue) and is listed in its place in name order.
 */
import { LedgerAlreadyExists, ValidationError } from '../domain/errors.js';
import { checkDescription } from '../domain/limits.js';
import { checkLedgerName, DEFAULT_LEDGER } from '../domain/ledgers.js';
import type { Database, Db } from '../store/db.js';
import { findLedger, insertLedger, listLedgerRows, type LedgerRow } from '../store/ledgers.js';

export interface LedgerInfo {
  name: string;
  description: string;
  /** Null for `default`, which is older than the catalogue. */
  createdAt: string | null;
  createdBy: string | null;
}

export const DEFAULT_LEDGER_INFO: LedgerInfo = {
  name: DEFAULT_LEDGER,
  description: 'The deployment’s original ledger, served at /graphql.',
  createdAt: null,
  createdBy: null,
};

/** What createLedger can answer instead of the ledger. */
export const createLedgerErrors = [ValidationError, LedgerAlreadyExists] as const;

/** Records a new ledger in the catalogue; its storage is made by the registry (registry.ts). */
export async function recordLedger(
  home: Database,
  input: { name: string; description?: string | null },
  createdBy: string,
  now: string,
): Promise<LedgerInfo> {
  const name = checkLedgerName(input.name);
  const description = checkDescription(input.description) ?? '';
  const row: LedgerRow = { name, description, created_at: now, created_by: createdBy };
  await home.write(async (trx) => {
    if (name === DEFAULT_LEDGER || (await findLedger(trx, name))) throw new LedgerAlreadyExists(name);
    await insertLedger(trx, row);
  });
  return toInfo(row);
}

/** Whether a ledger of this name exists (the catalogue, or `default`). */
export async function ledgerExists(home: Db, name: string): Promise<boolean> {
  return name === DEFAULT_LEDGER || (await findLedger(home, name)) !== undefined;
}

/** In name order after `afterName`, `default` among them; only those in `only` when given (a scoped key). */
export async function listLedgers(
  home: Db,
  options: { afterName: string | null; limit: number; only: readonly string[] | null },
): Promise<LedgerInfo[]> {
  const rows = (await listLedgerRows(home, options)).map(toInfo);
  const withDefault =
    (options.afterName === null || options.afterName < DEFAULT_LEDGER) &&
    (options.only === null || options.only.includes(DEFAULT_LEDGER));
  if (withDefault) rows.push(DEFAULT_LEDGER_INFO);
  return rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).slice(0, options.limit);
}

function toInfo(row: LedgerRow): LedgerInfo {
  return { name: row.name, description: row.description, createdAt: row.created_at, createdBy: row.created_by };
}
