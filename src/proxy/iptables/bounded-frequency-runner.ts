// Upstream's async.BoundedFrequencyRunner (pkg/util/async): a function that is asked to run
// often but runs at most `burst` times in a row and then once per `minIntervalMs` (a token
// bucket), never concurrently, and at least every `maxIntervalMs`. Requests made while it
// runs are coalesced into one run afterwards.
import type { Clock, Timer } from '../../client/clock.js';
import { realClock } from '../../client/clock.js';

export interface BoundedFrequencyRunnerOptions {
  minIntervalMs: number;
  maxIntervalMs: number;
  /** Runs allowed back to back before minIntervalMs applies (upstream kube-proxy: 2). */
  burst?: number;
  clock?: Clock;
}

export class BoundedFrequencyRunner {
  private readonly clock: Clock;
  private readonly burst: number;
  private tokens: number;
  private lastRefill: number;
  private timer: Timer | undefined;
  private timerDue = Infinity;
  private running = false;
  private pending = false;
  private stopped = false;
  private started = false;
  private current: Promise<void> = Promise.resolve();

  constructor(private readonly fn: () => Promise<void>, private readonly opts: BoundedFrequencyRunnerOptions) {
    this.clock = opts.clock ?? realClock;
    this.burst = Math.max(1, opts.burst ?? 2);
    this.tokens = this.burst;
    this.lastRefill = this.clock.now();
  }

  /** Starts the periodic runs (the first after maxIntervalMs); requests before start() wait for it. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    if (this.pending) {
      this.pending = false;
      this.schedule(this.clock.now());
    } else this.schedule(this.clock.now() + this.opts.maxIntervalMs);
  }

  /** Asks for a run as soon as the rate limit allows; calls in the same tick make one run. */
  run(): void {
    if (this.stopped) return;
    if (!this.started || this.running) {
      this.pending = true;
      return;
    }
    this.schedule(this.clock.now());
  }

  /** Asks for a run no later than `ms` from now (after a failed run, as upstream's RetryAfter). */
  retryAfter(ms: number): void {
    if (this.stopped) return;
    this.schedule(this.clock.now() + ms);
  }

  /** Resolves once a run in progress has finished; no run starts afterwards. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    await this.current;
  }

  private schedule(at: number): void {
    if (this.stopped) return;
    // Keep the earliest of the pending requests.
    if (this.timer && this.timerDue <= at) return;
    this.timer?.cancel();
    this.timerDue = at;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerDue = Infinity;
      this.tryRun();
    }, at - this.clock.now());
  }

  private refill(): void {
    const now = this.clock.now();
    const earned = (now - this.lastRefill) / this.opts.minIntervalMs;
    this.tokens = Math.min(this.burst, this.tokens + earned);
    this.lastRefill = now;
  }

  private tryRun(): void {
    if (this.stopped) return;
    if (this.running) {
      this.pending = true;
      return;
    }
    this.refill();
    if (this.tokens < 1) {
      this.schedule(this.clock.now() + Math.ceil((1 - this.tokens) * this.opts.minIntervalMs));
      return;
    }
    this.tokens -= 1;
    this.running = true;
    this.current = this.fn()
      .catch(() => {}) // the function reports its own errors (and asks for retryAfter)
      .finally(() => {
        this.running = false;
        if (this.stopped) return;
        this.schedule(this.clock.now() + this.opts.maxIntervalMs);
        if (this.pending) {
          this.pending = false;
          this.schedule(this.clock.now());
        }
      });
  }
}
