// The CrashLoopBackOff back-off, as upstream's flowcontrol.Backoff used by the kubelet: keyed
// per pod and container, 10 s doubling to 5 min. A restart is held back while less than the
// current back-off has passed since the container finished; an entry whose last restart is
// more than twice the cap (10 min) before the finish is forgotten, so a container that ran
// for 10 minutes starts over at 10 s.
import type { Clock } from '../client/clock.js';

export interface BackoffEntry {
  backoffMs: number;
  lastUpdate: number;
}

export class CrashLoopBackoff {
  private readonly entries = new Map<string, BackoffEntry>();

  constructor(private readonly clock: Clock, readonly initialMs = 10_000, readonly maxMs = 300_000) {}

  private expired(entry: BackoffEntry, eventTime: number): boolean {
    return eventTime - entry.lastUpdate > this.maxMs * 2;
  }

  /** True while a restart of `key` must wait (eventTime: when the container finished). */
  isInBackOffSince(key: string, eventTime: number): boolean {
    const e = this.entries.get(key);
    if (!e || this.expired(e, eventTime)) return false;
    return this.clock.now() - eventTime < e.backoffMs;
  }

  /** The current back-off of `key` (0 when none). */
  get(key: string): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  /** Records a restart: the next back-off doubles (or starts at the initial one). */
  next(key: string, eventTime: number): void {
    const e = this.entries.get(key);
    if (!e || this.expired(e, eventTime)) this.entries.set(key, { backoffMs: this.initialMs, lastUpdate: this.clock.now() });
    else this.entries.set(key, { backoffMs: Math.min(e.backoffMs * 2, this.maxMs), lastUpdate: this.clock.now() });
  }

  /** Forgets every key starting with `prefix` (a removed pod's). */
  forget(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}
