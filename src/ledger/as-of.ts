/**
 * The bitemporal balance: every posting with effectiveAt <= asOf and recordedAt <= knownAt,
 * in a handful of index lookups whatever the account's history (see as-of-index.ts):
 *
 *   P        = the last log position recorded by knownAt
 *   on time  = the running sum up to min(P, the last on-time posting effective by asOf):
 *              an epoch's sum plus at most one epoch of entries
 *   late     = the late sums of the ≤ 49 tree nodes covering "effective by asOf", as of P
 */
import { normalSide } from '../domain/account.js';
import { ZERO, formatAmount, type Amount } from '../domain/money.js';
import { accountStream } from '../events/streams.js';
import { latestSums } from '../projections/as-of-index.js';
import { prefixNodes } from '../projections/dyadic-time.js';
import type { Db } from '../store/db.js';
import type { AccountView, BalanceView } from './queries.js';

export async function balanceAt(db: Db, account: AccountView, asOf: string, knownAt: string): Promise<BalanceView> {
  return balanceAtPosition(db, account, asOf, await positionKnownAt(db, knownAt));
}

/** The last log position recorded at or before `knownAt` (0 for none): what the ledger knew then. */
export async function positionKnownAt(db: Db, knownAt: string): Promise<number> {
  const known = await db
    .selectFrom('events')
    .select('position')
    .where('recorded_at', '<=', knownAt)
    .orderBy('recorded_at', 'desc')
    .orderBy('position', 'desc')
    .limit(1)
    .executeTakeFirst();
  return Number(known?.position ?? 0);
}

/** The balance effective at `asOf` counting the log up to position P (reports fix P once for all their figures). */
export async function balanceAtPosition(db: Db, account: AccountView, asOf: string, P: number): Promise<BalanceView> {
  const code = account.code;
  // Debit and credit totals, exact; signed on the account's normal side at the end.
  let debits: Amount = ZERO;
  let credits: Amount = ZERO;
  const add = (direction: string, amount: Amount | string) => {
    if (direction === 'DEBIT') debits = debits.plus(amount);
    else credits = credits.plus(amount);
  };

  // On time: effective-time order is log order, so "effective by asOf" is a prefix of the log.
  const lastOnTime = await db
    .selectFrom('entries')
    .select('position')
    .where('account_code', '=', code)
    .where('late', '=', 0)
    .where('effective_at', '<=', asOf)
    .orderBy('effective_at', 'desc')
    .orderBy('position', 'desc')
    .limit(1)
    .executeTakeFirst();
  const upTo = Math.min(P, Number(lastOnTime?.position ?? 0));
  if (upTo > 0) {
    const epoch = await db
      .selectFrom('balance_epochs')
      .select(['position', 'on_time_debits', 'on_time_credits'])
      .where('account_code', '=', code)
      .where('position', '<=', upTo)
      .orderBy('position', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (epoch) {
      add('DEBIT', epoch.on_time_debits);
      add('CREDIT', epoch.on_time_credits);
    }
    const rest = await db
      .selectFrom('entries')
      .select(['direction', 'amount', 'late'])
      .where('account_code', '=', code)
      .where('position', '>', Number(epoch?.position ?? 0))
      .where('position', '<=', upTo)
      .execute();
    // `late` is a 0/1 flag; filtered here so the (account, position) index serves the range.
    for (const row of rest) if (row.late === 0) add(row.direction, row.amount);
  }

  // Late: the tree nodes covering every instant up to asOf, each as known at P.
  for (const sums of (await latestSums(db, code, prefixNodes(asOf), P)).values()) {
    add('DEBIT', sums.debits);
    add('CREDIT', sums.credits);
  }

  const posted = normalSide(account.type) === 'DEBIT' ? debits.minus(credits) : credits.minus(debits);
  return {
    posted: formatAmount(posted, account.scale),
    debits: formatAmount(debits, account.scale),
    credits: formatAmount(credits, account.scale),
    currency: account.currency,
    version: await versionAt(db, code, P),
  };
}

/** The stream's version at log position P: bounded by the epochs around it. */
async function versionAt(db: Db, code: string, P: number): Promise<number> {
  const epoch = await db
    .selectFrom('balance_epochs')
    .select('version')
    .where('account_code', '=', code)
    .where('position', '<=', P)
    .orderBy('position', 'desc')
    .limit(1)
    .executeTakeFirst();
  const from = Number(epoch?.version ?? 0);
  const next = await db
    .selectFrom('balance_epochs')
    .select('version')
    .where('account_code', '=', code)
    .where('version', '>', from)
    .orderBy('version')
    .limit(1)
    .executeTakeFirst();
  let query = db
    .selectFrom('events')
    .select((eb) => eb.fn.max('version').as('version'))
    .where('stream_id', '=', accountStream(code))
    .where('version', '>', from)
    .where('position', '<=', P);
  if (next) query = query.where('version', '<', Number(next.version));
  const row = await query.executeTakeFirst();
  return Number(row?.version ?? from) || from;
}
