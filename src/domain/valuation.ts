/**
 * Valuation: an amount shown also in another currency, at a recorded price. Pure: the rounding
 * rule and the tie of rounded lines to their exactly computed total live here, so they are the
 * same for every report and can be checked as a property.
 *
 * The rule: values are computed exactly (an amount times a rate, or divided by the rate of the
 * reverse pair); each line is rounded once, half to even, to the target currency's scale; a
 * total is the exact sum of its lines' exact values, rounded once the same way; the rounding line
 * is the total less the sum of the rounded lines, so lines + rounding = total, always.
 */
import { LedgerError } from './errors.js';
import { Amount, ZERO } from './money.js';

export type ValuationDate = 'REPORT_DATE' | 'POSTING_DATE';

export interface Valuation {
  /** The target currency. */
  currency: string;
  at: ValuationDate;
}

/** The recorded price a value used: `base → quote` at `rate`, effective at `effectiveAt`. */
export interface PriceUsed {
  base: string;
  quote: string;
  rate: string;
  effectiveAt: string;
  /** True when the amount was divided by this price: only the reverse pair was recorded. */
  inverse: boolean;
}

/** No price of a pair (nor of its reverse) is effective by a date, as known at the report's cut. */
export class PriceNotFound extends LedgerError {
  readonly code = 'PRICE_NOT_FOUND';
  constructor(
    readonly base: string,
    readonly quote: string,
    readonly asOf: string,
  ) {
    super(`no price of ${base} in ${quote} (nor of ${quote} in ${base}) is effective at or before ${asOf}`);
  }
}

/** The exact value of `amount` at a price (`undefined`: the amount is already in the target currency). */
export function exactValue(amount: Amount, price: PriceUsed | undefined): Amount {
  if (!price) return amount;
  return price.inverse ? amount.div(price.rate) : amount.times(price.rate);
}

/** The one rounding of valuation: half to even, to the target currency's scale. */
export function roundValue(value: Amount, scale: number): Amount {
  const rounded = value.toDecimalPlaces(scale, Amount.ROUND_HALF_EVEN);
  // -0.001 rounds to a negative zero, which would print as "-0.00".
  return rounded.isZero() ? ZERO : rounded;
}

/**
 * Whether two exact values are equal at the target scale: a value divided by a rate (a reverse
 * price) carries 100 significant digits, so 3 × (1000 ÷ 150) differs from 20 in the 98th decimal.
 */
export function agree(a: Amount, b: Amount, scale: number): boolean {
  return roundValue(a.minus(b), scale).isZero();
}

export interface Tied {
  /** Each line's exact value, rounded. */
  lines: Amount[];
  /** The exact sum of the lines' exact values, rounded. */
  total: Amount;
  /** total − Σ lines: what rounding lines one by one lost or gained. */
  rounding: Amount;
}

/** Rounds each exact value and the exact total, and the rounding line that makes them tie. */
export function tie(exact: readonly Amount[], scale: number): Tied {
  const lines = exact.map((v) => roundValue(v, scale));
  const total = roundValue(
    exact.reduce((s, v) => s.plus(v), ZERO),
    scale,
  );
  return { lines, total, rounding: total.minus(lines.reduce((s, v) => s.plus(v), ZERO)) };
}
