// The shared index informer, after client-go's tools/cache/shared_informer.go: one reflector
// keeps one indexed cache of a resource up to date and tells every registered handler what
// changed (add / update / delete), replays the cache to handlers added late, and re-sends
// every object as an update each resync period so level-triggered controllers revisit them.
//
// The cache holds objects shared by every handler and lister: never mutate them; copy first.
import type { Logger } from '../logger.js';
import { nullLogger } from '../logger.js';
import type { BackoffOptions } from './backoff.js';
import type { Clock, Timer } from './clock.js';
import { realClock } from './clock.js';
import type { IndexFunc } from './indexer.js';
import { DeletedFinalStateUnknown, Indexer, NAMESPACE_INDEX, namespaceIndexFunc } from './indexer.js';
import type { ListerWatcher } from './list-watch.js';
import { Lister } from './lister.js';
import { Reflector } from './reflector.js';
import type { ObjectWithMeta } from './resources.js';

export interface EventHandler<T> {
  /** A new object; isInInitialList is true for what the first list (or a late handler's replay) found. */
  onAdd?(obj: T, isInInitialList: boolean): void;
  /** A changed object, or an unchanged one on resync or relist (compare resourceVersions to tell). */
  onUpdate?(oldObj: T, newObj: T): void;
  /** A removed object, or a tombstone when the removal was only noticed on a relist. */
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): void;
}

export interface HandlerRegistration {
  /** True once the handler has been told of everything the initial list held. */
  hasSynced(): boolean;
  remove(): void;
}

export interface SharedInformerOptions<T> {
  /** Names the informer in logs, e.g. "pods". */
  name: string;
  /** Default resync period for handlers (0: never). */
  resyncPeriodMs?: number;
  /** Index functions besides the namespace index. */
  indexers?: Record<string, IndexFunc<T>>;
  clock?: Clock;
  logger?: Logger;
  backoff?: BackoffOptions;
  minWatchTimeoutSeconds?: number;
  /**
   * Applied to every listed and watched object before it is cached or handed to handlers
   * (client-go's SetTransform): e.g. drop managedFields and fields no handler reads, so a large
   * cache costs less memory. It may return a new object or trim the one it is given.
   */
  transform?: (obj: T) => T;
}

interface Listener<T> {
  handler: EventHandler<T>;
  resyncPeriodMs: number;
  nextResyncAt: number;
}

type State = 'INITIALIZED' | 'RUNNING' | 'STOPPED';

/** As upstream's minimumResyncPeriod: shorter resync requests are raised to this. */
const MINIMUM_RESYNC_MS = 1000;

export class SharedIndexInformer<T extends ObjectWithMeta> {
  readonly indexer: Indexer<T>;
  readonly lister: Lister<T>;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly reflector: Reflector<T>;
  private readonly listeners = new Set<Listener<T>>();
  private readonly syncWaiters: (() => void)[] = [];
  private readonly defaultResyncMs: number;
  private state: State = 'INITIALIZED';
  private synced = false;
  private resyncTimer: Timer | undefined;
  private transform: ((obj: T) => T) | undefined;

  constructor(lw: ListerWatcher<T>, private readonly opts: SharedInformerOptions<T>) {
    this.clock = opts.clock ?? realClock;
    this.logger = (opts.logger ?? nullLogger).child({ component: 'informer', resource: opts.name });
    this.defaultResyncMs = opts.resyncPeriodMs ?? 0;
    this.transform = opts.transform;
    this.indexer = new Indexer<T>({ [NAMESPACE_INDEX]: namespaceIndexFunc, ...opts.indexers });
    this.lister = new Lister(this.indexer);
    this.reflector = new Reflector<T>(lw, {
      replace: (items) => this.onReplace(items),
      add: (obj) => this.onWatchAdd(obj),
      update: (obj) => this.onWatchAdd(obj),
      delete: (obj) => this.onWatchDelete(obj),
    }, {
      name: opts.name,
      clock: this.clock,
      logger: opts.logger,
      backoff: opts.backoff,
      minWatchTimeoutSeconds: opts.minWatchTimeoutSeconds,
    });
  }

  /**
   * Registers a handler. Added after start, it is first told of every cached object (onAdd,
   * as upstream). `resyncPeriodMs` overrides the informer's default for this handler.
   */
  addEventHandler(handler: EventHandler<T>, resyncPeriodMs = this.defaultResyncMs): HandlerRegistration {
    if (this.state === 'STOPPED') throw new Error(`informer ${this.opts.name} is stopped`);
    const period = resyncPeriodMs > 0 ? Math.max(resyncPeriodMs, MINIMUM_RESYNC_MS) : 0;
    const listener: Listener<T> = { handler, resyncPeriodMs: period, nextResyncAt: this.clock.now() + period };
    this.listeners.add(listener);
    if (this.synced) for (const obj of this.indexer.list()) this.call('onAdd', () => handler.onAdd?.(obj, true));
    this.scheduleResync();
    return {
      hasSynced: () => this.synced,
      remove: () => {
        this.listeners.delete(listener);
      },
    };
  }

