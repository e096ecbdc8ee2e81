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

describe('RateLimiter as a cost budget', () => {
  it('spends amounts, refuses one it cannot cover without spending, and says when it can', () => {
    const { rate, advance } = limiter(10, 100);
    expect(rate.take('k', 70)).toBeNull();
    expect(rate.remaining('k')).toBe(30);
    expect(rate.take('k', 50)).toBe(2);
    expect(rate.remaining('k')).toBe(30);
    expect(rate.resetSeconds('k')).toBe(7);
    advance(2000);
    expect(rate.take('k', 50)).toBeNull();
    expect(rate.remaining('k')).toBe(0);
  });

  it('lets 200 cheap requests through where 2 heavy ones exhaust the same budget', () => {
    const { rate } = limiter(1, 3000);
    for (let i = 0; i < 200; i++) expect(rate.take('cheap', 2)).toBeNull();
    expect(rate.take('heavy', 1809)).toBeNull();
    expect(rate.take('heavy', 1809)).toBeGreaterThan(600);
  });

  it('needs at most a full bucket: a cost above the burst waits for one and empties it', () => {
    const { rate, advance } = limiter(100, 1000);
    expect(rate.take('k', 5000)).toBeNull();
    expect(rate.remaining('k')).toBe(0);
    expect(rate.take('k', 5000)).toBe(10);
    advance(10_000);
    expect(rate.take('k', 5000)).toBeNull();
  });

  it('reports a full budget for a key never seen, and nothing to wait for when off', () => {
    expect(limiter(5, 50).rate.remaining('new')).toBe(50);
    expect(limiter(5, 50).rate.resetSeconds('new')).toBe(0);
    expect(limiter(0, 50).rate.take('k', 1e9)).toBeNull();
  });
});
