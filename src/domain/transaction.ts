/** Pure rules of a journal entry, checked before any account decides on its own legs. */
import { requirePostable, type AccountState, type Direction, type Leg, type TransactionRecord } from './account.js';
import { CurrencyMismatch, UnbalancedTransaction, ValidationError, type CurrencyImbalance } from './errors.js';
import type { Exchange } from './exchanges.js';
import type { JsonObject } from './json.js';
import { type Amount, ZERO, formatAmount, parsePositiveAmount } from './money.js';
import { printable } from './text.js';
import { freezeDeep } from './json.js';
import { MIN_LEGS, MAX_LEGS } from './limits.js';

export interface EntryInput {
  account: string;
  direction: Direction;
  amount: string;
  /** Optional assertion by the client: the account's currency must be this one. */
  currency?: string | null;
}

export interface PostingInput {
  transactionId: string;
  idempotencyKey: string;
  entries: EntryInput[];
  description: string | null;
  metadata: JsonObject | null;
  /** Set by a reversal: the transaction it reverses. */
  reverses?: string | null;
  /** The conversions it made; their legs are among `entries` already (exchanges.ts). */
  exchanges?: Exchange[];
}

/** 2 to 100 legs: checked before anything is loaded (a body can name thousands of accounts), and again here. */
export function checkLegCount(entries: readonly unknown[]): void {
  if (entries.length < MIN_LEGS || entries.length > MAX_LEGS) {
    throw new ValidationError('entries', `a transaction has ${MIN_LEGS} to ${MAX_LEGS} legs, not ${entries.length}`);
  }
}

/**
 * Validates the legs against the accounts they name and returns the canonical record:
 * every amount > 0, within its currency's scale (never rounded), and debits equal to
 * credits in every currency.
 */
export function buildTransaction(input: PostingInput, accounts: ReadonlyMap<string, AccountState>): TransactionRecord {
  checkLegCount(input.entries);
  const legs: Leg[] = input.entries.map((entry) => {
    const state = requirePostable(accounts.get(entry.account), entry.account);
    if (entry.currency != null && entry.currency !== state.currency.code) {
      throw new CurrencyMismatch(entry.account, state.currency.code, printable(entry.currency));
    }
    const amount = parsePositiveAmount(entry.amount, state.currency);
    return {
      account: entry.account,
      direction: entry.direction,
      amount: formatAmount(amount, state.currency.scale),
      currency: state.currency.code,
    };
  });
  if (new Set(legs.map((leg) => leg.account)).size < 2) {
    throw new ValidationError('entries', 'a transaction moves value between at least two different accounts');
  }
  const imbalances = imbalancesOf(legs, accounts);
  if (imbalances.length > 0) throw new UnbalancedTransaction(imbalances);
  // Frozen: every touched account's event embeds this very record, encoded once.
  return freezeDeep({
    transactionId: input.transactionId,
    idempotencyKey: input.idempotencyKey,
    legs,
    description: input.description,
    metadata: input.metadata,
    reverses: input.reverses ?? null,
    exchanges: input.exchanges ?? [],
  });
}

/** Per-currency totals whose debits and credits differ; empty when the legs balance. */
export function imbalancesOf(legs: readonly Leg[], accounts?: ReadonlyMap<string, AccountState>): CurrencyImbalance[] {
  const totals = new Map<string, { debit: Amount; credit: Amount }>();
  for (const leg of legs) {
    const total = totals.get(leg.currency) ?? { debit: ZERO, credit: ZERO };
    if (leg.direction === 'DEBIT') total.debit = total.debit.plus(leg.amount);
    else total.credit = total.credit.plus(leg.amount);
    totals.set(leg.currency, total);
  }
  const scaleOf = (currency: string) => {
    for (const state of accounts?.values() ?? [])
      if (state.exists && state.currency.code === currency) return state.currency.scale;
    return undefined;
  };
  return [...totals.entries()]
    .filter(([, t]) => !t.debit.eq(t.credit))
    .map(([currency, t]) => {
      const scale = scaleOf(currency);
      const show = (a: Amount) => (scale === undefined ? a.toString() : formatAmount(a, scale));
      return { currency, debit: show(t.debit), credit: show(t.credit) };
    });
}
