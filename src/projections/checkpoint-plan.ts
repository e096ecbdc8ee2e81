/**
 * The pure part of balance checkpoints (see docs/api.md, "How as-of answers stay fast").
 *
 * Every N events an account closes an *epoch*. At the end of an epoch, at position p:
 *  - a new *breakpoint* is opened at the account's effective-time frontier F (the latest
 *    effectiveAt of any posting so far), valued at everything known: Σ(effectiveAt <= F, pos <= p);
 *  - every older breakpoint t that a posting of this epoch reaches (effectiveAt <= t: a late,
 *    backdated entry) gets a new row valued at Σ(effectiveAt <= t, pos <= p).
 * So for any breakpoint t and epoch end e, the latest row of t at or before e is
 * Σ(effectiveAt <= t, pos <= e) — the corner an as-of query starts from.
 */
import { Amount, ZERO } from '../domain/money.js';

export interface Totals {
  debits: Amount;
  credits: Amount;
}

/** What one event posted to the account: the sum of its legs on that account. */
export interface Posting {
  position: number;
  effectiveAt: string;
  debits: Amount;
  credits: Amount;
}

export interface CheckpointValue {
  effectiveAt: string;
  totals: Totals;
}

export interface EpochEnd {
  position: number;
  /** The frontier before this epoch (the newest breakpoint), or null before the first posting. */
  previousFrontier: string | null;
  /** All postings of the account with position <= this epoch's end, summed. */
  totals: Totals;
  /** The postings recorded during this epoch. */
  postings: Posting[];
  /** Latest values of the breakpoints with effectiveAt >= the earliest posting of the epoch. */
  reached: CheckpointValue[];
}

export interface EpochResult {
  frontier: string | null;
  /** New checkpoint rows, all at the epoch's end position. */
  checkpoints: CheckpointValue[];
}

export function closeEpoch(epoch: EpochEnd): EpochResult {
  let frontier = epoch.previousFrontier;
  for (const p of epoch.postings) if (frontier === null || p.effectiveAt > frontier) frontier = p.effectiveAt;
  const checkpoints: CheckpointValue[] = epoch.reached.map(({ effectiveAt, totals }) => {
    let { debits, credits } = totals;
    for (const p of epoch.postings) {
      if (p.effectiveAt <= effectiveAt) {
        debits = debits.plus(p.debits);
        credits = credits.plus(p.credits);
      }
    }
    return { effectiveAt, totals: { debits, credits } };
  });
  if (frontier !== null && (epoch.previousFrontier === null || frontier > epoch.previousFrontier)) {
    checkpoints.push({ effectiveAt: frontier, totals: epoch.totals });
  }
  return { frontier, checkpoints };
}

/** The earliest effective time among postings, or null when there are none. */
export function earliest(postings: readonly Posting[]): string | null {
  let min: string | null = null;
  for (const p of postings) if (min === null || p.effectiveAt < min) min = p.effectiveAt;
  return min;
}

export function sumPostings(postings: Iterable<Pick<Posting, 'debits' | 'credits'>>, base: Totals = { debits: ZERO, credits: ZERO }): Totals {
  let { debits, credits } = base;
  for (const p of postings) {
    debits = debits.plus(p.debits);
    credits = credits.plus(p.credits);
  }
  return { debits, credits };
}

export function postingsFromEntries(rows: Array<{ position: number; effective_at: string; direction: string; amount: string }>): Posting[] {
  const byPosition = new Map<number, Posting>();
  for (const row of rows) {
    const position = Number(row.position);
    const posting = byPosition.get(position) ?? { position, effectiveAt: row.effective_at, debits: ZERO, credits: ZERO };
    if (row.direction === 'DEBIT') posting.debits = posting.debits.plus(row.amount);
    else posting.credits = posting.credits.plus(row.amount);
    byPosition.set(position, posting);
  }
  return [...byPosition.values()];
}