  /** Sets the transform (see SharedInformerOptions.transform); as upstream, only before start. */
  setTransform(fn: (obj: T) => T): void {
    if (this.state !== 'INITIALIZED') throw new Error(`informer ${this.opts.name} has already started`);
    this.transform = fn;
  }

  /** Adds index functions (allowed before or after start). */
  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    this.indexer.addIndexers(indexers);
  }

  start(): void {
    if (this.state === 'RUNNING') return;
    if (this.state === 'STOPPED') throw new Error(`informer ${this.opts.name} is stopped and cannot start again`);
    this.state = 'RUNNING';
    this.reflector.start();
    this.scheduleResync();
  }

  /** Stops watching; handlers hear nothing more. Idempotent. */
  async stop(): Promise<void> {
    if (this.state === 'STOPPED') return;
    this.state = 'STOPPED';
    this.resyncTimer?.cancel();
    this.resyncTimer = undefined;
    await this.reflector.stop();
    // Nobody will ever be told the informer synced; let waiters go.
    for (const w of this.syncWaiters.splice(0)) w();
  }

  /** True once the first list is in the cache and every handler has heard of it. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves when synced (or at once if stopped meanwhile); returns whether it synced. */
  async waitForSync(): Promise<boolean> {
    if (!this.synced && this.state !== 'STOPPED') await new Promise<void>((resolve) => this.syncWaiters.push(resolve));
    return this.synced;
  }

  get lastSyncResourceVersion(): string {
    return this.reflector.lastSyncResourceVersion;
  }

  private onReplace(items: T[]): void {
    if (this.state !== 'RUNNING') return;
    const initial = !this.synced;
    const seen = new Set<string>();
    for (const listed of items) {
      const obj = this.transform ? this.transform(listed) : listed;
      const key = this.indexer.keyFunc(obj);
      seen.add(key);
      const old = this.indexer.upsert(obj);
      // As upstream's Replaced deltas: known objects are updates, new ones adds.
      if (old) this.notifyUpdate(old, obj);
      else this.notifyAdd(obj, initial);
    }
    for (const key of this.indexer.listKeys()) {
      if (seen.has(key)) continue;
      const old = this.indexer.deleteKey(key)!;
      // The delete happened while we were not watching: hand out the last state we knew.
      this.notifyDelete(new DeletedFinalStateUnknown(key, old));
    }
    if (initial) {
      this.synced = true;
      this.logger.debug('synced', { count: items.length });
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private onWatchAdd(watched: T): void {
    if (this.state !== 'RUNNING') return;
    const obj = this.transform ? this.transform(watched) : watched;
    const old = this.indexer.upsert(obj);
    if (old) this.notifyUpdate(old, obj);
    else this.notifyAdd(obj, false);
  }

  private onWatchDelete(watched: T): void {
    if (this.state !== 'RUNNING') return;
    const obj = this.transform ? this.transform(watched) : watched;
    this.indexer.delete(obj);
    this.notifyDelete(obj);
  }

  private notifyAdd(obj: T, initial: boolean): void {
    for (const l of this.listeners) this.call('onAdd', () => l.handler.onAdd?.(obj, initial));
  }

  private notifyUpdate(old: T, obj: T): void {
    for (const l of this.listeners) this.call('onUpdate', () => l.handler.onUpdate?.(old, obj));
  }

  private notifyDelete(obj: T | DeletedFinalStateUnknown<T>): void {
    for (const l of this.listeners) this.call('onDelete', () => l.handler.onDelete?.(obj));
  }

  /** A throwing handler must not stop the others, nor the informer (upstream recovers panics). */
  private call(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.error('event handler failed', { handler: what, error: err instanceof Error ? err.stack : String(err) });
    }
  }

  /** One timer, set for the earliest handler resync that is due. */
  private scheduleResync(): void {
    if (this.state !== 'RUNNING') return;
    let next = Infinity;
    for (const l of this.listeners) if (l.resyncPeriodMs > 0) next = Math.min(next, l.nextResyncAt);
    this.resyncTimer?.cancel();
    this.resyncTimer = undefined;
    if (next === Infinity) return;
    this.resyncTimer = this.clock.setTimeout(() => this.resync(), next - this.clock.now());
  }

  private resync(): void {
    this.resyncTimer = undefined;
    if (this.state === 'STOPPED') return;
    const now = this.clock.now();
    const objs = this.synced ? this.indexer.list() : [];
    for (const l of this.listeners) {
      if (l.resyncPeriodMs <= 0 || l.nextResyncAt > now) continue;
      l.nextResyncAt = now + l.resyncPeriodMs;
      for (const obj of objs) this.call('onUpdate', () => l.handler.onUpdate?.(obj, obj));
    }
    this.scheduleResync();
  }
}
