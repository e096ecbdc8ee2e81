/**
 * A hold's legs, leg by leg in the order placed (issue 20): what is held, captured and released
 * as amounts on each leg. Pure, and free of the journal's rules (hold-amounts.ts reads inputs).
 */
import type { Leg } from './account-model.js';
import { InvalidAmount } from './errors.js';
import { Amount, ZERO, formatAmount, parseCurrency } from './money.js';

export const amountOf = (leg: Leg) => new Amount(leg.amount);
/** The leg at `amount`, written at its currency's scale. */
export const at = (leg: Leg, amount: Amount): Leg => ({
  ...leg,
  amount: formatAmount(amount, parseCurrency(leg.currency).scale),
});

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
