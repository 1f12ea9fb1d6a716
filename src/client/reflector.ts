// The reflector, after client-go's tools/cache/reflector.go: it lists, hands the whole list
// to its sink, then watches from the list's resourceVersion (with bookmarks) and hands each
// event on. A watch that ends is reopened from the last resourceVersion seen; an ERROR event
// (410 Expired when the server no longer has that version) or a failure means a relist after
// a back-off (0.8 s doubling to 30 s, with jitter).
import type { Logger } from '../logger.js';
import { nullLogger } from '../logger.js';
import type { BackoffOptions } from './backoff.js';
import { ExponentialBackoff } from './backoff.js';
import type { Clock } from './clock.js';
import { realClock, sleep } from './clock.js';
import { errorFromStatus, isResourceExpired } from './errors.js';
import type { ListerWatcher } from './list-watch.js';
import type { ObjectWithMeta } from './resources.js';
import type { Watch } from './watch.js';

/** Where a reflector delivers what it learns (the informer). */
export interface ReflectorSink<T> {
  /** The complete current state, replacing all that was known. */
  replace(items: T[], resourceVersion: string): void;
  add(obj: T): void;
  update(obj: T): void;
  delete(obj: T): void;
}

export interface ReflectorOptions {
  /** Names the reflector in logs, e.g. "pods". */
  name: string;
  clock?: Clock;
  logger?: Logger;
  backoff?: BackoffOptions;
  /** Watch timeout range start, seconds; each watch asks for a random time in [min, 2·min) as upstream (5 min). */
  minWatchTimeoutSeconds?: number;
}

/** A watch that ends this soon with no events counts as a failure (as upstream: avoid a hot loop). */
const SHORT_WATCH_MS = 1000;

class RelistNeeded extends Error {
  override name = 'RelistNeeded';
}

export class Reflector<T extends ObjectWithMeta> {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly backoff: ExponentialBackoff;
  private readonly abort = new AbortController();
  private currentWatch: Watch<T> | undefined;
  private loop: Promise<void> | undefined;
  private lastRv = '';

  constructor(private readonly lw: ListerWatcher<T>, private readonly sink: ReflectorSink<T>, private readonly opts: ReflectorOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = (opts.logger ?? nullLogger).child({ component: 'reflector', resource: opts.name });
    this.backoff = new ExponentialBackoff(this.clock, opts.backoff);
  }

  /** The resourceVersion of the last list, watch event or bookmark seen. */
  get lastSyncResourceVersion(): string {
    return this.lastRv;
  }

  start(): void {
    if (this.loop) return;
    if (this.abort.signal.aborted) throw new Error('a stopped reflector cannot start again');
    this.loop = this.run();
  }

  /** Stops listing and watching; resolves once the loop has ended. Idempotent. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.currentWatch?.cancel();
    await this.loop;
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.listAndWatch();
      } catch (err) {
        if (this.stopped) break;
        const level = err instanceof RelistNeeded || isResourceExpired(err) ? 'info' : 'warn';
        this.logger[level]('list and watch ended; relisting after back-off', { error: String(err instanceof Error ? err.message : err) });
      }
      if (this.stopped) break;
      await sleep(this.clock, this.backoff.next(), this.abort.signal);
    }
  }

  private async listAndWatch(): Promise<void> {
    await this.listOnce();
    while (!this.stopped) {
      await this.watchOnce();
    }
  }

  /**
   * Lists and replaces the cache. Its own function so the list is not kept alive by the
   * watch loop's frame (an async function keeps its locals while it waits): otherwise every
   * informer would hold its first list, and old versions of updated objects, for good.
   */
  private async listOnce(): Promise<void> {
    const list = await this.lw.list();
    if (this.stopped) return;
    this.lastRv = list.metadata.resourceVersion ?? '';
    this.sink.replace(list.items, this.lastRv);
    this.logger.debug('listed', { count: list.items.length, resourceVersion: this.lastRv });
  }

  /** One watch from lastRv; returns when it ends normally, throws when a relist is needed. */
  private async watchOnce(): Promise<void> {
    const min = this.opts.minWatchTimeoutSeconds ?? 300;
    let watch: Watch<T>;
    try {
      watch = await this.lw.watch({
        resourceVersion: this.lastRv,
        allowWatchBookmarks: true,
        timeoutSeconds: Math.floor(min * (1 + Math.random())),
      });
    } catch (err) {
      if (this.stopped || isResourceExpired(err)) throw err;
      // As upstream: a refused connection or throttling retries the watch (not the list) after a back-off.
      this.logger.warn('watch failed to start; retrying', { error: String(err instanceof Error ? err.message : err) });
      await sleep(this.clock, this.backoff.next(), this.abort.signal);
      return;
    }
    this.currentWatch = watch;
    if (this.stopped) watch.cancel();
    const started = this.clock.now();
    let events = 0;
    try {
      for await (const ev of watch) {
        if (this.stopped) break;
        events++;
        if (ev.type === 'ERROR') {
          const err = errorFromStatus(ev.object);
          if (isResourceExpired(err)) throw new RelistNeeded(`watch expired: ${err.message}`);
          throw err;
        }
        const obj = ev.object;
        const rv = obj.metadata?.resourceVersion;
        switch (ev.type) {
          case 'ADDED': this.sink.add(obj); break;
          case 'MODIFIED': this.sink.update(obj); break;
          case 'DELETED': this.sink.delete(obj); break;
          case 'BOOKMARK': break;
          default: this.logger.warn('unknown watch event type', { type: (ev as { type: string }).type });
        }
        if (rv) this.lastRv = rv;
      }
    } finally {
      this.currentWatch = undefined;
      watch.cancel();
    }
    if (!this.stopped && events === 0 && this.clock.now() - started < SHORT_WATCH_MS) {
      throw new Error('very short watch: the watch closed at once with no events');
    }
  }
}
