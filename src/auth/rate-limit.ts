/**
 * A token bucket per API key, of cost points (docs/security.md, "Cost budget"): `perSecond`
 * points a second on average, up to `burst` saved up. A request spends its operation's cost, so
 * many cheap reads and a few heavy ones draw on the same budget. In memory, per process: several
 * processes sharing one PostgreSQL each allow the full budget.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly perSecond: number,
    readonly burst: number,
    private readonly clock: () => number = () => Date.now(),
  ) {}

  get enabled(): boolean {
    return this.perSecond > 0;
  }

  /**
   * Spends `amount` points of `key`'s budget: null when they were there (and are now spent),
   * else the whole seconds to wait until they are, with nothing spent. A request never needs
   * more than a full bucket, so an amount above the burst waits for a full one and empties it.
   */
  take(key: string, amount = 1): number | null {
    if (!this.enabled) return null;
    const bucket = this.refilled(key);
    const need = Math.min(amount, this.burst);
    if (bucket.tokens >= need) {
      bucket.tokens -= need;
      return null;
    }
    return Math.max(1, Math.ceil((need - bucket.tokens) / this.perSecond));
  }

  /** The whole points `key` has left now (the burst for a key never seen). */
  remaining(key: string): number {
    return this.enabled ? Math.floor(this.refilled(key).tokens) : this.burst;
  }

  /** Whole seconds until `key`'s bucket is full again (0 when it is). */
  resetSeconds(key: string): number {
    if (!this.enabled) return 0;
    return Math.ceil((this.burst - this.refilled(key).tokens) / this.perSecond);
  }

  private refilled(key: string): { tokens: number; at: number } {
    const now = this.clock();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    return bucket;
  }
}

/** The `RateLimit-*` headers (IETF httpapi-ratelimit-headers) of `key`'s budget now. */
export function budgetHeaders(limiter: RateLimiter, key: string): Record<string, string> {
  return {
    'ratelimit-limit': String(limiter.burst),
    'ratelimit-remaining': String(limiter.remaining(key)),
    'ratelimit-reset': String(limiter.resetSeconds(key)),
  };
}

/** Why `key` must wait `wait` seconds before a request of `cost` points. */
export function budgetRefusal(key: string, limiter: RateLimiter, wait: number, cost: number): string {
  return `cost budget of API key "${key}" spent: this request costs ${cost}, ${limiter.remaining(key)} left (${limiter.perSecond} points/s, bursts of ${limiter.burst}): retry in ${wait} s`;
}
