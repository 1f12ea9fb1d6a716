// A work queue whose items can be added after a delay, after client-go's delaying_queue.go.
// Time comes from the injected clock; an item already waiting keeps the earlier of its two
// ready times, as upstream.
import type { Clock, Timer } from './clock.js';
import { realClock } from './clock.js';
import { WorkQueue } from './work-queue.js';

interface Waiting {
  readyAt: number;
  timer: Timer;
}

export class DelayingQueue<T extends {}> extends WorkQueue<T> {
  private readonly waiting = new Map<T, Waiting>();

  constructor(protected readonly clock: Clock = realClock) {
    super();
  }

  /** Adds `item` once `delayMs` has passed (at once when delayMs <= 0). */
  addAfter(item: T, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(item);
      return;
    }
    const readyAt = this.clock.now() + delayMs;
    const existing = this.waiting.get(item);
    if (existing) {
      if (existing.readyAt <= readyAt) return;
      existing.timer.cancel();
    }
    const timer = this.clock.setTimeout(() => {
      this.waiting.delete(item);
      this.add(item);
    }, delayMs);
    this.waiting.set(item, { readyAt, timer });
  }

  /** Number of items waiting for their delay to pass. */
  get waitingCount(): number {
    return this.waiting.size;
  }

  override shutDown(): void {
    for (const w of this.waiting.values()) w.timer.cancel();
    this.waiting.clear();
    super.shutDown();
  }
}
