// The queue controllers use, after client-go's rate_limiting_queue.go: a delaying queue whose
// retries wait as long as the rate limiter says (per-item exponential back-off, max'ed with
// an overall token bucket by default).
import type { Clock } from './clock.js';
import { realClock } from './clock.js';
import { DelayingQueue } from './delaying-queue.js';
import type { RateLimiter } from './rate-limiter.js';
import { defaultControllerRateLimiter } from './rate-limiter.js';

export class RateLimitingQueue<T extends {}> extends DelayingQueue<T> {
  readonly rateLimiter: RateLimiter<T>;

  constructor(opts: { clock?: Clock; rateLimiter?: RateLimiter<T> } = {}) {
    super(opts.clock ?? realClock);
    this.rateLimiter = opts.rateLimiter ?? defaultControllerRateLimiter<T>(this.clock);
  }

  /** Adds `item` after the rate limiter's delay (a retry after a failure). */
  addRateLimited(item: T): void {
    this.addAfter(item, this.rateLimiter.when(item));
  }

  /** The item succeeded: stop counting its failures. It does not remove it from the queue. */
  forget(item: T): void {
    this.rateLimiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(item);
  }
}
