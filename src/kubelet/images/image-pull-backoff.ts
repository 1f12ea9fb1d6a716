// The image pull back-off, as upstream's flowcontrol.Backoff the image manager uses: keyed by
// pod UID and image, 10 s doubling to 300 s. A pull is held back while less than the current
// back-off has passed since the last failed pull; an entry untouched for twice the cap is
// forgotten (the next failure starts again at 10 s).
import type { Clock } from '../../client/clock.js';

interface Entry {
  backoffMs: number;
  lastUpdate: number;
}

export const IMAGE_BACKOFF_INITIAL_MS = 10_000;
export const IMAGE_BACKOFF_MAX_MS = 300_000;

export class ImagePullBackoff {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly clock: Clock, readonly initialMs = IMAGE_BACKOFF_INITIAL_MS, readonly maxMs = IMAGE_BACKOFF_MAX_MS) {}

  private expired(e: Entry, now: number): boolean {
    return now - e.lastUpdate > this.maxMs * 2;
  }

  /** Upstream IsInBackOffSinceUpdate: true while the last failure's back-off has not passed. */
  isInBackOff(key: string): boolean {
    const e = this.entries.get(key);
    const now = this.clock.now();
    return !!e && !this.expired(e, now) && now - e.lastUpdate < e.backoffMs;
  }

  /** Milliseconds left of the back-off of `key` (0 when none). */
  remainingMs(key: string): number {
    const e = this.entries.get(key);
    return e && this.isInBackOff(key) ? e.backoffMs - (this.clock.now() - e.lastUpdate) : 0;
  }

  /** Records a failed pull: the back-off starts at the initial value or doubles. */
  next(key: string): void {
    const now = this.clock.now();
    const e = this.entries.get(key);
    const backoffMs = !e || this.expired(e, now) ? this.initialMs : Math.min(e.backoffMs * 2, this.maxMs);
    this.entries.set(key, { backoffMs, lastUpdate: now });
  }

  /** Drops expired entries (upstream calls this after every successful pull). */
  gc(): void {
    const now = this.clock.now();
    for (const [k, e] of this.entries) if (this.expired(e, now)) this.entries.delete(k);
  }

  /** Forgets a removed pod's entries (keys start with its UID). */
  forgetPod(uid: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(`${uid}_`)) this.entries.delete(k);
  }
}
