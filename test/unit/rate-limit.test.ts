/** The token bucket, on a clock the test moves. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/auth/rate-limit.js';

function limiter(perSecond: number, burst: number) {
  let now = 0;
  const rate = new RateLimiter(perSecond, burst, () => now);
  return { rate, advance: (ms: number) => (now += ms) };
}

describe('RateLimiter', () => {
  it('lets a burst through, then asks to wait until a token is back', () => {
    const { rate, advance } = limiter(2, 3);
    expect([rate.take('k'), rate.take('k'), rate.take('k')]).toEqual([null, null, null]);
    expect(rate.take('k')).toBe(1);
    advance(499);
    expect(rate.take('k')).toBe(1);
    advance(1);
    expect(rate.take('k')).toBeNull();
    expect(rate.take('k')).toBe(1);
  });

  it('keeps one bucket per key', () => {
    const { rate } = limiter(1, 1);
    expect(rate.take('a')).toBeNull();
    expect(rate.take('a')).toBe(1);
    expect(rate.take('b')).toBeNull();
  });

  it('rounds a wait up to whole seconds, never below 1', () => {
    const { rate } = limiter(0.25 as number, 1);
    expect(rate.take('k')).toBeNull();
    expect(rate.take('k')).toBe(4);
  });

  it('is off at 0 requests per second', () => {
    const { rate } = limiter(0, 1);
    expect(rate.enabled).toBe(false);
    for (let i = 0; i < 1000; i++) expect(rate.take('k')).toBeNull();
  });

  it('never admits more than burst + perSecond × elapsed seconds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 100 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 300 }),
        (perSecond, burst, gaps) => {
          const { rate, advance } = limiter(perSecond, burst);
          let admitted = 0;
          let elapsed = 0;
          for (const gap of gaps) {
            elapsed = advance(gap);
            if (rate.take('k') === null) admitted += 1;
            expect(admitted).toBeLessThanOrEqual(burst + Math.floor((perSecond * elapsed) / 1000) + 1e-9);
          }
        },
      ),
    );
  });
});
