// Injected time, as client-go's k8s.io/utils/clock: queues, reflectors, back-offs and leases
// read the time and set timers only through a Clock, so tests drive them with a FakeClock and
// never sleep.

/** A pending timer; cancel() is idempotent. */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `fn` once, `ms` milliseconds from now (at once for ms <= 0, but never synchronously). */
  setTimeout(fn: () => void, ms: number): Timer;
}

/** Resolves after `ms` on `clock`, or at once when `signal` aborts. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      timer.cancel();
      resolve();
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(handle) };
  },
};

interface FakeTimer {
  due: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A clock that moves only when told to. `step(ms)` fires every timer that falls due, in order
 * of due time, each with now() set to its due time; timers set by those callbacks fire too if
 * they fall within the step.
 */
export class FakeClock implements Clock {
  private time: number;
  private seq = 0;
  private timers: FakeTimer[] = [];

  constructor(start = Date.UTC(2024, 0, 1)) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const t: FakeTimer = { due: this.time + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(t);
    return {
      cancel: () => {
        t.cancelled = true;
        this.timers = this.timers.filter((x) => x !== t);
      },
    };
  }

  /** Advances time by `ms`, firing due timers. */
  step(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      const next = this.nextTimer();
      if (!next || next.due > target) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.time = Math.max(this.time, next.due);
      if (!next.cancelled) next.fn();
    }
    this.time = target;
  }

  /** Sets the time (forward only) and fires what fell due. */
  setTime(ms: number): void {
    if (ms < this.time) throw new Error('a FakeClock does not go backwards');
    this.step(ms - this.time);
  }

  /** Number of timers not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Milliseconds until the next timer fires, or undefined when none is pending. */
  get nextDueIn(): number | undefined {
    const next = this.nextTimer();
    return next ? next.due - this.time : undefined;
  }

  private nextTimer(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.timers) if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    return best;
  }
}
