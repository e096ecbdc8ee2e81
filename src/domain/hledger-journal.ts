/**
 * hledger's journal syntax, the part Inkwell imports: a block of lines (a transaction, or a
 * directive with its indented sub-lines) in, its meaning out — or the line and reason it cannot
 * be read. Pure: no I/O, no ledger; the importer (ledger/import/) checks it against the books.
 * What hledger allows but Inkwell cannot keep exactly (virtual postings, periodic and automated
 * transactions, include, default years, aliases) is refused by name, never half-read.
 */
import { parseJournalAmount, type JournalAmount } from './hledger-amount.js';

export interface SourceLine {
  number: number;
  text: string;
}

export interface JournalPosting {
  line: number;
  account: string;
  /** Left out: the one posting whose amount hledger infers. */
  amount: JournalAmount | null;
  /** `@ unit` or `@@ total`: the cost hledger balances with. */
  cost: { total: boolean; amount: JournalAmount } | null;
  /** `= AMOUNT` / `== AMOUNT`: the account's balance in that commodity after this posting. */
  assertion: JournalAmount | null;
}

export interface JournalTransaction {
  kind: 'transaction';
  line: number;
  date: string;
  code: string | null;
  description: string;
  comment: string;
  tags: Record<string, string>;
  postings: JournalPosting[];
}

export type JournalBlock =
  | JournalTransaction
  | { kind: 'account'; line: number; account: string; tags: Record<string, string> }
  | { kind: 'commodity'; line: number; amount: JournalAmount }
  | { kind: 'price'; line: number; date: string; symbol: string; amount: JournalAmount; tags: Record<string, string> }
  | { kind: 'ignored'; line: number };

export class JournalSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const DATE = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})/;
/** Directives that change nothing Inkwell keeps. */
const HARMLESS = new Set(['payee', 'tag', 'end']);
const REFUSED: Record<string, string> = {
  include: 'include directives are not imported: import each file on its own',
  alias: 'account aliases are not imported: write the account names out',
  Y: 'default years are not imported: write every date with its year',
  year: 'default years are not imported: write every date with its year',
  D: 'default commodities are not imported: write a commodity on every amount',
  apply: 'apply directives are not imported: write the account names out',
  '~': 'periodic transactions are forecasts, not history: not imported',
  '=': 'automated postings are not imported: write the postings out',
};

