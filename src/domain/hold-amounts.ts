/**
 * Holds v2 (issue 20): the amounts a capture or an adjustment names, as the hold's legs. Pure.
 * A hold keeps its legs in the order placed; every capture and adjustment is written leg by leg
 * in that order, so "which leg" is never ambiguous once decided here.
 */
import type { Leg } from './account.js';
import { UnbalancedTransaction, ValidationError } from './errors.js';
import { Amount, ZERO, formatAmount, parseCurrency, parsePositiveAmount } from './money.js';
import { amountOf, at } from './hold-legs.js';
import { imbalancesOf } from './transaction.js';

/** What a capture or an adjustment asks for: everything held (null), every leg at `amount`, or leg by leg. */
export type HoldAmounts = null | { amount: string } | { legs: ReadonlyArray<{ account: string; amount: string }> };

/** The input's `amount` and `legs`: at most one of them (neither: everything held). */
export function holdAmountsOf(input: {
  amount?: string | null;
  legs?: ReadonlyArray<{ account: string; amount: string }> | null;
}): HoldAmounts {
  if (input.amount != null && input.legs != null)
    throw new ValidationError('legs', 'give either amount (every leg) or legs (leg by leg), not both');
  if (input.legs != null) {
    if (input.legs.length === 0) throw new ValidationError('legs', 'name at least one leg of the hold');
    return { legs: input.legs };
  }
  return input.amount == null ? null : { amount: input.amount };
}

/**
 * The hold's legs at the amounts asked, leg by leg in the hold's order. `unnamed`: what a leg the
 * input does not name gets — nothing (a capture) or what it holds (an adjustment).
 */
export function legsAsked(held: readonly Leg[], amounts: HoldAmounts, unnamed: 'zero' | 'keep'): Leg[] {
  if (amounts === null) return held.map((leg) => ({ ...leg }));
  if ('amount' in amounts) {
    if (new Set(held.map((leg) => amountOf(leg).toString())).size !== 1)
      throw new ValidationError('amount', 'this hold’s legs hold different amounts: name them one by one with legs');
    return held.map((leg) => at(leg, parsePositiveAmount(amounts.amount, parseCurrency(leg.currency))));
  }
  const asked = held.map((leg) => (unnamed === 'zero' ? at(leg, ZERO) : { ...leg }));
  const named = new Set<string>();
  for (const [i, { account, amount }] of amounts.legs.entries()) {
    const indexes = held.flatMap((leg, j) => (leg.account === account ? [j] : []));
    if (indexes.length === 0)
      throw new ValidationError(`legs[${i}].account`, `"${account}" is not an account of this hold`);
    if (indexes.length > 1)
      throw new ValidationError(`legs[${i}].account`, `the hold has several legs on "${account}": use amount instead`);
    if (named.has(account)) throw new ValidationError(`legs[${i}].account`, `"${account}" is named twice`);
    named.add(account);
    const leg = held[indexes[0]!]!;
    asked[indexes[0]!] = at(leg, parsePositiveAmount(amount, parseCurrency(leg.currency)));
  }
  const imbalances = imbalancesOf(asked).map((i) => {
    const scale = parseCurrency(i.currency).scale;
    return { ...i, debit: formatAmount(new Amount(i.debit), scale), credit: formatAmount(new Amount(i.credit), scale) };
  });
  if (imbalances.length > 0) throw new UnbalancedTransaction(imbalances);
  return asked;
}
