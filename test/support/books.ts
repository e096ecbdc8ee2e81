/** A small set of books on a clock the test sets: the accounts below, open since OPENED, and a poster. */
import type { AccountType } from '../../src/domain/account.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { tempDatabase } from './server.js';

export const ACCOUNTS: Array<{ code: string; type: AccountType; currency: string }> = [
  { code: 'assets:bank:checking', type: 'ASSET', currency: 'USD' },
  { code: 'assets:bank:savings', type: 'ASSET', currency: 'USD' },
  { code: 'liabilities:loan', type: 'LIABILITY', currency: 'USD' },
  { code: 'equity:capital', type: 'EQUITY', currency: 'USD' },
  { code: 'revenue:sales', type: 'REVENUE', currency: 'USD' },
  { code: 'expenses:rent', type: 'EXPENSE', currency: 'USD' },
  { code: 'assets:yen', type: 'ASSET', currency: 'JPY' },
  { code: 'equity:yen', type: 'EQUITY', currency: 'JPY' },
];
export const OPENED = '2025-12-01T00:00:00.000Z';

/** A ledger on a clock the test sets, with the accounts above open since OPENED. */
export async function books() {
  const temp = await tempDatabase();
  let now = Date.parse('2026-01-01T00:00:00.000Z');
  const ledger = new Ledger(temp.database, {
    clock: () => new Date(now),
    maxFutureSkewMs: 0,
    policy: { epochEvery: 3, snapshotEvery: 4 },
  });
  const as = (actor: string) => ({ actor, requestId: `r-${actor}` });
  for (const a of ACCOUNTS)
    await ledger.openAccount(
      { code: a.code, name: a.code, type: a.type, currency: a.currency, effectiveAt: OPENED },
      as('admin'),
    );
  let seq = 0;
  const post = async (
    at: string,
    debit: string,
    credit: string,
    amount: string,
    options: { effectiveAt?: string; actor?: string; description?: string } = {},
  ) => {
    now = Math.max(now, Date.parse(at));
    return ledger.transfer(
      {
        idempotencyKey: `k${++seq}`,
        debitAccount: debit,
        creditAccount: credit,
        amount,
        effectiveAt: options.effectiveAt ?? new Date(now).toISOString(),
        description: options.description ?? `t${seq}`,
      },
      as(options.actor ?? 'writer'),
    );
  };
  /** Reverses a transaction at `at` (recorded then; effective when the original was unless told). */
  const reverse = async (at: string, transactionId: string, effectiveAt?: string) => {
    now = Math.max(now, Date.parse(at));
    return ledger.reverseTransaction({ idempotencyKey: `k${++seq}`, transactionId, effectiveAt }, as('writer'));
  };
  return {
    temp,
    ledger,
    post,
    reverse,
    setNow: (t: string) => (now = Date.parse(t)),
    nowIso: () => new Date(now).toISOString(),
  };
}

/** The smallest books: a fresh database with `assets:a` and `equity:b` (USD), for subscriber tests. */
export async function twoAccounts(requestId: string) {
  const temp = await tempDatabase();
  const ledger = new Ledger(temp.database);
  const ctx = { actor: 'test', requestId };
  for (const code of ['assets:a', 'equity:b'])
    await ledger.openAccount(
      { code, name: code, type: code.startsWith('assets') ? 'ASSET' : 'EQUITY', currency: 'USD' },
      ctx,
    );
  return { temp, ledger, ctx };
}
