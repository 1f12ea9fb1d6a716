// Upstream's UIDTrackingControllerExpectations: what a controller is waiting to see in its
// informer cache after creating or deleting pods. Until the watch has shown every create and
// delete it asked for (or the record expired), the cache is stale and the controller must not
// act on it again, or it would create or delete twice.
import type { Clock } from '../../client/clock.js';

/** As upstream's ExpectationsTimeout: a record older than this no longer holds the controller back. */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

interface Record {
  add: number;
  del: number;
  timestamp: number;
  /** Keys of the pods whose deletion is awaited (a delete is counted once per pod). */
  deleteKeys: Set<string>;
}

export class ControllerExpectations {
  private readonly records = new Map<string, Record>();

  constructor(private readonly clock: Clock) {}

  /** True when the controller may act on `key`: nothing awaited, all observed, or expired. */
  satisfied(key: string): boolean {
    const r = this.records.get(key);
    if (!r) return true;
    if (r.add <= 0 && r.del <= 0) return true;
    return this.clock.now() - r.timestamp > EXPECTATIONS_TIMEOUT_MS;
  }

  expectCreations(key: string, count: number): void {
    this.records.set(key, { add: count, del: 0, timestamp: this.clock.now(), deleteKeys: new Set() });
  }

  expectDeletions(key: string, podKeys: string[]): void {
    this.records.set(key, { add: 0, del: podKeys.length, timestamp: this.clock.now(), deleteKeys: new Set(podKeys) });
  }

  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r) r.add--;
  }

  /** A pod is gone (or will not go): counts only pods whose deletion was expected, once each. */
  deletionObserved(key: string, podKey: string): void {
    const r = this.records.get(key);
    if (!r || !r.deleteKeys.delete(podKey)) return;
    r.del--;
  }

  /** Forgets `key` (its owner was deleted). */
  delete(key: string): void {
    this.records.delete(key);
  }

  /** The counts still awaited (for tests and logs). */
  pending(key: string): { add: number; del: number } | undefined {
    const r = this.records.get(key);
    return r ? { add: r.add, del: r.del } : undefined;
  }
}
