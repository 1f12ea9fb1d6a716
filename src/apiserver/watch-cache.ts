// A per-resource cache of current objects plus a window of recent events, fed by one store
// watch, so lists and watches are served from memory (as upstream's cacher does).
import type { KeyValue, Store, Watch, WatchEvent } from '../store/types.js';
import type { KubeObject } from '../api/kinds.js';
import { GoneError } from '../api/errors.js';
import { cloneJson, jsonRoundTrip } from './clone-json.js';
import { lowerBound, SortedKeySet } from './sorted-keys.js';

/** An object as held by the cache: parsed (shared, never mutate) and serialized with its resourceVersion. */
export interface CachedObject {
  readonly key: string;
  /** Parsed on first use; shared: never mutate. */
  readonly obj: KubeObject;
  /** The object as JSON, resourceVersion included (made on first use). */
  readonly json: string;
  /** The stored text (no resourceVersion), when the object came from the store. */
  readonly raw?: string;
  readonly rv: number;
}

export type CacheEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface CacheEvent {
  type: CacheEventType;
  object: CachedObject;
  /** The object before this event (for MODIFIED and DELETED). */
  prev?: CachedObject;
  rv: number;
}

export type CacheListener = (ev: CacheEvent) => void;

const DEFAULT_WINDOW = 4096;
const MAX_EXPECTED = 10_000;

/** Wraps stored text; it is parsed only when something reads `obj`. */
export function decodeKeyValue(kv: KeyValue, rv = kv.modRevision): CachedObject {
  return new StoredObject(kv.key, rv, kv.value);
}

/**
 * Wraps an object; its JSON is made lazily, from the stored text when that text puts
 * metadata first (as ResourceStore writes it) — splicing the resourceVersion in is much
 * cheaper than serializing the object again.
 */
export function cachedObject(key: string, obj: KubeObject, rv: number, raw?: string): CachedObject {
  return new StoredObject(key, rv, raw, obj);
}

/**
 * Many cached objects are only ever sent on as JSON (HTTP watches and lists without
 * selectors), so both forms are made on first use and kept.
 */
class StoredObject implements CachedObject {
  private parsed: KubeObject | undefined;
  private text: string | undefined;

  constructor(
    readonly key: string,
    readonly rv: number,
    readonly raw: string | undefined,
    obj?: KubeObject,
  ) {
    this.parsed = obj;
  }

  get obj(): KubeObject {
    if (this.parsed === undefined) {
      const obj = JSON.parse(this.raw!) as KubeObject;
      obj.metadata = obj.metadata ?? {};
      obj.metadata.resourceVersion = String(this.rv);
      this.parsed = obj;
    }
    return this.parsed;
  }

  get json(): string {
    return (this.text ??= (this.raw !== undefined && withResourceVersion(this.raw, this.rv)) || JSON.stringify(this.obj));
  }
}

const METADATA_OPEN = '"metadata":{';

/** Inserts resourceVersion into stored JSON whose top-level metadata precedes any other object. */
function withResourceVersion(raw: string, rv: number): string | undefined {
  const at = raw.indexOf(METADATA_OPEN);
  // Only apiVersion and kind (plain strings) may come before metadata at the top level.
  if (at < 0 || raw.lastIndexOf('{', at) !== 0 || raw.lastIndexOf('[', at) >= 0) return undefined;
  const insert = at + METADATA_OPEN.length;
  const field = `"resourceVersion":"${rv}"`;
  return raw[insert] === '}' ? `${raw.slice(0, insert)}${field}${raw.slice(insert)}` : `${raw.slice(0, insert)}${field},${raw.slice(insert)}`;
}

export class WatchCache {
  private readonly items = new Map<string, CachedObject>();
  /** The keys of `items`, in order for lists. */
  private readonly sortedKeys = new SortedKeySet();
  private readonly window: CacheEvent[] = [];
  /** window[0, windowHead) are already outside the window. */
  private windowHead = 0;
  /** Events with rv > windowStart are all in `window`. */
  private windowStart = 0;
  private revision = 0;
  private readonly listeners = new Set<CacheListener>();
  private readonly waiters: { rv: number; resolve: () => void }[] = [];
  private storeWatch: Watch | undefined;
  private failure: Error | undefined;
  /** Writes this server is making, by key: the stored text and the object it was made from. */
  private readonly expected = new Map<string, { text: string; shape: KubeObject }>();

  constructor(
    private readonly store: Store,
    readonly prefix: string,
    private readonly windowSize = DEFAULT_WINDOW,
  ) {}

  async start(): Promise<void> {
    const listed = await this.store.list(this.prefix);
    for (const kv of listed.kvs) {
      this.items.set(kv.key, decodeKeyValue(kv));
      this.sortedKeys.add(kv.key);
    }
    this.revision = listed.revision;
    this.windowStart = listed.revision;
    this.storeWatch = await this.store.watch(
      this.prefix,
      listed.revision,
      (events) => this.apply(events),
      (err) => {
        this.failure = err;
      },
      (rv) => this.progress(rv),
    );
  }

