/**
 * Aggregate balances: the accounts a selector names (a code prefix or a pattern), summed per
 * group and currency as of `asOf` and the cut — never mixing currencies, each row exactly the sum
 * of its members (issue 19, point 5). Grouping by `level` keeps the first n code segments.
 */
import { ValidationError } from '../domain/errors.js';
import { checkPattern, literalPrefix, matchesPattern } from '../domain/filters.js';
import { checkCode } from '../domain/limits.js';
import { formatScaled } from '../domain/scaled-amount.js';
import { currentFiguresOf, figuresAt } from '../ledger/bulk-balances.js';
import { prefixSumsNow } from '../ledger/prefix-sums-now.js';
import { listAccounts, type AccountView } from '../ledger/queries.js';
import { breathe } from '../slices.js';
import type { Db } from '../store/db.js';
import type { ReportCut } from './cut.js';

/** Exactly one of them. */
export interface AccountSelector {
  prefix?: string | null;
  pattern?: string | null;
}

export interface AggregateBalance {
  /** The group: the selector itself, or the first `level` segments of the members' codes. */
  key: string;
  currency: string;
  debits: string;
  credits: string;
  /** The members' normal-side balances, summed. */
  posted: string;
  /** What live holds reserve on the members: a figure of now, zero for another time. */
  pending: string;
  available: string;
  accountCount: number;
}

/** Code segments are at most 64 (a code is at most 128 characters). */
export const MAX_GROUP_LEVEL = 64;

/** A checked selector: exactly one of the two is set. */
export type Selected = { prefix: string; pattern: null } | { prefix: null; pattern: string };

export function checkSelector(selector: AccountSelector): Selected {
  const prefix = selector.prefix == null ? null : checkCode(selector.prefix, 'selector.prefix');
  const pattern = selector.pattern == null ? null : checkPattern(selector.pattern, 'selector.pattern');
  if (prefix !== null && pattern === null) return { prefix, pattern };
  if (prefix === null && pattern !== null) return { prefix, pattern };
  throw new ValidationError('selector', 'name exactly one of prefix and pattern');
}

export function checkGroupLevel(level: number | null | undefined): number | null {
  if (level == null) return null;
  if (!Number.isInteger(level) || level < 1 || level > MAX_GROUP_LEVEL)
    throw new ValidationError('groupBy.level', `1 to ${MAX_GROUP_LEVEL} code segments, not ${level}`);
  return level;
}

/**
 * The rows, in key then currency order. `now` is the request's time when asOf and knownAt are
 * both now (then pending counts live holds); null otherwise.
 */
export async function aggregateBalances(
  db: Db,
  selector: Selected,
  level: number | null,
  asOf: string,
  cut: ReportCut,
  now: string | null,
): Promise<AggregateBalance[]> {
  const { prefix, pattern } = selector;
  const plain = plainPrefix(selector);
  if (now !== null && plain !== null) {
    const summed = await prefixSumsNow(db, plain, level, now, cut.atPosition);
    if (summed !== null) return rowsOf(summed);
  }
  const groups = new Map<string, Group>();
  for await (const page of selected(db, prefix ?? literalPrefix(pattern!), pattern)) {
    const members = page.filter((account) => account.openedAt <= asOf);
    const figures =
      now !== null ? await currentFiguresOf(db, members, now) : await figuresAt(db, members, asOf, cut.atPosition);
    for (const account of members) {
      const figure = figures.get(account.code);
      if (figure === undefined) continue; // opened after the cut
      const key = level === null ? (prefix ?? pattern!) : account.code.split(':').slice(0, level).join(':');
      const id = `${key}\u0000${account.currency}`;
      const group = groups.get(id) ?? newGroup(key, account);
      group.debits += figure.debits;
      group.credits += figure.credits;
      group.posted += figure.posted;
      group.pending += figure.pending;
      group.accountCount += 1;
      groups.set(id, group);
    }
  }
  return rowsOf([...groups.values()]);
}

/** A selector that is a code prefix and nothing else, or null. */
function plainPrefix(selector: Selected): string | null {
  const others = Object.entries(selector).filter(([name]) => name !== 'prefix');
  return others.every(([, value]) => value == null) ? selector.prefix : null;
}

function rowsOf(groups: Group[]): AggregateBalance[] {
  return groups
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.currency < b.currency ? -1 : 1))
    .map(({ scale, ...g }) => ({
      key: g.key,
      currency: g.currency,
      debits: formatScaled(g.debits, scale),
      credits: formatScaled(g.credits, scale),
      posted: formatScaled(g.posted, scale),
      pending: formatScaled(g.pending, scale),
      available: formatScaled(g.posted - g.pending, scale),
      accountCount: g.accountCount,
    }));
}

/** Sums in minor units of the group's currency (exact, and far cheaper than decimal.js per member). */
interface Group {
  key: string;
  currency: string;
  scale: number;
  debits: bigint;
  credits: bigint;
  posted: bigint;
  pending: bigint;
  accountCount: number;
}

function newGroup(key: string, account: AccountView): Group {
  const { currency, scale } = account;
  return { key, currency, scale, debits: 0n, credits: 0n, posted: 0n, pending: 0n, accountCount: 0 };
}

/** The accounts at or below `prefix` (all when null) that match the pattern, a page at a time. */
async function* selected(db: Db, prefix: string | null, pattern: string | null): AsyncGenerator<AccountView[]> {
  const PAGE = 500;
  let afterCode: string | undefined;
  for (;;) {
    const page = await listAccounts(db, { afterCode, limit: PAGE, prefix });
    yield page.slice(0, PAGE).filter((account) => pattern === null || matchesPattern(pattern, account.code));
    if (page.length <= PAGE) return;
    afterCode = page[PAGE - 1]!.code;
    await breathe();
  }
}
