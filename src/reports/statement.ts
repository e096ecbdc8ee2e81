/**
 * The account statement for [from, to): opening balance, every entry in effective-time order
 * with its running balance, closing balance and totals, as known at a fixed log position.
 * An entry recorded at or after `to` (after the period ended) is flagged late.
 */
import { signedOnNormalSide } from '../domain/account.js';
import type { Leg } from '../domain/account.js';
import { Amount, ZERO, formatAmount } from '../domain/money.js';
import { balanceAtPosition, type AccountView } from '../ledger/queries.js';
import type { Db } from '../store/db.js';
import { before, breathe, FIRST_INSTANT, type ReportCut } from './cut.js';

export interface StatementHeader extends ReportCut {
  account: AccountView;
  from: string;
  to: string;
  opening: string;
  closing: string;
  totalDebits: string;
  totalCredits: string;
  /** Entries in the period (all pages). */
  lineCount: number;
}

export interface StatementLine {
  /** Keyset of the line: effective time, then log order. */
  effectiveAt: string;
  position: number;
  legIndex: number;
  recordedAt: string;
  transactionId: string;
  description: string | null;
  /** The other accounts of the transaction. */
  counterAccounts: string[];
  direction: 'DEBIT' | 'CREDIT';
  amount: string;
  runningBalance: string;
  late: boolean;
}

export type LineKey = Pick<StatementLine, 'effectiveAt' | 'position' | 'legIndex'>;

export async function statementHeader(
  db: Db,
  account: AccountView,
  period: { from: string; to: string },
  cut: ReportCut,
): Promise<StatementHeader> {
  const { from, to } = period;
  const opening = await balanceBeforeInstant(db, account, from, cut.atPosition);
  const closing = await balanceBeforeInstant(db, account, to, cut.atPosition);
  let debits = ZERO;
  let credits = ZERO;
  let lineCount = 0;
  for await (const rows of linePages(db, account.code, period, cut.atPosition, null, 1000)) {
    for (const row of rows) {
      if (row.direction === 'DEBIT') debits = debits.plus(row.amount);
      else credits = credits.plus(row.amount);
      lineCount += 1;
    }
  }
  return {
    ...cut,
    account,
    from,
    to,
    opening,
    closing,
    totalDebits: formatAmount(debits, account.scale),
    totalCredits: formatAmount(credits, account.scale),
    lineCount,
  };
}

/**
 * Up to `limit` lines after `after` (or from the start), each with its running balance.
 * The balance before the first line is recomputed from the as-of index, never trusted from a cursor.
 */
export async function statementLines(
  db: Db,
  header: StatementHeader,
  after: LineKey | null,
  limit: number,
): Promise<StatementLine[]> {
  const account = header.account;
  let running = new Amount(await balanceBefore(db, header, after));
  const rows = await linePage(db, account.code, header, header.atPosition, after, limit);
  return rows.map((row) => {
    running = running.plus(signedOnNormalSide(account.type, row));
    return toLine(row, account, header.to, formatAmount(running, account.scale));
  });
}

/** Every line, in order, for exports: one running balance carried along, constant memory. */
export async function* allStatementLines(db: Db, header: StatementHeader, batch = 1000): AsyncGenerator<StatementLine> {
  const account = header.account;
  let running = new Amount(header.opening);
  for await (const rows of linePages(db, account.code, header, header.atPosition, null, batch)) {
    for (const row of rows) {
      running = running.plus(signedOnNormalSide(account.type, row));
      yield toLine(row, account, header.to, formatAmount(running, account.scale));
    }
  }
}

interface LineRow {
  effective_at: string;
  position: number;
  leg_index: number;
  recorded_at: string;
  transaction_id: string;
  direction: 'DEBIT' | 'CREDIT';
  amount: string;
  description: string | null;
  legs: string;
}