  stop(): void {
    this.storeWatch?.cancel();
    this.storeWatch = undefined;
    this.listeners.clear();
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  /** The revision up to which this cache has seen every change of its prefix. */
  get rv(): number {
    return this.revision;
  }

  get healthy(): boolean {
    return this.failure === undefined;
  }

  /** Resolves once the cache reflects every write of its prefix up to `rv`. */
  waitUntil(rv: number, timeoutMs = 3000): Promise<boolean> {
    if (this.revision >= rv) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(false);
      }, timeoutMs);
      const waiter = {
        rv,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      this.waiters.push(waiter);
    });
  }

  get(key: string): CachedObject | undefined {
    return this.items.get(key);
  }

  /**
   * Announces a write of `text` made from `shape` (its values, not yet serialized): when the
   * write's event arrives, the cached object is a copy of `shape` instead of a parse of the text.
   */
  expectWrite(key: string, text: string, shape: KubeObject): void {
    // Writes that never arrive (a failed one not forgotten) must not pile up.
    if (this.expected.size >= MAX_EXPECTED) this.expected.clear();
    this.expected.set(key, { text, shape });
  }

  forgetExpectedWrite(key: string): void {
    this.expected.delete(key);
  }

  /**
   * Current objects under a sub-prefix (e.g. one namespace), in key order, after
   * `startAfter` when given, at most `limit` when given (0: all).
   */
  list(subPrefix = this.prefix, startAfter = '', limit = 0): CachedObject[] {
    const keys = this.sortedKeys.ordered();
    const from = startAfter > subPrefix ? startAfter + '\u0000' : subPrefix;
    const out: CachedObject[] = [];
    for (let i = lowerBound(keys, from); i < keys.length; i++) {
      const k = keys[i];
      if (!k.startsWith(subPrefix)) break;
      out.push(this.items.get(k)!);
      if (limit > 0 && out.length === limit) break;
    }
    return out;
  }

  /** Number of objects under a sub-prefix after `startAfter`. */
  count(subPrefix = this.prefix, startAfter = ''): number {
    const keys = this.sortedKeys.ordered();
    const from = startAfter > subPrefix ? startAfter + '\u0000' : subPrefix;
    const start = lowerBound(keys, from);
    const end = lowerBound(keys, prefixEnd(subPrefix));
    return Math.max(0, end - start);
  }

  get size(): number {
    return this.items.size;
  }

  /**
   * Subscribes to events after `fromRv`, replaying retained ones first.
   * Throws 410 Expired when `fromRv` is older than the retained window.
   */
  watchFrom(fromRv: number, listener: CacheListener): () => void {
    if (fromRv < this.windowStart) {
      throw new GoneError(`too old resource version: ${fromRv} (${this.windowStart})`);
    }
    for (let i = this.windowHead; i < this.window.length; i++) {
      const ev = this.window[i]!;
      if (ev.rv > fromRv) listener(ev);
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The store has delivered every change of this prefix up to `rv`. */
  private progress(rv: number): void {
    if (rv <= this.revision) return;
    this.revision = rv;
    this.wakeWaiters();
  }

  private apply(events: WatchEvent[]): void {
    for (const e of events) {
      const rv = e.kv.modRevision;
      const prev = this.items.get(e.kv.key);
      let ev: CacheEvent;
      if (e.type === 'delete') {
        const last = prev ?? decodeKeyValue(e.prevKv ?? e.kv);
        // As upstream: a DELETED event carries the last state with the deletion's resourceVersion.
        const object = withRv(last, rv);
        if (this.items.delete(e.kv.key)) this.sortedKeys.delete(e.kv.key);
        ev = { type: 'DELETED', object, prev: last, rv };
      } else {
        const object = this.takeExpected(e.kv) ?? decodeKeyValue(e.kv);
        if (!prev) this.sortedKeys.add(e.kv.key);
        this.items.set(e.kv.key, object);
        ev = { type: prev ? 'MODIFIED' : 'ADDED', object, prev, rv };
      }
      this.revision = Math.max(this.revision, rv);
      this.window.push(ev);
      for (const l of this.listeners) l(ev);
    }
    // Events before windowHead are dropped logically at once, physically a window at a time,
    // so the array shift is amortized over many events.
    const excess = this.window.length - this.windowHead - this.windowSize;
    if (excess > 0) {
      this.windowHead += excess;
      this.windowStart = this.window[this.windowHead - 1]!.rv;
      if (this.windowHead >= this.windowSize) {
        this.window.splice(0, this.windowHead);
        this.windowHead = 0;
      }
    }
    this.wakeWaiters();
  }

  /** The announced object of this write, when its text is what was stored. */
  private takeExpected(kv: KeyValue): CachedObject | undefined {
    const exp = this.expected.get(kv.key);
    if (!exp) return undefined;
    this.expected.delete(kv.key);
    if (exp.text !== kv.value) return undefined;
    // Exactly what parsing the text gives (StoredObject.obj), without the parse.
    const obj = jsonRoundTrip(exp.shape) as KubeObject;
    obj.metadata = obj.metadata ?? {};
    obj.metadata.resourceVersion = String(kv.modRevision);
    return cachedObject(kv.key, obj, kv.modRevision, kv.value);
  }

  private wakeWaiters(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i].rv <= this.revision) this.waiters.splice(i, 1)[0].resolve();
    }
  }
}

function withRv(o: CachedObject, rv: number): CachedObject {
  const obj = cloneJson(o.obj);
  obj.metadata!.resourceVersion = String(rv);
  return cachedObject(o.key, obj, rv, o.raw);
}

/** The smallest string greater than every string starting with `prefix`. */
function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}
