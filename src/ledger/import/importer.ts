/**
 * The import itself, whatever the source: transactions in batches through the ledger's own write
 * path (postTransactions: the API's validation, one durable commit per batch), accounts opened
 * as needed, balance assertions checked against the ledger, and an idempotency key derived from
 * each transaction's source text and its ordinal among identical ones — so a second run of the
 * same file finds every key and posts nothing, and a run stopped by a refusal resumes where it
 * stopped. A dry run checks the same, writes nothing and says what would change.
 */
import { createHash } from 'node:crypto';
import { LedgerError } from '../../domain/errors.js';
import { conversionLegs, DEFAULT_CONVERSION_ACCOUNT } from '../../domain/exchanges.js';
import { MAX_BATCH_LEGS, MAX_LEGS } from '../../domain/limits.js';
import { parsePair, parseRate } from '../../domain/prices.js';
import { Amount, ZERO } from '../../domain/money.js';
import { breathe } from '../../slices.js';
import { findIdempotencies } from '../../store/idempotency.js';
import { balanceAtPosition, positionKnownAt } from '../as-of.js';
import type { CommandContext } from '../context.js';
import type { BatchResult, Ledger, PostTransactionInput } from '../ledger.js';
import { getAccounts, type AccountView } from '../queries.js';
import { ImportAccounts } from './import-accounts.js';
import type { ImportItem, ImportPrice, ImportSource } from './model.js';
import { ImportRefused } from './refusal.js';

/** Transactions per commit: the write path's batch bound is 1,000; fewer keeps each commit short. */
export const IMPORT_BATCH = 500;
const END_OF_TIME = '9999-12-31T23:59:59.999Z';

export interface ImportOptions {
  dryRun: boolean;
  ctx: CommandContext;
  batchSize?: number;
  /** The ledger's conversion account root (where exchanges post), for the dry run's figures. */
  conversionAccount?: string;
  /** Called after each batch with the transactions read so far. */
  progress?: (read: number) => void;
}

/** Per account: postings and their net (debits positive) that this import posts, or would. */
export interface AccountChange {
  currency: string;
  postings: number;
  net: Amount;
}

export interface ImportSummary {
  read: number;
  posted: number;
  /** Already in the ledger from an earlier run (their keys were found). */
  skipped: number;
  assertions: number;
  /** Prices recorded (or, dry, checked); the same price again records nothing. */
  prices: number;
  accountsOpened: string[];
  changes: Map<string, AccountChange>;
  notes: Map<string, number>;
}

interface Staged {
  item: ImportItem;
  key: string;
}

export async function runImport(ledger: Ledger, source: ImportSource, options: ImportOptions): Promise<ImportSummary> {
  const accounts = new ImportAccounts(ledger, await source.plan(), options);
  const summary: ImportSummary = {
    read: 0,
    posted: 0,
    skipped: 0,
    assertions: 0,
    prices: 0,
    accountsOpened: accounts.opened,
    changes: new Map(),
    notes: source.notes,
  };
  const ordinals = new Map<string, number>();
  // A dry run posts nothing: what it would have posted stays here for the assertions after it.
  const unposted: ImportItem[] = [];
  let batch: Staged[] = [];
  const flush = async () => {
    await postBatch(ledger, accounts, batch, unposted, summary, options);
    // Kept for the assertions after them only: a source without assertions (JSON Lines) keeps none.
    if (!options.dryRun || !source.assertions) unposted.length = 0;
    batch = [];
    options.progress?.(summary.read);
  };
  try {
    for await (const item of source.items()) {
      if ('kind' in item) {
        // Flushed first: a refusal after the price must find everything before it posted, and nothing after.
        await flush();
        await recordPrice(ledger, item, options);
        summary.prices += 1;
        continue;
      }
      summary.read += 1;
      if (item.legs.length > MAX_LEGS)
        throw new ImportRefused(item.line, `${item.legs.length} postings: a transaction has at most ${MAX_LEGS}`);
      // The write path bounds a batch's legs too: a batch of wide transactions is cut short.
      if (legsOf(batch) + item.legs.length > MAX_BATCH_LEGS) await flush();
      batch.push({ item, key: keyOf(item, ordinals) });
      if (batch.length >= (options.batchSize ?? IMPORT_BATCH)) await flush();
      await breathe();
    }
  } catch (error) {
    // A line the source cannot read: everything before it is still posted, then the refusal stands.
    if (error instanceof ImportRefused) await flush();
    throw error;
  }
  await flush();
  if (source.openUnused) await accounts.openRest();
  return summary;
}

function legsOf(batch: Staged[]): number {
  return batch.reduce((sum, s) => sum + s.item.legs.length, 0);
}

/** "import:" + the hash of the text + its ordinal among identical texts (two equal coffees are two). */
function keyOf(item: ImportItem, ordinals: Map<string, number>): string {
  const hash = createHash('sha256').update(item.content).digest('base64url').slice(0, 32);
  const ordinal = (ordinals.get(hash) ?? 0) + 1;
  ordinals.set(hash, ordinal);
  return `import:${hash}:${ordinal}`;
}

/**
 * One batch: keys already in the ledger are skipped; the assertions checked in order; what
 * precedes the first refusal is posted (atomically, so nothing after it is), then the refusal raised.
 */
