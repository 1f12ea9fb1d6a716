// Exponential back-off with jitter and a quiet-period reset, after apimachinery's
// wait.Backoff and the reflector's back-off manager: 0.8 s doubling to a 30 s cap, each
// wait stretched by up to 100 % jitter, back to 0.8 s after two quiet minutes.
import type { Clock } from './clock.js';

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
  /** Each wait is d + random * jitter * d. */
  jitter?: number;
  /** Start over when no back-off was needed for this long. */
  resetAfterMs?: number;
  random?: () => number;
}

export class ExponentialBackoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly resetAfterMs: number;
  private readonly random: () => number;
  private currentMs: number;
  private lastAt: number | undefined;

  constructor(private readonly clock: Clock, opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 800;
    this.maxMs = opts.maxMs ?? 30_000;
    this.factor = opts.factor ?? 2;
    this.jitter = opts.jitter ?? 1;
    this.resetAfterMs = opts.resetAfterMs ?? 120_000;
    this.random = opts.random ?? Math.random;
    this.currentMs = this.initialMs;
  }

  /** The next wait, in ms. */
  next(): number {
    const now = this.clock.now();
    if (this.lastAt !== undefined && now - this.lastAt > this.resetAfterMs) this.currentMs = this.initialMs;
    this.lastAt = now;
    const base = this.currentMs;
    this.currentMs = Math.min(this.currentMs * this.factor, this.maxMs);
    return this.jitter > 0 ? base + this.random() * this.jitter * base : base;
  }

  reset(): void {
    this.currentMs = this.initialMs;
    this.lastAt = undefined;
  }
}
