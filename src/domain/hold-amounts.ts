/**
 * Holds v2 (issue 20): the amounts a capture or an adjustment names, as the hold's legs. Pure.
 * A hold keeps its legs in the order placed; every capture and adjustment is written leg by leg
 * in that order, so "which leg" is never ambiguous once decided here.
 */
import type { Leg } from './account.js';
import { InvalidAmount, UnbalancedTransaction, ValidationError } from './errors.js';
import { Amount, ZERO, formatAmount, parseCurrency, parsePositiveAmount } from './money.js';
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

const amountOf = (leg: Leg) => new Amount(leg.amount);
const at = (leg: Leg, amount: Amount): Leg => ({
  ...leg,
  amount: formatAmount(amount, parseCurrency(leg.currency).scale),
});

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

/** A capture: at most what each leg holds (InvalidAmount otherwise), at least one leg moved. */
export function checkCapture(held: readonly Leg[], captured: readonly Leg[]): void {
  captured.forEach((leg, i) => {
    if (amountOf(leg).gt(amountOf(held[i]!)))
      throw new InvalidAmount(leg.amount, `more than the ${held[i]!.amount} held on "${leg.account}"`);
  });
}

/** Leg by leg, `a` less (or plus) `b` (legs in the hold's order). */
export function legsMinus(a: readonly Leg[], b: readonly Leg[]): Leg[] {
  return a.map((leg, i) => at(leg, amountOf(leg).minus(amountOf(b[i]!))));
}
export function legsPlus(a: readonly Leg[], b: readonly Leg[]): Leg[] {
  return a.map((leg, i) => at(leg, amountOf(leg).plus(amountOf(b[i]!))));
}

/** The legs that move money (a leg at zero is left out of a posting). */
export function nonZero(legs: readonly Leg[]): Leg[] {
  return legs.filter((leg) => !amountOf(leg).isZero());
}

export function allZero(legs: readonly Leg[]): boolean {
  return legs.every((leg) => amountOf(leg).isZero());
}

/**
 * `posted` (a capture's legs, zero ones left out) leg by leg in the hold's order: each posted leg
 * goes to the first leg of the hold on its account and side that still holds enough.
 */
export function alignToHold(held: readonly Leg[], posted: readonly Leg[]): Leg[] {
  const left = held.map(amountOf);
  const aligned = held.map((leg) => at(leg, ZERO));
  for (const leg of posted) {
    let rest = amountOf(leg);
    held.forEach((h, i) => {
      if (rest.isZero() || h.account !== leg.account || h.direction !== leg.direction || h.currency !== leg.currency)
        return;
      const take = Amount.min(rest, left[i]!);
      left[i] = left[i]!.minus(take);
      rest = rest.minus(take);
      aligned[i] = at(h, amountOf(aligned[i]!).plus(take));
    });
    if (!rest.isZero()) throw new Error(`invariant: a capture posts more than the hold holds on ${leg.account}`);
  }
  return aligned;
}
