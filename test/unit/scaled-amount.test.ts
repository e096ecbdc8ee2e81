/** Minor-unit integers (aggregate sums) agree with decimal.js to the digit, and refuse rounding. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Amount, formatAmount } from '../../src/domain/money.js';
import { formatScaled, toScaled } from '../../src/domain/scaled-amount.js';

const amountAt = (scale: number) =>
  fc
    .tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.nat({ max: scale }))
    .map(([units, decimals]) => formatAmount(new Amount(units.toString()).div(10 ** decimals), decimals));

describe('scaled amounts', () => {
  it('sum exactly as decimal.js does and format as formatAmount does', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 18 }).chain((scale) => fc.tuple(fc.constant(scale), fc.array(amountAt(scale)))),
        ([scale, amounts]) => {
          const scaled = amounts.reduce((sum, a) => sum + toScaled(a, scale), 0n);
          const decimal = amounts.reduce((sum, a) => sum.plus(a), new Amount(0));
          expect(formatScaled(scaled, scale)).toBe(formatAmount(decimal, scale));
        },
      ),
    );
  });

  it('refuse an amount with more decimals than the scale, and what is not an amount', () => {
    expect(() => toScaled('1.005', 2)).toThrow(/scale 2/);
    expect(() => toScaled('1e5', 2)).toThrow();
    expect(toScaled('-0.5', 2)).toBe(-50n);
    expect(formatScaled(-5n, 2)).toBe('-0.05');
    expect(formatScaled(0n, 0)).toBe('0');
  });
});
