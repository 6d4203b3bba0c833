export interface RateLimitOptions {
  /** Sustained requests per second allowed per tenant. */
  requestsPerSecond: number;
  /** Bucket size: requests a tenant may burst above the sustained rate. Defaults to one second's worth. */
  burst?: number;
}

/**
 * A token bucket per tenant, in memory: noisy-neighbour protection for one process. Buckets refill lazily on use,
 * so idle tenants cost nothing but their map entry; entries full for a minute are dropped.
 */
export class TenantRateLimiter {
  private readonly rate: number;
  private readonly burst: number;
  private readonly buckets = new Map<number, { tokens: number; at: number }>();
  private readonly now: () => number;
  private lastSweep = 0;

  constructor({ requestsPerSecond, burst }: RateLimitOptions, now: () => number = Date.now) {
    if (!(requestsPerSecond > 0)) throw new RangeError('requestsPerSecond must be > 0');
    this.rate = requestsPerSecond;
    this.burst = Math.max(1, burst ?? Math.ceil(requestsPerSecond));
    this.now = now;
  }

  /** 0 when the request may go ahead, else the seconds to wait (for Retry-After). */
  take(tenantId: number): number {
    const now = this.now();
    this.sweep(now);
    const b = this.buckets.get(tenantId) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rate);
    b.at = now;
    this.buckets.set(tenantId, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.rate));
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    const fullAfterMs = (this.burst / this.rate) * 1000;
    for (const [t, b] of this.buckets) if (now - b.at > fullAfterMs + 60_000) this.buckets.delete(t);
  }
}
