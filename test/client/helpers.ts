// Shared pieces of the client tests: a recorder of informer events that can be awaited, and
// a lister-watcher whose watch can be cut and held back to simulate a disconnected client.
import type { EventHandler } from '../../src/client/shared-informer.js';
import { DeletedFinalStateUnknown } from '../../src/client/indexer.js';
import type { ListerWatcher } from '../../src/client/list-watch.js';
import type { Watch } from '../../src/client/watch.js';
import type { ObjectWithMeta } from '../../src/client/resources.js';

export interface Recorded {
  type: 'add' | 'update' | 'delete';
  name: string;
  initial?: boolean;
  tombstone?: boolean;
  oldRv?: string;
  rv?: string;
}

export class EventLog<T extends ObjectWithMeta> implements EventHandler<T> {
  readonly events: Recorded[] = [];
  private waiters: { pred: (e: Recorded[]) => boolean; resolve: () => void }[] = [];

  onAdd(obj: T, initial: boolean): void {
    this.push({ type: 'add', name: obj.metadata!.name!, initial, rv: obj.metadata?.resourceVersion });
  }

  onUpdate(old: T, obj: T): void {
    this.push({ type: 'update', name: obj.metadata!.name!, oldRv: old.metadata?.resourceVersion, rv: obj.metadata?.resourceVersion });
  }

  onDelete(obj: T | DeletedFinalStateUnknown<T>): void {
    const tombstone = obj instanceof DeletedFinalStateUnknown;
    const o = tombstone ? obj.obj : obj;
    this.push({ type: 'delete', name: o.metadata!.name!, tombstone });
  }

  /** Resolves when the recorded events satisfy `pred` (fails after `ms`). */
  waitFor(pred: (events: Recorded[]) => boolean, ms = 10_000): Promise<void> {
    if (pred(this.events)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; events so far: ${JSON.stringify(this.events.slice(-20))}`)), ms);
      this.waiters.push({ pred, resolve: () => { clearTimeout(timer); resolve(); } });
    });
  }

  of(name: string): Recorded[] {
    return this.events.filter((e) => e.name === name);
  }

  private push(e: Recorded): void {
    this.events.push(e);
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(this.events)) return true;
      w.resolve();
      return false;
    });
  }
}

/** Wraps a lister-watcher so a test can cut the current watch and hold new lists and watches back. */
export class CuttableListerWatcher<T> implements ListerWatcher<T> {
  lists = 0;
  watches: { resourceVersion?: string }[] = [];
  private current: Watch<T> | undefined;
  private cuts = 0;
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;

  constructor(private readonly inner: ListerWatcher<T>) {}

  async list() {
    this.lists++;
    if (this.gate) await this.gate;
    return this.inner.list();
  }

  async watch(opts: Parameters<ListerWatcher<T>['watch']>[0]) {
    this.watches.push({ resourceVersion: opts.resourceVersion });
    if (this.gate) await this.gate;
    const cuts = this.cuts;
    const w = await this.inner.watch(opts);
    // A disconnect while this watch was being opened cuts it too.
    if (cuts !== this.cuts) w.cancel();
    this.current = w;
    return w;
  }

  /** Ends the current watch (or the one being opened) and holds the next one until reconnect(). */
  disconnect(): void {
    this.cuts++;
    this.gate = new Promise((r) => (this.openGate = r));
    this.current?.cancel();
  }

  reconnect(): void {
    this.gate = undefined;
    this.openGate?.();
  }
}