async function postBatch(
  ledger: Ledger,
  accounts: ImportAccounts,
  batch: Staged[],
  unposted: ImportItem[],
  summary: ImportSummary,
  options: ImportOptions,
): Promise<void> {
  if (batch.length === 0) return;
  const db = ledger.database.db;
  const done = new Set(
    (
      await findIdempotencies(
        db,
        batch.map((s) => s.key),
      )
    ).map((r) => r.key),
  );
  const fresh = batch.filter((s) => !done.has(s.key));
  summary.skipped += batch.length - fresh.length;
  let refusal: ImportRefused | null = null;
  let candidates = fresh;
  try {
    await accounts.prepare(fresh.map((s) => s.item));
  } catch (error) {
    if (!(error instanceof ImportRefused)) throw error;
    refusal = error;
    candidates = fresh.filter((s) => s.item.line < error.line);
  }
  let accepted = candidates;
  const failing = await firstFailingAssertion(ledger, candidates, unposted);
  if (failing) {
    refusal = failing.refusal;
    accepted = candidates.slice(0, failing.index);
  }
  const result = await post(ledger, accounts, accepted, options);
  const root = options.conversionAccount ?? DEFAULT_CONVERSION_ACCOUNT;
  for (const staged of result.posted) count(summary, staged.item, root);
  const stop = result.refusal ?? refusal;
  if (stop) throw stop;
}

function count(summary: ImportSummary, item: ImportItem, root: string): void {
  // A transaction that only asserts posts nothing, and is checked again on every run.
  if (item.legs.length > 0) summary.posted += 1;
  summary.assertions += item.assertions.length;
  for (const leg of [...item.legs, ...conversionLegs(root, item.exchanges)]) {
    const change = summary.changes.get(leg.account) ?? { currency: leg.currency ?? '', postings: 0, net: ZERO };
    change.postings += 1;
    change.net = change.net.plus(leg.direction === 'DEBIT' ? leg.amount : new Amount(leg.amount).negated());
    summary.changes.set(leg.account, change);
  }
}

/** Each assertion against the ledger's balance at the transaction's effective time, plus what is not yet posted. */
async function firstFailingAssertion(
  ledger: Ledger,
  fresh: Staged[],
  unposted: ImportItem[],
): Promise<{ index: number; refusal: ImportRefused } | null> {
  if (!fresh.some((s) => s.item.assertions.length)) {
    unposted.push(...fresh.map((s) => s.item));
    return null;
  }
  const db = ledger.database.db;
  const P = await positionKnownAt(db, END_OF_TIME);
  for (const [index, { item }] of fresh.entries()) {
    for (const assertion of item.assertions) {
      const view: AccountView | undefined = (await getAccounts(db, [assertion.account])).get(assertion.account);
      const stored = view ? await balanceAtPosition(db, view, item.effectiveAt, P) : null;
      let balance = stored ? new Amount(stored.debits).minus(stored.credits) : ZERO;
      for (const earlier of unposted) {
        if (earlier.effectiveAt > item.effectiveAt) continue;
        for (const leg of earlier.legs)
          if (leg.account === assertion.account)
            balance = leg.direction === 'DEBIT' ? balance.plus(leg.amount) : balance.minus(leg.amount);
      }
      balance = balance.plus(assertion.within);
      if (!balance.eq(assertion.expected))
        return {
          index,
          refusal: new ImportRefused(
            assertion.line,
            `balance assertion failed: ${assertion.account} is ${balance.toString()} ${assertion.currency} after this posting, not ${assertion.expected.toString()}`,
          ),
        };
    }
    unposted.push(item);
  }
  return null;
}

/**
 * Posts the accepted items in one atomic batch; on a refusal, posts those before it and says why.
 * A dry run rehearses the batch (Ledger.dryRunBatch) when its accounts all exist already; one that
 * would open accounts is checked by the rules above only (the rehearsal cannot open accounts).
 */
async function post(
  ledger: Ledger,
  accounts: ImportAccounts,
  accepted: Staged[],
  options: ImportOptions,
): Promise<{ posted: Staged[]; refusal: ImportRefused | null }> {
  const posting = accepted.filter((s) => s.item.legs.length > 0);
  const inputs: PostTransactionInput[] = posting.map(({ item, key }) => ({
    idempotencyKey: key,
    entries: item.legs.map((l) => ({ account: l.account, direction: l.direction, amount: l.amount })),
    effectiveAt: item.effectiveAt,
    description: item.description,
    metadata: item.metadata,
    ...(item.exchanges.length ? { exchanges: item.exchanges } : {}),
  }));
  if (inputs.length === 0) return { posted: accepted, refusal: null };
  let results: BatchResult[];
  if (!options.dryRun) results = await ledger.postTransactions(inputs, options.ctx, { atomic: true });
  else if (accounts.allExist(inputs)) {
    const operations = inputs.map((input) => ({ post: input }));
    results = (await ledger.dryRunBatch(operations, options.ctx, { atomic: true })).results;
  } else return { posted: accepted, refusal: null };
  const failed = results.findIndex((r) => r.error && r.error.code !== 'BATCH_ITEM_NOT_POSTED');
  if (failed < 0) return { posted: accepted, refusal: null };
  const before = inputs.slice(0, failed);
  if (before.length && !options.dryRun) await ledger.postTransactions(before, options.ctx, { atomic: true });
  const error = results[failed]!.error as LedgerError;
  const at = accepted.indexOf(posting[failed]!);
  return {
    posted: accepted.slice(0, at),
    refusal: new ImportRefused(posting[failed]!.item.line, `refused by the ledger: ${error.message} (${error.code})`),
  };
}

/** setPrice, with the API's checks; a dry run checks only. */
async function recordPrice(ledger: Ledger, price: ImportPrice, options: ImportOptions): Promise<void> {
  try {
    parsePair(price.base, price.quote);
    parseRate(price.rate);
    if (options.dryRun) return;
    const { base, quote, rate, effectiveAt } = price;
    await ledger.setPrice({ base, quote, rate, effectiveAt }, options.ctx);
  } catch (error) {
    if (error instanceof LedgerError)
      throw new ImportRefused(price.line, `price refused: ${error.message} (${error.code})`);
    throw error;
  }
}