function toLine(row: LineRow, account: AccountView, to: string, runningBalance: string): StatementLine {
  const legs = JSON.parse(row.legs) as Leg[];
  return {
    effectiveAt: row.effective_at,
    position: Number(row.position),
    legIndex: Number(row.leg_index),
    recordedAt: row.recorded_at,
    transactionId: row.transaction_id,
    description: row.description,
    counterAccounts: [...new Set(legs.map((leg) => leg.account).filter((code) => code !== account.code))],
    direction: row.direction,
    amount: row.amount,
    runningBalance,
    late: row.recorded_at >= to,
  };
}

/** The balance before a line: everything effective before its instant, plus its earlier siblings at that instant. */
async function balanceBefore(db: Db, header: StatementHeader, after: LineKey | null): Promise<string> {
  if (after === null) return header.opening;
  const account = header.account;
  const upTo = await balanceBeforeInstant(db, account, after.effectiveAt, header.atPosition);
  const siblings = await db
    .selectFrom('entries')
    .select(['direction', 'amount'])
    .where('account_code', '=', account.code)
    .where('effective_at', '=', after.effectiveAt)
    .where('position', '<=', header.atPosition)
    .where((eb) =>
      eb.or([
        eb('position', '<', after.position),
        eb.and([eb('position', '=', after.position), eb('leg_index', '<=', after.legIndex)]),
      ]),
    )
    .execute();
  const sum = siblings.reduce(
    (total, row) =>
      total.plus(
        signedOnNormalSide(account.type, { direction: row.direction as LineRow['direction'], amount: row.amount }),
      ),
    new Amount(upTo),
  );
  return formatAmount(sum, account.scale);
}

/** The balance of everything effective before `t` (nothing comes before the first instant there is). */
async function balanceBeforeInstant(db: Db, account: AccountView, t: string, P: number): Promise<string> {
  if (t <= FIRST_INSTANT) return formatAmount(ZERO, account.scale);
  return (await balanceAtPosition(db, account, before(t), P)).posted;
}

async function linePage(
  db: Db,
  code: string,
  period: { from: string; to: string },
  atPosition: number,
  after: LineKey | null,
  limit: number,
): Promise<LineRow[]> {
  let query = db
    .selectFrom('entries')
    .innerJoin('transactions', 'transactions.id', 'entries.transaction_id')
    .select([
      'entries.effective_at',
      'entries.position',
      'entries.leg_index',
      'entries.recorded_at',
      'entries.transaction_id',
      'entries.direction',
      'entries.amount',
      'transactions.description',
      'transactions.legs',
    ])
    .where('entries.account_code', '=', code)
    .where('entries.effective_at', '>=', period.from)
    .where('entries.effective_at', '<', period.to)
    .where('entries.position', '<=', atPosition);
  if (after) {
    // The plain lower bound lets the (account, effective time) index seek to the page instead of scanning from the start.
    query = query
      .where('entries.effective_at', '>=', after.effectiveAt)
      .where((eb) =>
        eb.or([
          eb('entries.effective_at', '>', after.effectiveAt),
          eb.and([eb('entries.effective_at', '=', after.effectiveAt), eb('entries.position', '>', after.position)]),
          eb.and([
            eb('entries.effective_at', '=', after.effectiveAt),
            eb('entries.position', '=', after.position),
            eb('entries.leg_index', '>', after.legIndex),
          ]),
        ]),
      );
  }
  const rows = await query
    .orderBy('entries.effective_at')
    .orderBy('entries.position')
    .orderBy('entries.leg_index')
    .limit(limit)
    .execute();
  return rows as LineRow[];
}

async function* linePages(
  db: Db,
  code: string,
  period: { from: string; to: string },
  atPosition: number,
  after: LineKey | null,
  batch: number,
): AsyncGenerator<LineRow[]> {
  let key = after;
  for (;;) {
    const rows = await linePage(db, code, period, atPosition, key, batch);
    if (rows.length > 0) yield rows;
    if (rows.length < batch) return;
    await breathe();
    const last = rows[rows.length - 1]!;
    key = { effectiveAt: last.effective_at, position: Number(last.position), legIndex: Number(last.leg_index) };
  }
}
