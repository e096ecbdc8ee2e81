/**
 * Aggregate balances of every account at or below a code prefix, effective now as known now,
 * summed per group and currency by the database in ONE statement (issue 19: 10k accounts in
 * ≤ 50 ms). Reading each member's row into JavaScript cost more than everything else: the rows
 * crossing from SQLite's thread, or PostgreSQL's wire, one by one. The figures are those of
 * `currentFiguresOf` summed: each account row (every posting it has seen) less its postings
 * effective after now, plus its live holds. One statement reads one snapshot, so a posting
 * committed meanwhile is in all three parts or in none.
 *
 * Exact: PostgreSQL sums `numeric`; SQLite 64-bit integers of the amounts without their point,
 * which is exact only when every amount is written at its currency's scale with at most 18
 * characters (longer text could be clamped by the cast) — checked per group — and raises
 * "integer overflow" otherwise. When it cannot vouch for a sum, the answer is null and the
 * caller reads account by account.
 */
import { PostgresAdapter, sql, type RawBuilder } from 'kysely';
import { ACCOUNT_TYPES, normalSide } from '../domain/account.js';
import { parseCurrency } from '../domain/money.js';
import { toScaled } from '../domain/scaled-amount.js';
import type { Db } from '../store/db.js';
import type { ScaledFigures } from './bulk-balances.js';

export interface GroupFigures extends ScaledFigures {
  key: string;
  currency: string;
  scale: number;
  accountCount: number;
}

interface Row {
  key: string;
  currency: string;
  posted: string;
  debits: string;
  credits: string;
  pending: string;
  members: number | string;
  widest?: number;
  fewest_decimals?: number;
  most_decimals?: number;
}

/**
 * The groups of the accounts at or below `prefix` opened by `now`: keyed by their first `level`
 * code segments (the prefix itself when null). `atPosition` is the cut read at `now`: every
 * entry recorded after now lies beyond it.
 */
export async function prefixSumsNow(
  db: Db,
  prefix: string,
  level: number | null,
  now: string,
  atPosition: number,
): Promise<GroupFigures[] | null> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const rows = await sumsStatement(postgres ? POSTGRES : SQLITE, prefix, level, now, atPosition)
    .execute(db)
    .then((result) => result.rows)
    .catch((error: unknown) => {
      if (!postgres && error instanceof Error && /integer overflow/i.test(error.message)) return null;
      throw error;
    });
  return rows === null ? null : groupsOf(rows, postgres);
}

function sumsStatement(d: DialectSql, prefix: string, level: number | null, now: string, atPosition: number) {
  const depth = prefix.split(':').length;
  // Every member is the prefix or below it: up to the prefix's own depth, the key is one text.
  const shared = level === null ? prefix : level <= depth ? prefix.split(':').slice(0, level).join(':') : null;
  const key = (code: RawBuilder<unknown>) =>
    shared !== null ? sql`CAST(${shared} AS TEXT)` : d.head(code, level!, prefix);
  const member = (code: RawBuilder<unknown>) =>
    sql`(${code} = ${prefix} OR (${code} >= ${`${prefix}:`} AND ${code} < ${`${prefix};`}))`;
  const a = { code: sql.ref('a.code') };
  const debitNormal = ACCOUNT_TYPES.filter((type) => normalSide(type) === 'DEBIT');
  const amount = d.integer(sql.ref('e.amount'));
  // Entries effective after now: late ones through their partial index (entries_late_effective,
  // migration 0010), and on-time ones, which only the log's tail past the cut can hold (on time
  // means recorded no earlier than effective). A handful: CROSS JOIN keeps them the outer loop
  // on SQLite, which would otherwise probe every member account for them (10k probes, most of
  // the time). PostgreSQL reads CROSS JOIN … WHERE as any join and plans it by its statistics.
  const future = sql`(SELECT account_code, position, direction, amount FROM entries
      WHERE late = ${sql.lit(1)} AND effective_at > ${now}
    UNION ALL
    SELECT account_code, position, direction, amount FROM entries
      WHERE position > ${atPosition} AND late = ${sql.lit(0)} AND effective_at > ${now})`;
  const parts = sql`
    SELECT ${key(a.code)} AS key, a.currency AS currency, ${d.integer(sql.ref('a.balance'))} AS posted,
      ${d.integer(sql.ref('a.debits'))} AS debits, ${d.integer(sql.ref('a.credits'))} AS credits,
      ${d.zero} AS pending, 1 AS members${d.checks([sql.ref('a.balance'), sql.ref('a.debits'), sql.ref('a.credits')])}
    FROM accounts a WHERE ${member(a.code)} AND a.opened_at <= ${now}
    UNION ALL
    SELECT ${key(a.code)}, a.currency,
      CASE WHEN (a.type IN (${sql.join(debitNormal)})) = (e.direction = 'DEBIT') THEN -${amount} ELSE ${amount} END,
      CASE WHEN e.direction = 'DEBIT' THEN -${amount} ELSE ${d.zero} END,
      CASE WHEN e.direction = 'CREDIT' THEN -${amount} ELSE ${d.zero} END,
      ${d.zero}, 0${d.checks([sql.ref('e.amount')])}
    FROM ${future} e CROSS JOIN accounts a
    WHERE a.code = e.account_code AND e.position <= a.last_position AND ${member(a.code)} AND a.opened_at <= ${now}
    UNION ALL
    SELECT ${key(a.code)}, a.currency, ${d.zero}, ${d.zero}, ${d.zero}, ${d.integer(sql.ref('h.reserved'))},
      0${d.checks([sql.ref('h.reserved')])}
    FROM holds h CROSS JOIN accounts a
    WHERE a.code = h.account_code AND ${member(sql.ref('h.account_code'))} AND a.opened_at <= ${now}
      AND (h.expires_at IS NULL OR h.expires_at > ${now})`;
  return sql<Row>`
    SELECT key, currency, ${d.sum('posted')} AS posted, ${d.sum('debits')} AS debits,
      ${d.sum('credits')} AS credits, ${d.sum('pending')} AS pending, SUM(members) AS members${d.guards}
    FROM (${parts}) parts GROUP BY key, currency`;
}

