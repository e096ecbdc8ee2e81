/** `inkwell keys create | list | revoke`: API keys from the command line. */
import { parseArgs } from 'node:util';
import { createApiKey, listApiKeys, revokeApiKey } from '../auth/api-keys.js';
import type { Config } from '../config.js';
import { LedgerError } from '../domain/errors.js';
import { InvalidInstant } from '../domain/time.js';
import { cliExpiry } from './dates.js';
import type { Database } from '../store/db.js';
import { migrated, withDatabase } from './database.js';

const KEYS_USAGE =
  'usage: inkwell keys create --name NAME --role ROLE [--expires-at T|YYYY-MM-DD] [--ledger L]… | keys list | keys revoke NAME';
/** Keys listed per statement. */
const PAGE = 500;

export function keys(args: string[], config: Config): Promise<number> {
  const [sub, ...rest] = args;
  return withDatabase(migrated(config), async (database) => {
    const now = new Date().toISOString();
    try {
      if (sub === 'create') return await create(database, rest, now);
      if (sub === 'list') return await list(database, now);
      if (sub === 'revoke' && rest.length === 1) {
        const key = await revokeApiKey(database, rest[0]!, 'cli', now);
        console.log(`revoked "${key.name}" at ${key.revokedAt}`);
        return 0;
      }
      console.error(KEYS_USAGE);
      return 2;
    } catch (error) {
      if (error instanceof LedgerError || error instanceof InvalidInstant) {
        console.error(error.message);
        return 1;
      }
      throw error;
    }
  });
}

async function create(database: Database, args: string[], now: string): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      'expires-at': { type: 'string' },
      // Repeated for each ledger the key may use (issue 24); none: every ledger.
      ledger: { type: 'string', multiple: true },
    },
  });
  if (!values.name || !values.role) {
    console.error('keys create needs --name NAME and --role reader|writer|auditor|admin');
    return 2;
  }
  const expiresAt = values['expires-at'] === undefined ? null : cliExpiry(values['expires-at']);
  const { key, secret } = await createApiKey(database, {
    name: values.name,
    role: values.role,
    expiresAt,
    createdBy: 'cli',
    now,
    ledgers: values.ledger ?? null,
  });
  const scope = key.ledgers ? ` for ledger${key.ledgers.length > 1 ? 's' : ''} ${key.ledgers.join(', ')}` : '';
  console.error(
    `created ${key.role} key "${key.name}"${scope}${key.expiresAt ? `, expiring ${key.expiresAt}` : ''}; its secret, shown once:`,
  );
  console.log(secret);
  return 0;
}

/** One line per key, tab-separated; never a secret. */
async function list(database: Database, now: string): Promise<number> {
  let afterName: string | null = null;
  for (;;) {
    const page = await listApiKeys(database.db, { afterName, limit: PAGE });
    for (const key of page) {
      const state = key.revokedAt
        ? `revoked ${key.revokedAt} by ${key.revokedBy}`
        : key.expiresAt && key.expiresAt <= now
          ? `expired ${key.expiresAt}`
          : 'active';
      const expires = key.expiresAt && !key.revokedAt ? `expires ${key.expiresAt}` : '';
      const fields = [
        key.name,
        key.role,
        `${key.prefix}…`,
        `created ${key.createdAt} by ${key.createdBy}`,
        expires,
        key.ledgers ? `ledgers ${key.ledgers.join(',')}` : '',
        state,
      ];
      console.log(fields.filter(Boolean).join('\t'));
    }
    if (page.length < PAGE) return 0;
    afterName = page[page.length - 1]!.name;
  }
}
