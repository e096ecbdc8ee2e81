/**
 * The daily balance history: what each account moved on each day of effective time (UTC),
 * kept by a checkpointed subscriber. A backdated posting lands on its own day, so the history
 * is "effective on day D, as known at the subscriber's checkpoint". A day's closing balance is the
 * sum of every day up to it, taken when read.
 */
import { postedLegs, signedOnNormalSide, type AccountType } from '../domain/account.js';
import { Amount, ZERO, formatAmount } from '../domain/money.js';
import { decodeAccountEvent } from '../events/catalogue.js';
import { breathe } from '../slices.js';
import { accountCodeOf, isAccountStream } from '../events/streams.js';
import type { Db } from '../store/db.js';
import { chunks, ROWS_PER_STATEMENT } from '../store/chunks.js';
import { activeGeneration, type Subscriber } from './runner.js';

export const DAILY_BALANCES = 'daily-balances';

export const dailyBalances: Subscriber = {
  name: DAILY_BALANCES,
  async apply(trx, events, generation) {
    const moved = new Map<string, { code: string; day: string; debits: Amount; credits: Amount }>();
    for (const stored of events) {
      // A batch of wide postings takes a while to decode: other requests are served meanwhile.
      await breathe();
      if (!isAccountStream(stored.streamId)) continue;
      const legs = postedLegs(decodeAccountEvent(stored));
      if (!legs) continue;
      const code = accountCodeOf(stored.streamId);
      const day = stored.effectiveAt.slice(0, 10);
      const key = `${code}\u0000${day}`;
      const sums = moved.get(key) ?? { code, day, debits: ZERO, credits: ZERO };
      for (const leg of legs) {
        if (leg.account !== code) continue;
        if (leg.direction === 'DEBIT') sums.debits = sums.debits.plus(leg.amount);
        else sums.credits = sums.credits.plus(leg.amount);
      }
      moved.set(key, sums);
    }
    const touched = [...moved.values()];
    // Set-based: one read of every touched row and one upsert per chunk, whatever the batch holds.
    const existing = new Map<string, { debits: string; credits: string }>();
    for (const chunk of chunks(touched, ROWS_PER_STATEMENT)) {
      const rows = await trx
        .selectFrom('daily_balances')
        .select(['account_code', 'day', 'debits', 'credits'])
        .where('generation', '=', generation)
        .where((eb) =>
          eb(
            eb.refTuple('account_code', 'day'),
            'in',
            chunk.map((k) => eb.tuple(k.code, k.day)),
          ),
        )
        .execute();
      for (const row of rows) existing.set(`${row.account_code}\u0000${row.day}`, row);
    }
    // The sums in decimal.js, exactly; SQL only stores the strings.
    const values = touched.map(({ code, day, debits, credits }) => {
      const row = existing.get(`${code}\u0000${day}`);
      return {
        generation,
        account_code: code,
        day,
        debits: debits.plus(row?.debits ?? 0).toFixed(),
        credits: credits.plus(row?.credits ?? 0).toFixed(),
      };
    });
    for (const chunk of chunks(values, ROWS_PER_STATEMENT)) {
      await trx
        .insertInto('daily_balances')
        .values(chunk)
        .onConflict((oc) =>
          oc
            .columns(['generation', 'account_code', 'day'])
            .doUpdateSet((eb) => ({ debits: eb.ref('excluded.debits'), credits: eb.ref('excluded.credits') })),
        )
        .execute();
    }
  },
  async drop(trx, generation) {
    await trx.deleteFrom('daily_balances').where('generation', '=', generation).execute();
  },
};

export interface DailyBalance {
  day: string;
  debits: string;
  credits: string;
  /** The normal-side balance at the end of the day. */
  balance: string;
}

/** Every day from `from` to `to` (inclusive, YYYY-MM-DD), with the log position the history reflects. */
export async function dailyBalancesOf(
  db: Db,
  account: { code: string; type: AccountType; scale: number },
  from: string,
  to: string,
): Promise<{ throughPosition: number; days: DailyBalance[] }> {
  const { generation, position } = await activeGeneration(db, DAILY_BALANCES);
  const rows = await db
    .selectFrom('daily_balances')
    .select(['day', 'debits', 'credits'])
    .where('generation', '=', generation)
    .where('account_code', '=', account.code)
    .where('day', '<=', to)
    .orderBy('day')
    .execute();
  const net = (moved: { debits: string; credits: string }) =>
    signedOnNormalSide(account.type, { direction: 'DEBIT', amount: moved.debits }).plus(
      signedOnNormalSide(account.type, { direction: 'CREDIT', amount: moved.credits }),
    );
  let balance = ZERO;
  const byDay = new Map<string, { debits: string; credits: string }>();
  for (const row of rows) {
    if (row.day < from) balance = balance.plus(net(row));
    else byDay.set(row.day, row);
  }
  const days: DailyBalance[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    const moved = byDay.get(day) ?? { debits: '0', credits: '0' };
    balance = balance.plus(net(moved));
    days.push({
      day,
      debits: formatAmount(new Amount(moved.debits), account.scale),
      credits: formatAmount(new Amount(moved.credits), account.scale),
      balance: formatAmount(balance, account.scale),
    });
  }
  return { throughPosition: position, days };
}
