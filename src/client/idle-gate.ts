// Lets work that can wait give way while the event loop is saturated. Events are the case:
// when 100 pods start at once, the kubelet's Pulled/Created/Started and the scheduler's
// Scheduled events are half of the API writes, and writing them in the middle of the burst
// delays every pod's start. Through this gate they are written once the loop has spare time
// again, and never later than `maxWaitMs` after they were recorded, so under sustained load
// they lag by that much but keep up (nothing is dropped here).
//
// The loop counts as busy when its utilization (perf_hooks eventLoopUtilization: the share of
// time spent outside the poll for I/O) over the last window was above `busyAbove`. Nothing is
// sampled while nobody waits, so an idle process pays nothing.
import { performance } from 'node:perf_hooks';
import type { EventLoopUtilization } from 'node:perf_hooks';

export interface IdleGateOptions {
  /** Utilization above which the loop is busy (default 0.9). */
  busyAbove?: number;
  /** Length of a sample window in ms (default 25). */
  windowMs?: number;
  /** The longest a waiter is held after the moment it names (default 2000). */
  maxWaitMs?: number;
  /** The loop's utilization since the previous call, 0..1 (tests); default: eventLoopUtilization. */
  utilization?: () => number;
}

interface Waiter {
  deadline: number;
  resolve: () => void;
}

export class IdleGate {
  private readonly busyAbove: number;
  private readonly windowMs: number;
  readonly maxWaitMs: number;
  private readonly utilization: () => number;
  private sampledAt = -Infinity;
  private busy = false;
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(opts: IdleGateOptions = {}) {
    this.busyAbove = opts.busyAbove ?? 0.9;
    this.windowMs = opts.windowMs ?? 25;
    this.maxWaitMs = opts.maxWaitMs ?? 2000;
    this.utilization = opts.utilization ?? loopUtilization();
  }

  /**
   * Resolves at once while the loop has spare time, else when it has some again, or at
   * `since + maxWaitMs` (since: a performance.now() time, by default now) whatever the load.
   */
  wait(since = performance.now()): Promise<void> {
    this.sample();
    const deadline = since + this.maxWaitMs;
    if (!this.busy || performance.now() >= deadline) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push({ deadline, resolve });
      this.arm();
    });
  }

  /** Waiters still held (tests, diagnostics). */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Takes a new verdict once a window has passed; within a window the last one stands. */
  private sample(): void {
    const now = performance.now();
    if (now - this.sampledAt < this.windowMs) return;
    this.sampledAt = now;
    this.busy = this.utilization() > this.busyAbove;
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sample();
      const now = performance.now();
      const held: Waiter[] = [];
      for (const w of this.waiters) {
        if (!this.busy || now >= w.deadline) w.resolve();
        else held.push(w);
      }
      this.waiters = held;
      if (held.length > 0) this.arm();
    }, this.windowMs);
  }
}

/** The event loop's utilization since the previous call. */
function loopUtilization(): () => number {
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const u = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    return u;
  };
}

let shared: IdleGate | undefined;

/** One gate per thread is enough: its event loop is what it measures. */
export function sharedIdleGate(): IdleGate {
  return (shared ??= new IdleGate());
}
