// The served kinds and the storage behind them: one ResourceStore (and watch cache) per
// storage identity, shared by every group/version that maps onto it.
import type { Store } from '../store/types.js';
import type { KindDef, KubeObject } from '../api/kinds.js';
import { apiVersionOf } from '../api/kinds.js';
import { ResourceStore, storagePrefix } from './resource-store.js';

const OWNER = Symbol('owner');

function ownerOf(def: KindDef): string | undefined {
  return (def as KindDef & { [OWNER]?: string })[OWNER];
}

function withOwner(def: KindDef, owner: string): KindDef {
  return Object.assign(def, { [OWNER]: owner });
}

function sameKinds(a: KindDef[], b: KindDef[]): boolean {
  const key = (d: KindDef) => JSON.stringify(d, (k, v) => (typeof v === 'function' ? undefined : v));
  return a.length === b.length && a.every((d, i) => key(d) === key(b[i]));
}

export class ResourceRegistry {
  private readonly stores = new Map<string, ResourceStore>();
  private readonly byPath = new Map<string, KindDef>();
  private served: KindDef[];
  private started = false;
  private readonly listeners = new Set<() => void>();
  /** Bumped whenever the served kinds change (discovery and OpenAPI rebuild on it). */
  generation = 0;

  constructor(private readonly store: Store, builtin: KindDef[]) {
    this.served = [...builtin];
    for (const def of builtin) this.index(def, true);
  }

  get kinds(): readonly KindDef[] {
    return this.served;
  }

  async start(): Promise<void> {
    await Promise.all([...this.stores.values()].map((s) => s.start()));
    this.started = true;
  }

  stop(): void {
    this.started = false;
    for (const s of this.stores.values()) s.stop();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Replaces the kinds owned by `owner` (e.g. one CRD) with `defs`, starting storage for new
   * resources and stopping it for resources no longer served.
   */
  async setOwnedKinds(owner: string, defs: KindDef[]): Promise<void> {
    const old = this.served.filter((d) => ownerOf(d) === owner);
    if (sameKinds(old, defs)) return;
    for (const d of old) this.byPath.delete(`${d.group}/${d.version}/${d.resource}`);
    this.served = [...this.served.filter((d) => ownerOf(d) !== owner), ...defs.map((d) => withOwner(d, owner))];
    const starting: Promise<void>[] = [];
    for (const d of this.served.filter((x) => ownerOf(x) === owner)) {
      const store = this.index(d, false);
      if (store && this.started) starting.push(store.start());
    }
    await Promise.all(starting);
    const live = new Set(this.served.map(storageId));
    for (const d of old) {
      const id = storageId(d);
      if (!live.has(id)) {
        this.stores.get(id)?.stop();
        this.stores.delete(id);
      }
    }
    this.generation++;
    for (const l of this.listeners) l();
  }

  /** Registers a def for lookups; returns a new ResourceStore if its storage is new. */
  private index(def: KindDef, builtin: boolean): ResourceStore | undefined {
    this.byPath.set(`${def.group}/${def.version}/${def.resource}`, def);
    const id = storageId(def);
    if (this.stores.has(id)) return undefined;
    const rid = {
      group: def.storage?.group ?? def.group,
      resource: def.storage?.resource ?? def.resource,
      namespaced: def.namespaced,
    };
    const store = new ResourceStore(this.store, rid, storagePrefix(rid, builtin));
    this.stores.set(id, store);
    return store;
  }

  lookup(group: string, version: string, resource: string): KindDef | undefined {
    return this.byPath.get(`${group}/${version}/${resource}`);
  }

  storeFor(def: KindDef): ResourceStore {
    return this.stores.get(storageId(def))!;
  }

  /** The ResourceStore of a built-in core resource, e.g. namespaces. */
  core(resource: string): ResourceStore {
    const def = this.lookup('', 'v1', resource);
    if (!def) throw new Error(`core resource ${resource} is not registered`);
    return this.storeFor(def);
  }
}

function storageId(def: KindDef): string {
  return `${def.storage?.group ?? def.group}/${def.storage?.resource ?? def.resource}`;
}

/** Converts a stored object to the version `def` serves. */
export function toServedVersion(def: KindDef, stored: KubeObject): KubeObject {
  if (def.fromStorage) return def.fromStorage(stored);
  if (stored.apiVersion === apiVersionOf(def) && stored.kind === def.kind) return stored;
  return { ...stored, apiVersion: apiVersionOf(def), kind: def.kind };
}

/** Converts a request object of `def`'s version to the storage version. */
export function toStorageVersion(def: KindDef, obj: KubeObject): KubeObject {
  return def.toStorage ? def.toStorage(obj) : obj;
}

/** Whether stored objects can be sent as they are (no conversion) for `def`. */
export function servedAsStored(def: KindDef): boolean {
  return !def.fromStorage;
}
