/**
 * The valuation rule, pure: each line rounded once, half to even, to the target scale; totals
 * from exact values; the rounding line makes lines + rounding = total, for any values at all.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Amount, ZERO } from '../../src/domain/money.js';
import { exactValue, PriceNotFound, roundValue, tie } from '../../src/domain/valuation.js';

const price = (rate: string, inverse = false) => ({
  base: 'EUR',
  quote: 'USD',
  rate,
  effectiveAt: '2026-01-01T00:00:00.000Z',
  inverse,
});

describe('valuation rounding', () => {
  it('rounds half to even, never a negative zero', () => {
    expect(roundValue(new Amount('1.265'), 2).toFixed(2)).toBe('1.26');
    expect(roundValue(new Amount('1.275'), 2).toFixed(2)).toBe('1.28');
    expect(roundValue(new Amount('-2.5'), 0).toFixed(0)).toBe('-2');
    expect(roundValue(new Amount('-0.001'), 2).toFixed(2)).toBe('0.00');
  });

  it('values exactly, dividing by a reverse price', () => {
    expect(exactValue(new Amount('10.00'), price('1.1')).toString()).toBe('11');
    expect(exactValue(new Amount('1000'), price('150', true)).toFixed(4)).toBe('6.6667');
    expect(exactValue(new Amount('3'), undefined).toString()).toBe('3');
  });

  it('ties three thirds with a visible rounding line', () => {
    const third = exactValue(new Amount('1'), price('3', true));
    const tied = tie([third, third, third], 2);
    expect(tied.lines.map((l) => l.toFixed(2))).toEqual(['0.33', '0.33', '0.33']);
    expect(tied.total.toFixed(2)).toBe('1.00');
    expect(tied.rounding.toFixed(2)).toBe('0.01');
  });

  it('lines + rounding = the total of the exact values, rounded once (property)', () => {
    const amount = fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }).map((n) => new Amount(n.toString()).div(100));
    const rate = fc
      .tuple(fc.bigInt({ min: 1n, max: 10n ** 9n }), fc.integer({ min: 0, max: 8 }))
      .map(([n, scale]) => new Amount(n.toString()).div(new Amount(10).pow(scale)).toString());
    fc.assert(
      fc.property(
        fc.array(fc.tuple(amount, rate, fc.boolean()), { maxLength: 40 }),
        fc.constantFrom(0, 2, 3, 8),
        (items, scale) => {
          const exact = items.map(([a, r, inverse]) => exactValue(a, price(r, inverse)));
          const tied = tie(exact, scale);
          const sum = tied.lines.reduce((s, l) => s.plus(l), ZERO);
          expect(sum.plus(tied.rounding).eq(tied.total)).toBe(true);
          expect(
            tied.total.eq(
              roundValue(
                exact.reduce((s, v) => s.plus(v), ZERO),
                scale,
              ),
            ),
          ).toBe(true);
          for (const line of [...tied.lines, tied.total, tied.rounding])
            expect(line.decimalPlaces()).toBeLessThanOrEqual(scale);
          // Each line is off by at most half a unit, so the rounding line is bounded by the count.
          expect(tied.rounding.abs().lte(new Amount(10).pow(-scale).times(items.length / 2 + 1))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('names the pair and the date of a missing price', () => {
    const error = new PriceNotFound('EUR', 'USD', '2026-01-31T23:59:59.999Z');
    expect(error.code).toBe('PRICE_NOT_FOUND');
    expect(error.message).toContain('EUR in USD');
    expect(error.message).toContain('2026-01-31T23:59:59.999Z');
  });
});