/** `YYYY-MM-DD` (also with / or .), checked to be a real day. */
export function journalDate(text: string, line: number): string {
  const match = DATE.exec(text);
  if (!match) throw new JournalSyntaxError(line, `"${text.slice(0, 20)}" does not start with a date (YYYY-MM-DD)`);
  const [y, m, d] = [match[1]!, match[2]!.padStart(2, '0'), match[3]!.padStart(2, '0')];
  const iso = `${y}-${m}-${d}`;
  const parsed = new Date(`${iso}T00:00:00.000Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== iso)
    throw new JournalSyntaxError(line, `${match[0]} is not a date`);
  return iso;
}

/** hledger tags in a comment: `name:value` up to the next comma; a name has no spaces. */
export function commentTags(comment: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const match of comment.matchAll(/(?:^|[\s,])([^\s,:]+):([^,]*)/g)) tags[match[1]!] = match[2]!.trim();
  return tags;
}

/** Text before a `;` comment, and the comment. */
function splitComment(text: string): [string, string] {
  const at = text.indexOf(';');
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1).trim()];
}

function amountOf(text: string, line: number): JournalAmount {
  const amount = parseJournalAmount(text);
  if (typeof amount === 'string') throw new JournalSyntaxError(line, amount);
  return amount;
}

/** One posting line: account, then (after two spaces or a tab) amount, cost and assertion. */
function postingOf(source: SourceLine): JournalPosting {
  const [body] = splitComment(source.text);
  const trimmed = body.trim().replace(/^[*!]\s*/, '');
  if (/^[([]/.test(trimmed))
    throw new JournalSyntaxError(source.number, 'virtual postings ((account) or [account]) are not imported');
  const gap = /\s{2,}|\t/.exec(trimmed);
  const account = gap ? trimmed.slice(0, gap.index) : trimmed;
  let rest = gap ? trimmed.slice(gap.index).trim() : '';
  let assertion: JournalAmount | null = null;
  const assertAt = rest.indexOf('=');
  if (assertAt >= 0) {
    const marker = /^==?\*?/.exec(rest.slice(assertAt))![0];
    if (marker.endsWith('*'))
      throw new JournalSyntaxError(source.number, 'inclusive assertions (=* and ==*) are not imported');
    assertion = amountOf(rest.slice(assertAt + marker.length), source.number);
    rest = rest.slice(0, assertAt).trim();
  }
  let cost: JournalPosting['cost'] = null;
  const costAt = rest.indexOf('@');
  if (costAt >= 0) {
    const total = rest.startsWith('@@', costAt);
    cost = { total, amount: amountOf(rest.slice(costAt + (total ? 2 : 1)), source.number) };
    rest = rest.slice(0, costAt).trim();
  }
  if (!assertion && rest === '' && cost)
    throw new JournalSyntaxError(source.number, 'a cost (@ or @@) needs an amount before it');
  if (assertion && rest === '')
    throw new JournalSyntaxError(
      source.number,
      'balance assignments (an assertion without an amount) are not imported: write the amount',
    );
  return { line: source.number, account, amount: rest === '' ? null : amountOf(rest, source.number), cost, assertion };
}

function transactionOf(lines: SourceLine[]): JournalTransaction {
  const head = lines[0]!;
  const date = journalDate(head.text, head.number);
  const [headText, headComment] = splitComment(head.text);
  const afterDate = headText.replace(/^\S+/, '').trim();
  const match = /^(?:[*!]\s*)?(?:\(([^)]*)\)\s*)?(.*)$/.exec(afterDate)!;
  const comments = headComment ? [headComment] : [];
  const postings: JournalPosting[] = [];
  for (const line of lines.slice(1)) {
    const text = line.text.trim();
    if (text.startsWith(';') || text.startsWith('#')) comments.push(text.slice(1).trim());
    else {
      postings.push(postingOf(line));
      const [, comment] = splitComment(line.text);
      if (comment) comments.push(comment);
    }
  }
  const tags = Object.assign({}, ...comments.map(commentTags)) as Record<string, string>;
  return {
    kind: 'transaction',
    line: head.number,
    date,
    code: match[1] ?? null,
    description: match[2]!.trim(),
    comment: comments.join('\n'),
    tags,
    postings,
  };
}

/** A commodity directive: `commodity 1,000.00 USD`, or `commodity USD` with a `format` sub-line. */
function commodityOf(lines: SourceLine[], argument: string): JournalBlock {
  const line = lines[0]!.number;
  if (/[0-9]/.test(argument)) return { kind: 'commodity', line, amount: amountOf(argument, line) };
  const format = lines.slice(1).find((l) => /^\s+format\s/.test(l.text));
  if (!format) return { kind: 'ignored', line };
  return { kind: 'commodity', line, amount: amountOf(splitComment(format.text)[0].trim().slice(6), format.number) };
}

/** The meaning of one block: its first line at column 0, the rest indented. */
export function parseBlock(lines: SourceLine[]): JournalBlock {
  const head = lines[0]!;
  if (/^\d/.test(head.text)) return transactionOf(lines);
  const [body, comment] = splitComment(head.text);
  const [keyword = '', ...words] = body.trim().split(/\s+/);
  const argument = body.trim().slice(keyword.length).trim();
  if (keyword === 'account') {
    const account = argument.split(/\s{2,}|\t/)[0]!;
    return { kind: 'account', line: head.number, account, tags: commentTags(comment) };
  }
  if (keyword === 'commodity') return commodityOf(lines, argument);
  if (keyword === 'P') {
    if (words.length < 3) throw new JournalSyntaxError(head.number, 'a price directive is P DATE COMMODITY AMOUNT');
    const date = journalDate(words[0]!, head.number);
    const symbol = words[1]!.replace(/^"(.*)"$/, '$1');
    const amount = amountOf(words.slice(2).join(' '), head.number);
    return { kind: 'price', line: head.number, date, symbol, amount, tags: commentTags(comment) };
  }
  if (keyword === 'decimal-mark' && argument === '.') return { kind: 'ignored', line: head.number };
  if (HARMLESS.has(keyword)) return { kind: 'ignored', line: head.number };
  const refused = REFUSED[keyword] ?? REFUSED[keyword.charAt(0)];
  throw new JournalSyntaxError(head.number, refused ?? `"${keyword.slice(0, 40)}" is not a directive Inkwell imports`);
}
