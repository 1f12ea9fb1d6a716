// The served kinds and the storage behind them: one ResourceStore (and watch cache) per
// storage identity, shared by every group/version that maps onto it.
import type { Store } from '../store/types.js';
import type { KindDef, KubeObject } from '../api/kinds.js';
import { apiVersionOf } from '../api/kinds.js';
import { ResourceStore } from './resource-store.js';

export class ResourceRegistry {
  private readonly stores = new Map<string, ResourceStore>();
  private readonly byPath = new Map<string, KindDef>();

  constructor(private readonly store: Store, readonly kinds: KindDef[]) {
    for (const def of kinds) {
      this.byPath.set(`${def.group}/${def.version}/${def.resource}`, def);
      const id = storageId(def);
      if (!this.stores.has(id)) {
        this.stores.set(id, new ResourceStore(store, {
          group: def.storage?.group ?? def.group,
          resource: def.storage?.resource ?? def.resource,
          namespaced: def.namespaced,
        }));
      }
    }
  }

  async start(): Promise<void> {
    await Promise.all([...this.stores.values()].map((s) => s.start()));
  }

  stop(): void {
    for (const s of this.stores.values()) s.stop();
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