/** The groups in minor units, or null when a SQLite sum fails its guard. */
function groupsOf(rows: Row[], postgres: boolean): GroupFigures[] | null {
  const groups: GroupFigures[] = [];
  for (const row of rows) {
    const { scale } = parseCurrency(row.currency);
    if (!postgres && !(row.widest! <= 18 && row.fewest_decimals === scale && row.most_decimals === scale)) return null;
    const figure = (text: string) => (postgres ? toScaled(text, scale) : BigInt(text));
    groups.push({
      key: row.key,
      currency: row.currency,
      scale,
      debits: figure(row.debits),
      credits: figure(row.credits),
      posted: figure(row.posted),
      pending: figure(row.pending),
      accountCount: Number(row.members),
    });
  }
  return groups;
}

/** What differs between the two databases. */
interface DialectSql {
  /** An amount's text as a number the sum is exact in. */
  integer(text: RawBuilder<unknown>): RawBuilder<unknown>;
  zero: RawBuilder<unknown>;
  /** The first `level` segments of a code at or below `prefix` (level deeper than the prefix). */
  head(code: RawBuilder<unknown>, level: number, prefix: string): RawBuilder<unknown>;
  sum(column: string): RawBuilder<unknown>;
  /** Per row, what the guards need to know of these amounts' text (SQLite only). */
  checks(texts: RawBuilder<unknown>[]): RawBuilder<unknown>;
  guards: RawBuilder<unknown>;
}

const POSTGRES: DialectSql = {
  integer: (text) => sql`(${text})::numeric`,
  zero: sql`0::numeric`,
  head: (code, level) => sql`array_to_string((string_to_array(${code}, ':'))[1:${sql.lit(level)}], ':')`,
  sum: (column) => sql`SUM(${sql.ref(column)})::text`,
  checks: () => sql``,
  guards: sql``,
};

const decimals = (text: RawBuilder<unknown>) =>
  sql`CASE INSTR(${text}, '.') WHEN 0 THEN 0 ELSE LENGTH(${text}) - INSTR(${text}, '.') END`;

/** The first `count` segments of a non-empty code suffix (all of them when it has fewer). */
function firstSegments(text: RawBuilder<unknown>, count: number): RawBuilder<unknown> {
  const end = sql`INSTR(${text} || ':', ':')`;
  const first = sql`SUBSTR(${text}, 1, ${end} - 1)`;
  if (count === 1) return first;
  const after = sql`SUBSTR(${text}, ${end} + 1)`;
  return sql`${first} || CASE WHEN ${after} = '' THEN '' ELSE ':' || ${firstSegments(after, count - 1)} END`;
}

const SQLITE: DialectSql = {
  integer: (text) => sql`CAST(REPLACE(${text}, '.', '') AS INTEGER)`,
  zero: sql`0`,
  // A function of SQLite's own is several times cheaper per row than code_head, a JavaScript
  // function sqlite-worker.js registers; but its text doubles with each segment past the prefix.
  head: (code, level, prefix) => {
    const extra = level - prefix.split(':').length;
    if (extra > 3) return sql`code_head(${code}, ${sql.lit(level)})`;
    const rest = sql`SUBSTR(${code}, ${sql.lit(prefix.length + 2)})`;
    return sql`CASE WHEN ${code} = ${prefix} THEN ${prefix} ELSE ${prefix} || ':' || ${firstSegments(rest, extra)} END`;
  },
  sum: (column) => sql`CAST(SUM(${sql.ref(column)}) AS TEXT)`,
  // SQLite's MIN and MAX of several arguments are scalar; of one, the aggregate: hence the pairs.
  checks: (texts) => {
    const lengths = sql.join(texts.map((t) => sql`LENGTH(${t})`));
    const places = sql.join(texts.map(decimals));
    return sql`, MAX(${lengths}, 0) AS widest, MIN(${places}, 99) AS fewest_decimals, MAX(${places}, 0) AS most_decimals`;
  },
  guards: sql`, MAX(widest) AS widest, MIN(fewest_decimals) AS fewest_decimals, MAX(most_decimals) AS most_decimals`,
};
