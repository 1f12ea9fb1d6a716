// Expectations, after upstream's pkg/controller/controller_utils.go ControllerExpectations and
// the job controller's uidTrackingExpectations: a controller that just created or deleted pods
// waits to see those changes in its informer cache before it acts on the same object again,
// so a stale cache cannot make it create (or delete) twice.
import type { Clock } from '../../client/clock.js';

/** As upstream's ExpectationsTimeout: after this, stale expectations no longer block a sync. */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

interface Counts {
  add: number;
  del: number;
  at: number;
}

export class ControllerExpectations {
  private readonly byKey = new Map<string, Counts>();

  constructor(private readonly clock: Clock) {}

  /** True when nothing is pending for `key` (or what is pending has expired). */
  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return this.clock.now() - e.at > EXPECTATIONS_TIMEOUT_MS;
  }

  expectCreations(key: string, n: number): void {
    this.byKey.set(key, { add: n, del: 0, at: this.clock.now() });
  }

  expectDeletions(key: string, n: number): void {
    this.byKey.set(key, { add: 0, del: n, at: this.clock.now() });
  }

  creationObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e) e.add--;
  }

  deletionObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e) e.del--;
  }

  delete(key: string): void {
    this.byKey.delete(key);
  }
}

/** The pod UIDs whose tracking-finalizer removal a job still expects to observe. */
export class UidTrackingExpectations {
  private readonly byKey = new Map<string, Set<string>>();

  expectedUids(key: string): Set<string> {
    return new Set(this.byKey.get(key) ?? []);
  }

  expectFinalizersRemoved(key: string, uids: string[]): void {
    let s = this.byKey.get(key);
    if (!s) this.byKey.set(key, (s = new Set()));
    for (const u of uids) s.add(u);
  }

  finalizerRemovalObserved(key: string, uid: string): void {
    const s = this.byKey.get(key);
    if (!s) return;
    s.delete(uid);
    if (s.size === 0) this.byKey.delete(key);
  }

  delete(key: string): void {
    this.byKey.delete(key);
  }
}
