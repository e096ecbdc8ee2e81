/**
 * Balances of many accounts at once, as integers of each currency's minor unit (aggregate
 * balances, issue 19): a few statements for a page of accounts instead of a few per account, and
 * sums in BigInt instead of decimal.js. Each figure is exactly what `currentBalances` +
 * `pendingsOf` (at now) or `balanceAtPosition` (at another time) answers for that account.
 */
import { PostgresAdapter, sql } from 'kysely';
import { normalSide } from '../domain/account.js';
import { toScaled } from '../domain/scaled-amount.js';
import { accountStream } from '../events/streams.js';
import { chunks, ROWS_PER_STATEMENT } from '../store/chunks.js';
import type { Db } from '../store/db.js';
import { balanceAtPosition } from './as-of.js';
import type { AccountView } from './queries.js';

/** One account's figures in minor units; `posted` signed on its normal side. */
export interface ScaledFigures {
  debits: bigint;
  credits: bigint;
  posted: bigint;
  /** What live holds reserve now; zero at another time. */
  pending: bigint;
}

/**
 * An account with at most this many events is summed straight from its entries effective by
 * asOf (one index range, at most a few hundred rows); a longer one through the as-of index
 * (a bounded number of lookups whatever its history). Tests lower it to drive both paths.
 */
export const bulkTuning = { directSumMaxEvents: 256 };

/**
 * Figures effective now as known now: each account row (which counts every posting it has
 * seen) less its postings effective later, and its live holds. Only what each row includes: an
 * entry committed after the row was read is in neither.
 */
export async function currentFiguresOf(
  db: Db,
  accounts: readonly AccountView[],
  now: string,
): Promise<Map<string, ScaledFigures>> {
  const byCode = new Map(accounts.map((a) => [a.code, a]));
  const figures = new Map<string, ScaledFigures>();
  for (const a of accounts)
    figures.set(a.code, {
      debits: toScaled(a.debits, a.scale),
      credits: toScaled(a.credits, a.scale),
      posted: toScaled(a.balance, a.scale),
      pending: 0n,
    });
  const codes = [...byCode.keys()];
  const [futures, holds] = await Promise.all([
    Promise.all(
      [...chunks(codes, ROWS_PER_STATEMENT)].map((chunk) =>
        db
          .selectFrom('entries')
          .select(['account_code', 'direction', 'amount', 'position'])
          .where('account_code', 'in', chunk)
          .where('effective_at', '>', now)
          .execute(),
      ),
    ),
    Promise.all(
      [...chunks(codes, ROWS_PER_STATEMENT)].map((chunk) =>
        db
          .selectFrom('holds')
          .select(['account_code', 'reserved', 'expires_at'])
          .where('account_code', 'in', chunk)
          .execute(),
      ),
    ),
  ]);
  for (const row of futures.flat()) {
    const account = byCode.get(row.account_code)!;
    if (Number(row.position) > account.lastPosition) continue;
    const figure = figures.get(row.account_code)!;
    const amount = toScaled(row.amount, account.scale);
    if (row.direction === 'DEBIT') figure.debits -= amount;
    else figure.credits -= amount;
    figure.posted -= row.direction === normalSide(account.type) ? amount : -amount;
  }
  for (const hold of holds.flat())
    if (hold.expires_at === null || hold.expires_at > now) {
      const account = byCode.get(hold.account_code)!;
      figures.get(hold.account_code)!.pending += toScaled(hold.reserved, account.scale);
    }
  return figures;
}

/**
 * Figures effective at `asOf` counting the log up to position P, for the accounts the log knew
 * at P (an account opened later is left out, as `balanceAtPosition` gives it version 0).
 */
export async function figuresAt(
  db: Db,
  accounts: readonly AccountView[],
  asOf: string,
  P: number,
): Promise<Map<string, ScaledFigures>> {
  const known = await knownAt(db, accounts, P);
  const short = known.filter((a) => a.version <= bulkTuning.directSumMaxEvents);
  const figures = new Map<string, ScaledFigures>();
  const viaIndex = known.filter((a) => a.version > bulkTuning.directSumMaxEvents);
  for (const chunk of chunks(short, ROWS_PER_STATEMENT)) {
    const summed = await directSums(db, chunk, asOf, P);
    for (const account of chunk) {
      const sums = summed.get(account.code);
      if (sums === null) viaIndex.push(account);
      else figures.set(account.code, withPosted(account, sums?.debits ?? 0n, sums?.credits ?? 0n));
    }
  }
  // Long histories, few in number: the as-of index, a handful side by side.
  for (const batch of chunks(viaIndex, 8))
    await Promise.all(
      batch.map(async (account) => {
        const balance = await balanceAtPosition(db, account, asOf, P);
        if (balance.version === 0) return;
        const scaled = (text: string) => toScaled(text, account.scale);
        figures.set(account.code, withPosted(account, scaled(balance.debits), scaled(balance.credits)));
      }),
    );
  return figures;
}

