/**
 * Who may do what: the roles an API key can hold and the permissions each grants.
 * Permissions are what the schema checks (src/graphql/builder.ts); roles are what operators hand out.
 */
import { ValidationError } from './errors.js';
import { MAX_KEY_NAME_LENGTH } from './limits.js';

export const PERMISSIONS = ['read', 'post', 'audit', 'admin'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = ['reader', 'writer', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** reader: queries; writer: + posting; auditor: + audit data; admin: everything. */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  reader: ['read'],
  writer: ['read', 'post'],
  auditor: ['read', 'audit'],
  admin: ['read', 'post', 'audit', 'admin'],
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function checkRole(value: string): Role {
  if (!isRole(value))
    throw new ValidationError('role', `"${value.slice(0, 40)}" is not a role: one of ${ROLES.join(', ')}`);
  return value;
}

/** Key names become the `actor` of events: short, lowercase, printable, unambiguous in logs. */
const KEY_NAME = new RegExp(`^[a-z0-9][a-z0-9._-]{0,${MAX_KEY_NAME_LENGTH - 1}}$`);

/** Names the audit trail already uses for what is not a key: a key may not pass for them. */
export const RESERVED_KEY_NAMES = ['anonymous', 'cli', 'startup', 'system', 'test'] as const;

export function checkKeyName(name: string): string {
  if (!KEY_NAME.test(name)) {
    throw new ValidationError(
      'name',
      `an API key name is 1 to ${MAX_KEY_NAME_LENGTH} characters: lowercase a-z, 0-9, ".", "_" and "-", starting with a letter or digit`,
    );
  }
  if ((RESERVED_KEY_NAMES as readonly string[]).includes(name)) {
    throw new ValidationError(
      'name',
      `"${name}" is reserved (${RESERVED_KEY_NAMES.join(', ')} name the ledger's own actors)`,
    );
  }
  return name;
}
