/**
 * Aggregate balances: the accounts a selector names (a code prefix, a pattern or a category), summed per
 * group and currency as of `asOf` and the cut — never mixing currencies, each row exactly the sum
 * of its members (issue 19, point 5). Grouping by `level` keeps the first n code segments.
 */
import { ValidationError } from '../domain/errors.js';
import { checkPattern, literalPrefix, matchesPattern } from '../domain/filters.js';
import { checkCode } from '../domain/limits.js';
import { formatScaled } from '../domain/scaled-amount.js';
import { currentFiguresOf, figuresAt } from '../ledger/bulk-balances.js';
import { membersAt } from '../ledger/categories.js';
import { prefixSumsNow } from '../ledger/prefix-sums-now.js';
import { getAccounts, listAccounts, type AccountView } from '../ledger/queries.js';
import { breathe } from '../slices.js';
import type { Db } from '../store/db.js';
import type { ReportCut } from './cut.js';
import {
  checkMetadataPath,
  checkMetadataPredicates,
  type MetadataPredicate,
  type MetadataPredicateInput,
} from '../domain/metadata.js';
import { indexedMatches, valuesAt, type IndexRef } from '../ledger/metadata-filter.js';

/** Exactly one of them. */
export interface AccountSelector {
  prefix?: string | null;
  pattern?: string | null;
  /** On the accounts' metadata as known at the cut (an ACCOUNT index per path). */
  metadata?: readonly MetadataPredicateInput[] | null;
  /** A category's members at asOf, as known at the cut (ledger/categories.ts). */
  category?: string | null;
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

/** A checked selector: exactly one of them is set. */
export interface Selected {
  prefix: string | null;
  pattern: string | null;
  metadata?: MetadataPredicate[];
  category?: string | null;
}

export function checkSelector(selector: AccountSelector): Selected {
  const prefix = selector.prefix == null ? null : checkCode(selector.prefix, 'selector.prefix');
  const pattern = selector.pattern == null ? null : checkPattern(selector.pattern, 'selector.pattern');
  const metadata = checkMetadataPredicates(selector.metadata, 'selector.metadata');
  const category = selector.category == null ? null : checkCode(selector.category, 'selector.category');
  const given = [prefix !== null, pattern !== null, metadata !== undefined, category !== null].filter(Boolean).length;
  if (given !== 1) throw new ValidationError('selector', 'name exactly one of prefix, pattern, metadata and category');
  return { prefix, pattern, metadata, category };
}

/** What the metadata of a selector or grouping reads: the index of each path (an ACCOUNT one). */
export interface MetadataReads {
  indexes: ReadonlyMap<string, IndexRef>;
  /** groupBy metadataPath: the path, and its index. */
  groupBy?: { path: string; index: IndexRef };
}

/** The key of a member without a value at the path grouped by (no JSON text is empty). */
export const NO_VALUE_KEY = '';

export function checkGroupLevel(level: number | null | undefined): number | null {
  if (level == null) return null;
  if (!Number.isInteger(level) || level < 1 || level > MAX_GROUP_LEVEL)
    throw new ValidationError('groupBy.level', `1 to ${MAX_GROUP_LEVEL} code segments, not ${level}`);
  return level;
}

/** At most one way to group: by code segments or by a metadata path. */
export function checkGroupBy(groupBy: { level?: number | null; metadataPath?: string | null } | null | undefined) {
  const level = checkGroupLevel(groupBy?.level);
  const path = groupBy?.metadataPath;
  const metadataPath = path == null ? null : checkMetadataPath(path, 'groupBy.metadataPath');
  if (level !== null && metadataPath !== null)
    throw new ValidationError('groupBy', 'group by level or by metadataPath, not both');
  return { level, metadataPath };
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
  reads: MetadataReads = { indexes: new Map() },
): Promise<AggregateBalance[]> {
  const { prefix, pattern } = selector;
  const plain = plainPrefix(selector);
  // One statement per prefix at now, unless the groups are metadata values (read per page).
  if (now !== null && plain !== null && !reads.groupBy) {
    const summed = await prefixSumsNow(db, plain, level, now, cut.atPosition);
    if (summed !== null) return rowsOf(summed);
  }
  const groups = new Map<string, Group>();
  const pages =
    selector.category != null
      ? listed(db, await membersAt(db, selector.category, asOf, cut.atPosition))
      : selected(db, prefix ?? (pattern === null ? null : literalPrefix(pattern)), pattern);
  for await (const page of pages) {
    const { members, keyOf } = await byMetadata(db, selector, reads, page, cut.atPosition);
    const opened = members.filter((account) => account.openedAt <= asOf);
    const figures =
      now !== null ? await currentFiguresOf(db, opened, now) : await figuresAt(db, opened, asOf, cut.atPosition);
    for (const account of opened) {
      const figure = figures.get(account.code);
      if (figure === undefined) continue; // opened after the cut
      const key =
        keyOf?.(account.code) ??
        (level === null
          ? (prefix ?? pattern ?? selector.category ?? 'metadata')
          : account.code.split(':').slice(0, level).join(':'));
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

/**
 * The page's accounts the metadata selector keeps, and (groupBy metadataPath) each one's key: its
 * value as known at the cut, as JSON, or NO_VALUE_KEY. One read per path for the whole page.
 */
async function byMetadata(
  db: Db,
  selector: Selected,
  reads: MetadataReads,
  page: AccountView[],
  atPosition: number,
): Promise<{ members: AccountView[]; keyOf?: (code: string) => string }> {
  const codes = page.map((account) => account.code);
  let members = page;
  if (selector.metadata) {
    const byPath = new Map<string, Map<string, string>>();
    for (const [path, index] of reads.indexes) byPath.set(path, await valuesAt(db, index, codes, atPosition));
    members = page.filter((account) => {
      const values = new Map<string, string>();
      for (const [path, held] of byPath) if (held.has(account.code)) values.set(path, held.get(account.code)!);
      return indexedMatches(selector.metadata!, values);
    });
  }
  if (!reads.groupBy) return { members };
  const held = await valuesAt(db, reads.groupBy.index, codes, atPosition);
  return { members, keyOf: (code) => held.get(code) ?? NO_VALUE_KEY };
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

/** Explicitly listed accounts (a category's members), in code order, a page at a time. */
async function* listed(db: Db, codes: readonly string[]): AsyncGenerator<AccountView[]> {
  const PAGE = 500;
  for (let i = 0; i < codes.length; i += PAGE) {
    const found = await getAccounts(db, codes.slice(i, i + PAGE));
    yield codes.slice(i, i + PAGE).flatMap((code) => found.get(code) ?? []);
    await breathe();
  }
}
