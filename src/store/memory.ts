// In-memory MVCC store for tests: the fake beside the sqlite and etcd backends, held to the
// same conformance suite. Current state is a map; history is the list of events since the
// last compaction, which serves watch replay and (undone newest-first) reads at a past revision.

import {
  CompactedError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionMismatchError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Store,
  type Watch,
  type WatchErrorHandler,
  type WatchEvent,
  type WatchHandler, WatchProgressHandler,
} from './types.js';
import { WatchHub } from './watch-hub.js';

export class MemoryStore implements Store {
  private readonly current = new Map<string, KeyValue>();
  /** Events with revision > compacted, in revision order. */
  private history: WatchEvent[] = [];
  private revision = 0;
  private compacted = 0;
  private closed = false;
  private readonly hub = new WatchHub();

  async get(key: string): Promise<KeyValue | undefined> {
    this.assertOpen();
    const kv = this.current.get(key);
    return kv && { ...kv };
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    const at = opts.revision ?? this.revision;
    this.assertReadable(at);
    const state = at === this.revision ? this.current : this.stateAt(at);
    const keys = [...state.keys()]
      .filter((k) => k.startsWith(prefix) && (opts.startAfter === undefined || k > opts.startAfter))
      .sort(compareKeys);
    const page = opts.limit ? keys.slice(0, opts.limit) : keys;
    return {
      kvs: page.map((k) => ({ ...state.get(k)! })),
      revision: at,
      remaining: keys.length - page.length,
    };
  }

  async count(prefix: string): Promise<number> {
    this.assertOpen();
    let n = 0;
    for (const key of this.current.keys()) if (key.startsWith(prefix)) n++;
    return n;
  }

  async create(key: string, value: string): Promise<KeyValue> {
    this.assertOpen();
    if (this.current.has(key)) throw new KeyExistsError(key);
    const rev = this.revision + 1;
    const kv: KeyValue = { key, value, createRevision: rev, modRevision: rev };
    this.commit({ type: 'put', kv }, rev);
    return { ...kv };
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    this.assertOpen();
    const prev = this.current.get(key);
    if (!prev) throw new KeyNotFoundError(key);
    if (prev.modRevision !== expectedModRevision) throw new RevisionMismatchError(key, { ...prev });
    const rev = this.revision + 1;
    const kv: KeyValue = { key, value, createRevision: prev.createRevision, modRevision: rev };
    this.commit({ type: 'put', kv, prevKv: prev }, rev);
    return { ...kv };
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    this.assertOpen();
    const prev = this.current.get(key);
    if (!prev) throw new KeyNotFoundError(key);
    if (expectedModRevision !== undefined && prev.modRevision !== expectedModRevision) {
      throw new RevisionMismatchError(key, { ...prev });
    }
    const rev = this.revision + 1;
    const kv: KeyValue = { ...prev, modRevision: rev };
    this.commit({ type: 'delete', kv, prevKv: prev }, rev);
    return { ...kv };
  }

  async watch(prefix: string, fromRevision: number, onEvents: WatchHandler, onError?: WatchErrorHandler, onProgress?: WatchProgressHandler): Promise<Watch> {
    this.assertOpen();
    if (fromRevision < this.compacted) throw new CompactedError(fromRevision, this.compacted);
    const replay = this.history.filter((e) => e.kv.modRevision > fromRevision && e.kv.key.startsWith(prefix));
    return this.hub.add(prefix, fromRevision, replay.map(copyEvent), onEvents, onError, onProgress);
  }

  async currentRevision(): Promise<number> {
    this.assertOpen();
    return this.revision;
  }

  async compactedRevision(): Promise<number> {
    this.assertOpen();
    return this.compacted;
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen();
    if (revision > this.revision) throw new Error(`cannot compact to future revision ${revision} (current ${this.revision})`);
    if (revision <= this.compacted) return;
    this.compacted = revision;
    this.history = this.history.filter((e) => e.kv.modRevision > revision);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.hub.closeAll(new Error('store closed'));
  }

  private commit(event: WatchEvent, rev: number): void {
    this.revision = rev;
    if (event.type === 'put') this.current.set(event.kv.key, event.kv);
    else this.current.delete(event.kv.key);
    this.history.push(event);
    this.hub.publish(copyEvent(event));
  }

  /** The state at a past revision: the current state with later events undone, newest first. */
  private stateAt(revision: number): Map<string, KeyValue> {
    const state = new Map(this.current);
    for (let i = this.history.length - 1; i >= 0 && this.history[i]!.kv.modRevision > revision; i--) {
      const { kv, prevKv } = this.history[i]!;
      if (prevKv) state.set(kv.key, prevKv);
      else state.delete(kv.key);
    }
    return state;
  }

  private assertReadable(revision: number): void {
    if (revision < this.compacted) throw new CompactedError(revision, this.compacted);
    if (revision > this.revision) throw new Error(`required revision ${revision} is a future revision (current ${this.revision})`);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('store closed');
  }
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function copyEvent(e: WatchEvent): WatchEvent {
  return e.prevKv ? { type: e.type, kv: { ...e.kv }, prevKv: { ...e.prevKv } } : { type: e.type, kv: { ...e.kv } };
}