function withPosted(account: AccountView, debits: bigint, credits: bigint): ScaledFigures {
  const posted = normalSide(account.type) === 'DEBIT' ? debits - credits : credits - debits;
  return { debits, credits, posted, pending: 0n };
}

/** The accounts whose opening the log held at P: every row last written by P, else its first event's position. */
async function knownAt(db: Db, accounts: readonly AccountView[], P: number): Promise<AccountView[]> {
  const later = accounts.filter((a) => a.lastPosition > P);
  const opened = new Set<string>();
  for (const chunk of chunks(later, ROWS_PER_STATEMENT)) {
    const rows = await db
      .selectFrom('events')
      .select('stream_id')
      .where(
        'stream_id',
        'in',
        chunk.map((a) => accountStream(a.code)),
      )
      .where('version', '=', 1)
      .where('position', '<=', P)
      .execute();
    for (const row of rows) opened.add(row.stream_id);
  }
  return accounts.filter((a) => a.lastPosition <= P || opened.has(accountStream(a.code)));
}

/**
 * Debit and credit totals of each account's entries effective by asOf and recorded by P, in
 * minor units, read from the index entries_account_effective alone (migration 0010) and summed
 * by the database: PostgreSQL in `numeric` (exact); SQLite as 64-bit
 * integers of the amounts with their point removed (exact, or an "integer overflow" error).
 * An account the integer sum cannot answer exactly — an amount not written at its scale, or
 * too long to cast without clamping — maps to null; so does every account of a statement
 * that overflowed. An account without such entries is absent.
 */
async function directSums(
  db: Db,
  accounts: readonly AccountView[],
  asOf: string,
  P: number,
): Promise<Map<string, { debits: bigint; credits: bigint } | null>> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const base = db
    .selectFrom('entries')
    .select(['account_code', 'direction'])
    .where(
      'account_code',
      'in',
      accounts.map((a) => a.code),
    )
    .where('effective_at', '<=', asOf)
    .where('position', '<=', P)
    .groupBy(['account_code', 'direction']);
  const byCode = new Map(accounts.map((a) => [a.code, a]));
  const sums = new Map<string, { debits: bigint; credits: bigint } | null>();
  const add = (code: string, direction: string, amount: bigint | null) => {
    const previous = sums.get(code) ?? { debits: 0n, credits: 0n };
    if (previous === null || amount === null) return sums.set(code, null);
    if (direction === 'DEBIT') previous.debits += amount;
    else previous.credits += amount;
    sums.set(code, previous);
  };
  if (postgres) {
    const rows = await base.select(sql<string>`SUM(amount::numeric)::text`.as('total')).execute();
    for (const row of rows)
      add(row.account_code, row.direction, toScaled(row.total, byCode.get(row.account_code)!.scale));
    return sums;
  }
  const decimals = sql`CASE INSTR(amount, '.') WHEN 0 THEN 0 ELSE LENGTH(amount) - INSTR(amount, '.') END`;
  const rows = await base
    .select([
      sql<string>`CAST(SUM(CAST(REPLACE(amount, '.', '') AS INTEGER)) AS TEXT)`.as('total'),
      sql<number>`MAX(LENGTH(amount))`.as('widest'),
      sql<number>`MIN(${decimals})`.as('fewest_decimals'),
      sql<number>`MAX(${decimals})`.as('most_decimals'),
    ])
    .execute()
    .catch((error: unknown) => {
      if (error instanceof Error && /integer overflow/i.test(error.message)) return null;
      throw error;
    });
  if (rows === null) return new Map(accounts.map((a) => [a.code, null]));
  for (const row of rows) {
    const { scale } = byCode.get(row.account_code)!;
    // 18 digits always fit a signed 64-bit integer; a longer amount could be clamped by the cast.
    const exact = row.widest <= 18 && row.fewest_decimals === scale && row.most_decimals === scale;
    add(row.account_code, row.direction, exact ? BigInt(row.total) : null);
  }
  return sums;
}
