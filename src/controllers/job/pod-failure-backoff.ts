// The delay before a job replaces failed pods, after upstream's pkg/controller/job
// backoff_utils.go: each job keeps the number of failures since its last success and the
// time of the last one; the delay is base × 2^(failures−1), capped, counted from that time.
import type { Pod } from 'kubernetes-types/core/v1.js';
import { podFinishedTime } from './pod-state.js';

export interface BackoffRecord {
  key: string;
  failuresAfterLastSuccess: number;
  lastFailureTime?: number;
}

export class PodFailureBackoffStore {
  private readonly records = new Map<string, BackoffRecord>();

  /** The record `key` would have once the newly finished pods are counted (not stored yet). */
  next(key: string, newSucceeded: Pod[], newFailed: Pod[], now: number): BackoffRecord {
    const old = this.records.get(key);
    const rec: BackoffRecord = { key, failuresAfterLastSuccess: old?.failuresAfterLastSuccess ?? 0, lastFailureTime: old?.lastFailureTime };
    const finished = (p: Pod) => podFinishedTime(p, now);
    const failedTimes = newFailed.map(finished).sort((a, b) => a - b);
    if (newSucceeded.length === 0) {
      if (failedTimes.length === 0) return rec;
      rec.failuresAfterLastSuccess += failedTimes.length;
      rec.lastFailureTime = failedTimes[failedTimes.length - 1];
      return rec;
    }
    // A success resets the count; only failures after the last success count.
    const lastSuccess = Math.max(...newSucceeded.map(finished));
    rec.failuresAfterLastSuccess = 0;
    rec.lastFailureTime = undefined;
    for (let i = failedTimes.length - 1; i >= 0 && failedTimes[i]! > lastSuccess; i--) {
      rec.lastFailureTime ??= failedTimes[i];
      rec.failuresAfterLastSuccess++;
    }
    return rec;
  }

  update(rec: BackoffRecord): void {
    this.records.set(rec.key, rec);
  }

  remove(key: string): void {
    this.records.delete(key);
  }
}

/** Milliseconds left before pods may be created again (0: now). */
export function remainingBackoffMs(rec: BackoffRecord, now: number, baseMs: number, maxMs: number): number {
  if (rec.failuresAfterLastSuccess === 0 || rec.lastFailureTime === undefined) return 0;
  let delay = baseMs;
  for (let i = 1; i < rec.failuresAfterLastSuccess; i++) {
    delay *= 2;
    if (delay >= maxMs) {
      delay = maxMs;
      break;
    }
  }
  const elapsed = now - rec.lastFailureTime;
  return delay < elapsed ? 0 : delay - elapsed;
}
