// Fan-out of committed store events to prefix watchers, shared by the store backends.
// Each backend publishes events right after a write commits, in revision order; the hub
// batches them per watcher and delivers on a microtask, so a burst of writes reaches a
// watcher as one call and handlers never run inside a write.

import type { Watch, WatchErrorHandler, WatchEvent, WatchHandler, WatchProgressHandler } from './types.js';

interface Watcher {
  prefix: string;
  /** Only events above this revision (a watch may start from a future revision, as in etcd). */
  fromRevision: number;
  onEvents: WatchHandler;
  onError?: WatchErrorHandler;
  onProgress?: WatchProgressHandler;
  pending: WatchEvent[];
  /** Highest published revision not yet reported through onProgress. */
  progress: number;
  cancelled: boolean;
}

export class WatchHub {
  private readonly watchers = new Set<Watcher>();
  private readonly dirty = new Set<Watcher>();
  private flushScheduled = false;

  /**
   * Registers a watcher that first receives `replay` (events already read from history, in
   * revision order) and then every event published afterwards. Callers read the replay and
   * call this within one synchronous step, so no write can fall between the two.
   */
  add(
    prefix: string,
    fromRevision: number,
    replay: WatchEvent[],
    onEvents: WatchHandler,
    onError?: WatchErrorHandler,
    onProgress?: WatchProgressHandler,
  ): Watch {
    const watcher: Watcher = { prefix, fromRevision, onEvents, onError, onProgress, pending: replay, progress: 0, cancelled: false };
    this.watchers.add(watcher);
    if (replay.length > 0) this.markDirty(watcher);
    return {
      cancel: () => {
        watcher.cancelled = true;
        watcher.pending = [];
        this.watchers.delete(watcher);
        this.dirty.delete(watcher);
      },
    };
  }

  publish(event: WatchEvent): void {
    const rev = event.kv.modRevision;
    for (const watcher of this.watchers) {
      if (rev <= watcher.fromRevision) continue;
      if (watcher.onProgress) {
        watcher.progress = rev;
        this.markDirty(watcher);
      }
      if (!event.kv.key.startsWith(watcher.prefix)) continue;
      watcher.pending.push(event);
      this.markDirty(watcher);
    }
  }

  get size(): number {
    return this.watchers.size;
  }

  /** Ends every watch, telling each (if it asked) why. */
  closeAll(reason: Error): void {
    const all = [...this.watchers];
    this.watchers.clear();
    this.dirty.clear();
    for (const watcher of all) {
      watcher.cancelled = true;
      watcher.pending = [];
      watcher.onError?.(reason);
    }
  }

  private markDirty(watcher: Watcher): void {
    this.dirty.add(watcher);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = [...this.dirty];
    this.dirty.clear();
    for (const watcher of batch) {
      if (watcher.cancelled) continue;
      const events = watcher.pending;
      watcher.pending = [];
      const progress = watcher.progress;
      watcher.progress = 0;
      try {
        if (events.length > 0) watcher.onEvents(events);
        if (progress > 0 && !watcher.cancelled) watcher.onProgress?.(progress);
      } catch (err) {
        // A throwing handler cannot be trusted to have seen the events: end its watch
        // rather than carry on with a gap.
        this.watchers.delete(watcher);
        watcher.cancelled = true;
        watcher.onError?.(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }
}
