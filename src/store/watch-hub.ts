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
  /** Highest revision reported through onProgress. */
  reported: number;
  cancelled: boolean;
}

/**
 * An API server keeps one watch per resource (its watch cache), about fifty, and most writes
 * concern one of them. So watchers are found by prefix rather than tried one by one: those
 * whose prefix ends in '/' are indexed by it and looked up through the key's own '/'-ended
 * prefixes; only the others are compared with every key. Progress (etcd's progress notify,
 * which tells a watch its prefix is current up to a revision) is sent once per delivery round
 * to every watcher that asked, not marked per event.
 */
export class WatchHub {
  private readonly watchers = new Set<Watcher>();
  /** Watchers whose prefix ends in '/', by prefix. */
  private readonly byPrefix = new Map<string, Set<Watcher>>();
  /** Watchers with any other prefix (including ''). */
  private readonly unindexed = new Set<Watcher>();
  private readonly withProgress = new Set<Watcher>();
  private readonly dirty = new Set<Watcher>();
  /** Highest revision published (progress is reported up to it). */
  private published = 0;
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
    const watcher: Watcher = { prefix, fromRevision, onEvents, onError, onProgress, pending: replay, reported: 0, cancelled: false };
    this.watchers.add(watcher);
    if (prefix.endsWith('/')) {
      let set = this.byPrefix.get(prefix);
      if (!set) this.byPrefix.set(prefix, (set = new Set()));
      set.add(watcher);
    } else {
      this.unindexed.add(watcher);
    }
    if (onProgress) this.withProgress.add(watcher);
    if (replay.length > 0) this.markDirty(watcher);
    return { cancel: () => this.remove(watcher) };
  }

  private remove(watcher: Watcher): void {
    watcher.cancelled = true;
    watcher.pending = [];
    this.watchers.delete(watcher);
    this.dirty.delete(watcher);
    this.withProgress.delete(watcher);
    this.unindexed.delete(watcher);
    const set = this.byPrefix.get(watcher.prefix);
    if (set?.delete(watcher) && set.size === 0) this.byPrefix.delete(watcher.prefix);
  }

  publish(event: WatchEvent): void {
    const rev = event.kv.modRevision;
    const key = event.kv.key;
    if (rev > this.published) this.published = rev;
    for (let i = key.indexOf('/'); i >= 0; i = key.indexOf('/', i + 1)) {
      const set = this.byPrefix.get(key.slice(0, i + 1));
      if (set) for (const watcher of set) this.offer(watcher, event, rev);
    }
    for (const watcher of this.unindexed) if (key.startsWith(watcher.prefix)) this.offer(watcher, event, rev);
    // Progress alone also needs a delivery round.
    if (this.withProgress.size > 0) this.scheduleFlush();
  }

  private offer(watcher: Watcher, event: WatchEvent, rev: number): void {
    if (rev <= watcher.fromRevision) return;
    watcher.pending.push(event);
    this.markDirty(watcher);
  }

  get size(): number {
    return this.watchers.size;
  }

  /** Ends every watch, telling each (if it asked) why. */
  closeAll(reason: Error): void {
    const all = [...this.watchers];
    for (const watcher of all) this.remove(watcher);
    for (const watcher of all) watcher.onError?.(reason);
  }

  private markDirty(watcher: Watcher): void {
    this.dirty.add(watcher);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    // Every event up to `upTo` was published before this round, so each watcher's share of
    // them is in its pending list now: after delivering that, it is current up to `upTo`.
    const upTo = this.published;
    const batch = [...this.dirty];
    this.dirty.clear();
    for (const watcher of batch) {
      if (watcher.cancelled || watcher.pending.length === 0) continue;
      const events = watcher.pending;
      watcher.pending = [];
      try {
        watcher.onEvents(events);
      } catch (err) {
        this.fail(watcher, err);
      }
    }
    for (const watcher of this.withProgress) {
      if (upTo <= watcher.fromRevision || upTo <= watcher.reported) continue;
      watcher.reported = upTo;
      try {
        watcher.onProgress!(upTo);
      } catch (err) {
        this.fail(watcher, err);
      }
    }
  }

  /** A handler that throws cannot be trusted to have seen the events: its watch ends rather than carry on with a gap. */
  private fail(watcher: Watcher, err: unknown): void {
    this.remove(watcher);
    watcher.onError?.(err instanceof Error ? err : new Error(String(err)));
  }
}
