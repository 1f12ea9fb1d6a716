// One worker per pod uid (upstream's podWorkers): syncs of a pod never overlap; a request
// while a sync runs is coalesced into one more sync after it. A failed sync is retried after
// a back-off; wake-ups can be scheduled (a CrashLoopBackOff expiring, a periodic resync).
import type { Clock, Timer } from '../client/clock.js';
import type { Logger } from '../logger.js';

interface WorkerState {
  running: Promise<void> | undefined;
  again: boolean;
  wake: Timer | undefined;
  wakeAt: number;
  failures: number;
}

export class PodWorkers {
  private readonly workers = new Map<string, WorkerState>();
  private stopped = false;

  constructor(private readonly sync: (uid: string) => Promise<void>, private readonly clock: Clock, private readonly logger: Logger) {}

  /** Requests a sync of `uid` (at once, or after the running one). */
  enqueue(uid: string): void {
    if (this.stopped) return;
    const w = this.state(uid);
    if (w.running) {
      w.again = true;
      return;
    }
    w.running = this.run(uid, w);
  }

  /** Requests a sync of `uid` in `ms` (the earliest request wins). */
  enqueueAfter(uid: string, ms: number): void {
    if (this.stopped) return;
    const w = this.state(uid);
    const at = this.clock.now() + Math.max(0, ms);
    if (w.wake && w.wakeAt <= at) return;
    w.wake?.cancel();
    w.wakeAt = at;
    w.wake = this.clock.setTimeout(() => {
      w.wake = undefined;
      this.enqueue(uid);
    }, ms);
  }

  /** Forgets a pod whose worker has nothing left to do. */
  forget(uid: string): void {
    const w = this.workers.get(uid);
    if (!w) return;
    w.wake?.cancel();
    if (!w.running) this.workers.delete(uid);
  }

  uids(): string[] {
    return [...this.workers.keys()];
  }

  /** Resolves when no sync is running or queued. */
  async idle(): Promise<void> {
    for (;;) {
      const running = [...this.workers.values()].map((w) => w.running).filter(Boolean);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.workers.values()) w.wake?.cancel();
    await this.idle();
  }

  private state(uid: string): WorkerState {
    let w = this.workers.get(uid);
    if (!w) this.workers.set(uid, (w = { running: undefined, again: false, wake: undefined, wakeAt: 0, failures: 0 }));
    return w;
  }

  private async run(uid: string, w: WorkerState): Promise<void> {
    do {
      w.again = false;
      try {
        await this.sync(uid);
        w.failures = 0;
      } catch (err) {
        w.failures++;
        this.logger.warn('pod sync failed', { pod: uid, error: err instanceof Error ? err.message : String(err) });
        if (!this.stopped) this.enqueueAfter(uid, Math.min(1000 * 2 ** (w.failures - 1), 30_000));
      }
    } while (w.again && !this.stopped);
    w.running = undefined;
  }
}
