// Owns the limits on failed authentication (token buckets per client address and overall) and on auth-denial log lines.

/** A token bucket: `capacity` at most, refilled at `perSecond`. Time is monotonic ms. */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = capacity;
    this.at = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.at) / 1000) * this.perSecond);
    this.at = t;
  }

  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  give(): void {
    this.tokens = Math.min(this.capacity, this.tokens + 1);
  }

  /** Full again (nothing to remember about this client). */
  full(): boolean {
    this.refill();
    return this.tokens >= this.capacity;
  }

  /** Seconds until one token is back. */
  retryAfter(): number {
    this.refill();
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond));
  }
}

export interface FailureLimits {
  /** Failed authentications a client address may make at once, and per second after that. */
  perAddress: { burst: number; perSecond: number };
  /** The same for all addresses together: TokenReviews for bad tokens stay bounded however many addresses. */
  overall: { burst: number; perSecond: number };
  /** Addresses remembered; the least recently seen is forgotten first. */
  maxAddresses: number;
}

/**
 * Through a kubectl port-forward every client is 127.0.0.1, so the per-address bucket is in
 * practice one shared bucket: that is why only failures are charged (a TokenReview that succeeds
 * is refunded) and cached tokens never reach the limiter at all.
 */
export const FAILURE_LIMITS: FailureLimits = {
  perAddress: { burst: 20, perSecond: 2 },
  overall: { burst: 50, perSecond: 5 },
  maxAddresses: 1024,
};

/**
 * Who may send a TokenReview now. take() before a review (false: answer 429 without one), give()
 * back when the token turned out good or the API server could not answer: only failures cost.
 */
export class FailureLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly overall: TokenBucket;

  constructor(
    private readonly limits: FailureLimits = FAILURE_LIMITS,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.overall = new TokenBucket(limits.overall.burst, limits.overall.perSecond, now);
  }

  private bucket(addr: string): TokenBucket {
    let b = this.buckets.get(addr);
    if (b) {
      this.buckets.delete(addr); // re-insert: Map order is recency
    } else {
      b = new TokenBucket(this.limits.perAddress.burst, this.limits.perAddress.perSecond, this.now);
    }
    this.buckets.set(addr, b);
    while (this.buckets.size > this.limits.maxAddresses) this.buckets.delete(this.buckets.keys().next().value as string);
    return b;
  }

  /** Undefined when allowed; else the seconds to wait. */
  take(addr: string): number | undefined {
    const b = this.bucket(addr);
    if (!b.take()) return b.retryAfter();
    if (!this.overall.take()) {
      b.give();
      return this.overall.retryAfter();
    }
    return undefined;
  }

  give(addr: string): void {
    this.overall.give();
    const b = this.buckets.get(addr);
    if (!b) return;
    b.give();
    if (b.full()) this.buckets.delete(addr);
  }

  get addresses(): number {
    return this.buckets.size;
  }
}

/** At most `lines` per `windowMs`; the next line after a quiet spell says how many were dropped. */
export class LogLimiter {
  private start = -Infinity;
  private used = 0;
  private dropped = 0;

  constructor(
    private readonly lines = 20,
    private readonly windowMs = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Undefined: drop this line. Otherwise the number dropped since the last line written. */
  admit(): number | undefined {
    const t = this.now();
    if (t - this.start >= this.windowMs) {
      this.start = t;
      this.used = 0;
    }
    if (this.used >= this.lines) {
      this.dropped++;
      return undefined;
    }
    this.used++;
    const d = this.dropped;
    this.dropped = 0;
    return d;
  }
}
