// Timed work for many objects without one timer each: a min-heap of (due time, key, action)
// drained by a single timer set for the earliest entry. Re-scheduling a key replaces its entry.
import type { Clock, Timer } from '../client/clock.js';

interface Entry {
  due: number;
  key: string;
  seq: number;
  run: () => void;
}

export class DueQueue {
  private heap: Entry[] = [];
  private readonly live = new Map<string, Entry>();
  private timer: Timer | undefined;
  private timerDue = Infinity;
  private seq = 0;
  private closed = false;

  constructor(private readonly clock: Clock) {}

  get size(): number {
    return this.live.size;
  }

  /** Runs `run` at `due` (ms on the clock); replaces what was scheduled under `key`. */
  schedule(key: string, due: number, run: () => void): void {
    if (this.closed) return;
    const e: Entry = { due, key, seq: this.seq++, run };
    this.live.set(key, e);
    this.push(e);
    if (due < this.timerDue) this.arm();
  }

  cancel(key: string): void {
    // The heap entry stays until it surfaces; it is skipped because it is no longer live.
    this.live.delete(key);
  }

  has(key: string): boolean {
    return this.live.has(key);
  }

  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.heap = [];
    this.live.clear();
  }

  private arm(): void {
    this.timer?.cancel();
    const top = this.heap[0];
    if (!top || this.closed) {
      this.timer = undefined;
      this.timerDue = Infinity;
      return;
    }
    this.timerDue = top.due;
    this.timer = this.clock.setTimeout(() => this.fire(), top.due - this.clock.now());
  }

  private fire(): void {
    this.timer = undefined;
    this.timerDue = Infinity;
    const now = this.clock.now();
    while (this.heap.length && this.heap[0]!.due <= now) {
      const e = this.pop()!;
      if (this.live.get(e.key) !== e) continue;
      this.live.delete(e.key);
      e.run();
    }
    this.arm();
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): Entry | undefined {
    const h = this.heap;
    if (!h.length) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l]!, h[m]!)) m = l;
        if (r < h.length && less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function less(a: Entry, b: Entry): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}
