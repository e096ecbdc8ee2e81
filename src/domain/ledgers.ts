/**
 * Ledger names (issue 24): a ledger is a storage namespace — a PostgreSQL schema or a SQLite file
 * named after it — so its name must be a plain identifier there too. No hyphen: a PostgreSQL
 * identifier with one needs quoting everywhere; 32 characters leave room for the schema prefix
 * within PostgreSQL's 63-byte identifiers.
 */
import { ValidationError } from './errors.js';

/** The ledger every deployment has: its original database (or schema), served at /graphql. */
export const DEFAULT_LEDGER = 'default';

export const LEDGER_NAME = /^[a-z][a-z0-9_]{0,31}$/;

export const LEDGER_NAME_RULE = 'a lowercase letter, then up to 31 of a-z, 0-9 and "_"';

export function checkLedgerName(name: string, field = 'name'): string {
  if (!LEDGER_NAME.test(name))
    throw new ValidationError(field, `ledger name "${name.slice(0, 40)}": ${LEDGER_NAME_RULE}`);
  return name;
}
