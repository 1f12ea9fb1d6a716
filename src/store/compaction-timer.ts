// Periodic automatic compaction, shared policy for the embedded backends.
//
// Policy: every `interval`, compact to the lower of (a) the revision seen at the previous
// tick — as the upstream kube-apiserver does with --etcd-compaction-interval (5 min), so a
// watcher always has at least one interval of history — and (b) current minus `keep`
// revisions, like kine's minimum retention (1000), so a burst still leaves recent history.

export interface IntervalClock {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const realIntervalClock: IntervalClock = {
  setInterval(callback, ms) {
    const handle = setInterval(callback, ms);
    // Compaction alone must not keep the process alive.
    handle.unref();
    return handle;
  },
  clearInterval(handle) {
    clearInterval(handle as ReturnType<typeof setInterval>);
  },
};

export interface CompactionTarget {
  currentRevision(): Promise<number>;
  compactedRevision(): Promise<number>;
  compact(revision: number): Promise<void>;
}

export class CompactionTimer {
  private handle: unknown;
  private revisionAtLastTick = 0;
  private running = false;

  constructor(
    private readonly target: CompactionTarget,
    private readonly interval: number,
    private readonly keep: number,
    private readonly clock: IntervalClock,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    if (this.handle !== undefined || this.interval <= 0) return;
    this.handle = this.clock.setInterval(() => void this.tick(), this.interval);
  }

  stop(): void {
    if (this.handle === undefined) return;
    this.clock.clearInterval(this.handle);
    this.handle = undefined;
  }

  /** One compaction pass; exposed so tests can drive it without waiting. */
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const current = await this.target.currentRevision();
      const target = Math.min(this.revisionAtLastTick, current - this.keep);
      this.revisionAtLastTick = current;
      if (target > (await this.target.compactedRevision())) await this.target.compact(target);
    } catch (err) {
      this.onError(err);
    } finally {
      this.running = false;
    }
  }
}
