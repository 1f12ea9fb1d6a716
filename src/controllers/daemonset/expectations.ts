// As upstream ControllerExpectations (pkg/controller/controller_utils.go): after a sync asks
// for N creations and M deletions, the controller waits until its informer has seen them
// before acting again, so a stale cache cannot make it create or delete twice. Expectations
// that are never met (a lost watch event) expire after five minutes.
import type { Clock } from '../../client/clock.js';

export const EXPECTATIONS_TTL_MS = 5 * 60 * 1000;

interface Record_ {
  add: number;
  del: number;
  at: number;
}

export class ControllerExpectations {
  private readonly records = new Map<string, Record_>();

  constructor(private readonly clock: Clock) {}

  /** True when nothing is pending for `key` (or what was expected is too old to wait for). */
  satisfied(key: string): boolean {
    const r = this.records.get(key);
    if (!r) return true;
    if (r.add <= 0 && r.del <= 0) return true;
    return this.clock.now() - r.at > EXPECTATIONS_TTL_MS;
  }

  expect(key: string, add: number, del: number): void {
    this.records.set(key, { add, del, at: this.clock.now() });
  }

  creationObserved(key: string, n = 1): void {
    const r = this.records.get(key);
    if (r) r.add -= n;
  }

  deletionObserved(key: string, n = 1): void {
    const r = this.records.get(key);
    if (r) r.del -= n;
  }

  delete(key: string): void {
    this.records.delete(key);
  }
}
