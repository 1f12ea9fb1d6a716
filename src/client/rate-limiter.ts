// Work-queue rate limiters, after client-go's util/workqueue/default_rate_limiters.go: a
// rate limiter says how long an item must wait before it is retried.
import type { Clock } from './clock.js';

export interface RateLimiter<T> {
  /** How long (ms) to wait before handing `item` out again; counts one more failure. */
  when(item: T): number;
  /** Stops tracking `item` (it succeeded): its back-off starts over next time. */
  forget(item: T): void;
  /** How many times `item` has failed since it was last forgotten. */
  numRequeues(item: T): number;
}

/** Per-item exponential back-off: base * 2^failures, capped at max (client-go's ItemExponentialFailureRateLimiter). */
export class ItemExponentialFailureRateLimiter<T> implements RateLimiter<T> {
  private readonly failures = new Map<T, number>();

  constructor(private readonly baseDelayMs: number, private readonly maxDelayMs: number) {}

  when(item: T): number {
    const exp = this.failures.get(item) ?? 0;
    this.failures.set(item, exp + 1);
    // Past 2^60 the product is beyond any cap anyway; avoid Infinity arithmetic surprises.
    if (exp > 60) return this.maxDelayMs;
    return Math.min(this.baseDelayMs * 2 ** exp, this.maxDelayMs);
  }

  forget(item: T): void {
    this.failures.delete(item);
  }

  numRequeues(item: T): number {
    return this.failures.get(item) ?? 0;
  }
}

/**
 * A token bucket shared by all items, with reservations as golang.org/x/time/rate's
 * Limiter.Reserve: every call takes a token now, and the wait is how long until the bucket
 * would have held it. Tokens may go negative; they refill at `qps` up to `burst`.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(private readonly qps: number, private readonly burst: number, private readonly clock: Clock) {
    this.tokens = burst;
    this.last = clock.now();
  }

  /** Takes one token and returns the delay (ms) until it is really available. */
  reserve(): number {
    this.refill();
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }

  /** Takes a token only if one is available now (flowcontrol's TryAccept). */
  tryAccept(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.qps);
  }
}

/** The overall bucket as a RateLimiter (client-go's BucketRateLimiter); it keeps no per-item state. */
export class BucketRateLimiter<T> implements RateLimiter<T> {
  private readonly bucket: TokenBucket;

  constructor(qps: number, burst: number, clock: Clock) {
    this.bucket = new TokenBucket(qps, burst, clock);
  }

  when(): number {
    return this.bucket.reserve();
  }

  forget(): void {}

  numRequeues(): number {
    return 0;
  }
}

/** The longest wait among several limiters (client-go's MaxOfRateLimiter). */
export class MaxOfRateLimiter<T> implements RateLimiter<T> {
  private readonly limiters: RateLimiter<T>[];

  constructor(...limiters: RateLimiter<T>[]) {
    this.limiters = limiters;
  }

  when(item: T): number {
    // Every limiter must see the failure, so no short-circuit.
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.when(item));
    return max;
  }

  forget(item: T): void {
    for (const l of this.limiters) l.forget(item);
  }

  numRequeues(item: T): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.numRequeues(item));
    return max;
  }
}

/**
 * As client-go's DefaultControllerRateLimiter: per-item 5 ms doubling to 1000 s, and an
 * overall 10 qps bucket with a burst of 100 (which only matters for massive requeues).
 */
export function defaultControllerRateLimiter<T>(clock: Clock): RateLimiter<T> {
  return new MaxOfRateLimiter<T>(
    new ItemExponentialFailureRateLimiter<T>(5, 1000 * 1000),
    new BucketRateLimiter<T>(10, 100, clock),
  );
}
