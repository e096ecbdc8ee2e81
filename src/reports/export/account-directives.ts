/**
 * The journal's `account` directives: one per account the journal posts to, with hledger's type
 * tag (`; type: A`), so that `hledger check --strict` finds every account declared and hledger's
 * balance sheet and income statement know each account's type instead of guessing it from the
 * name — and `inkwell import journal` reads the types back (ledger/import/journal-accounts.ts).
 *
 * They come after the transactions: the accounts are known once the transactions are written
 * (one pass over the log), and hledger and the importer both read declarations from anywhere in
 * the file. Accounts without a posting are left out, as the importer opens none of those.
 */
import type { AccountType } from '../../domain/account.js';
import type { Db } from '../../store/db.js';
import type { Sink } from './write.js';

/** hledger's account type letters (hledger 1.25: A, L, E, R, X; C for cash is a kind of A). */
const TYPE_TAG: Record<AccountType, string> = {
  ASSET: 'A',
  LIABILITY: 'L',
  EQUITY: 'E',
  REVENUE: 'R',
  EXPENSE: 'X',
};

export async function writeAccountDirectives(db: Db, used: ReadonlySet<string>, sink: Sink): Promise<void> {
  if (used.size === 0) return;
  const accounts = await db.selectFrom('accounts').select(['code', 'type']).orderBy('code').execute();
  const lines = accounts
    .filter((account) => used.has(account.code))
    .map((account) => `account ${account.code}  ; type: ${TYPE_TAG[account.type]}\n`);
  await sink.write(`\n; Accounts, with their types (hledger check --strict needs each declared).\n${lines.join('')}`);
}
