/**
 * The bitemporal balance: every posting with effectiveAt <= asOf and recordedAt <= knownAt.
 * Answered from balance checkpoints plus two bounded tails, so its cost does not grow with
 * the account's history (docs/api.md, "How as-of answers stay fast"):
 *
 *   E  = the last epoch recorded by knownAt (epochs close every N events)
 *   T' = min(asOf, E.frontier): nothing known at E is effective later than its frontier
 *   t* = the newest breakpoint <= T'; V = its value as of E
 *   answer = V + Σ(t* < effectiveAt <= T', position <= E)          — at most about one epoch
 *              + Σ(E < position, recordedAt <= knownAt, effectiveAt <= asOf) — less than one epoch
 */
import { signedOnNormalSide, type Direction } from '../domain/account.js';
import { Amount, ZERO, formatAmount } from '../domain/money.js';
import { accountStream } from '../events/streams.js';
import type { Db } from '../store/db.js';
import type { AccountView, BalanceView } from './queries.js';

export async function balanceAt(db: Db, account: AccountView, asOf: string, knownAt: string): Promise<BalanceView> {
  const code = account.code;
  const epoch = await db
    .selectFrom('balance_epochs')
    .select(['version', 'position', 'frontier'])
    .where('account_code', '=', code)
    .where('recorded_at', '<=', knownAt)
    .orderBy('recorded_at', 'desc')
    .orderBy('position', 'desc')
    .limit(1)
    .executeTakeFirst();
  const epochPosition = Number(epoch?.position ?? 0);
  let posted = ZERO;
  const add = (rows: Array<{ direction: string; amount: string }>) => {
    for (const row of rows) posted = posted.plus(signedOnNormalSide(account.type, { direction: row.direction as Direction, amount: row.amount }));
  };

  if (epoch?.frontier) {
    const until = asOf < epoch.frontier ? asOf : epoch.frontier;
    const breakpoint = await db
      .selectFrom('balance_checkpoints')
      .select('effective_at')
      .where('account_code', '=', code)
      .where('effective_at', '<=', until)
      .orderBy('effective_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (breakpoint) {
      const value = await db
        .selectFrom('balance_checkpoints')
        .select(['debits', 'credits'])
        .where('account_code', '=', code)
        .where('effective_at', '=', breakpoint.effective_at)
        .where('position', '<=', epochPosition)
        .orderBy('position', 'desc')
        .limit(1)
        .executeTakeFirstOrThrow();
      add([
        { direction: 'DEBIT', amount: value.debits },
        { direction: 'CREDIT', amount: value.credits },
      ]);
    }
    let between = db
      .selectFrom('entries')
      .select(['direction', 'amount'])
      .where('account_code', '=', code)
      .where('effective_at', '<=', until)
      .where('position', '<=', epochPosition);
    if (breakpoint) between = between.where('effective_at', '>', breakpoint.effective_at);
    add(await between.execute());
  }

  // The tail recorded after the epoch. The next epoch was recorded after knownAt (else it
  // would be `epoch`), and so was everything from it on: it bounds the scan.
  const next = await db
    .selectFrom('balance_epochs')
    .select(['position', 'version'])
    .where('account_code', '=', code)
    .where('position', '>', epochPosition)
    .orderBy('position')
    .limit(1)
    .executeTakeFirst();
  let tail = db
    .selectFrom('entries')
    .select(['direction', 'amount'])
    .where('account_code', '=', code)
    .where('position', '>', epochPosition)
    .where('recorded_at', '<=', knownAt)
    .where('effective_at', '<=', asOf);
  if (next) tail = tail.where('position', '<', Number(next.position));
  add(await tail.execute());

  let versions = db
    .selectFrom('events')
    .select((eb) => eb.fn.max('version').as('version'))
    .where('stream_id', '=', accountStream(code))
    .where('version', '>', Number(epoch?.version ?? 0))
    .where('recorded_at', '<=', knownAt);
  if (next) versions = versions.where('version', '<', Number(next.version));
  const version = await versions.executeTakeFirst();
  return {
    posted: formatAmount(posted, account.scale),
    currency: account.currency,
    version: Number(version?.version ?? epoch?.version ?? 0),
  };
}


