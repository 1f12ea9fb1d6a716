// The informer's cache: objects by key, plus named indexes from an indexed value to the keys
// of the objects that have it, after client-go's tools/cache store.go, index.go and
// thread_safe_store.go. Objects here are shared with every reader: never mutate them;
// copy first (structuredClone) and write the copy through the API.
import type { ObjectWithMeta } from './resources.js';

/** The values an object is indexed under (several, none, or one). */
export type IndexFunc<T> = (obj: T) => string[];

/** As client-go's NamespaceIndex: the index name for objects by namespace. */
export const NAMESPACE_INDEX = 'namespace';

/** As client-go's MetaNamespaceIndexFunc. */
export function namespaceIndexFunc(obj: ObjectWithMeta): string[] {
  return [obj.metadata?.namespace ?? ''];
}

/** `namespace/name`, or `name` for cluster-scoped objects (client-go's MetaNamespaceKeyFunc). */
export function metaNamespaceKey(obj: ObjectWithMeta): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '';
  return ns ? `${ns}/${name}` : name;
}

/** Splits a key made by metaNamespaceKey (client-go's SplitMetaNamespaceKey). */
export function splitMetaNamespaceKey(key: string): { namespace: string; name: string } {
  const parts = key.split('/');
  if (parts.length === 1) return { namespace: '', name: parts[0]! };
  if (parts.length === 2) return { namespace: parts[0]!, name: parts[1]! };
  throw new Error(`unexpected key format: "${key}"`);
}

/**
 * What a delete handler gets when the informer missed the delete itself (it found out on a
 * relist): the last state it knew, as client-go's DeletedFinalStateUnknown.
 */
export class DeletedFinalStateUnknown<T> {
  constructor(readonly key: string, readonly obj: T) {}
}

/** The key of an object or of a tombstone (client-go's DeletionHandlingMetaNamespaceKeyFunc). */
export function deletionHandlingKey(obj: ObjectWithMeta | DeletedFinalStateUnknown<unknown>): string {
  return obj instanceof DeletedFinalStateUnknown ? obj.key : metaNamespaceKey(obj);
}

export class Indexer<T extends ObjectWithMeta> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** index name → indexed value → keys */
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor(
    indexers: Record<string, IndexFunc<T>> = { [NAMESPACE_INDEX]: namespaceIndexFunc },
    readonly keyFunc: (obj: T) => string = metaNamespaceKey,
  ) {
    this.addIndexers(indexers);
  }

  /** Adds index functions; existing objects are indexed by them at once. */
  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.indexers.has(name)) throw new Error(`indexer conflict: ${name}`);
      this.indexers.set(name, fn);
      const index = new Map<string, Set<string>>();
      this.indices.set(name, index);
      for (const [key, obj] of this.items) for (const v of fn(obj)) addTo(index, v, key);
    }
  }

  /** The index function registered as `name`, if any. */
  indexFunc(name: string): IndexFunc<T> | undefined {
    return this.indexers.get(name);
  }

  /** Adds or replaces `obj`; returns the object it replaced. */
  upsert(obj: T): T | undefined {
    const key = this.keyFunc(obj);
    const old = this.items.get(key);
    this.items.set(key, obj);
    this.reindex(key, old, obj);
    return old;
  }

  /** Removes the object with `key`; returns it. */
  deleteKey(key: string): T | undefined {
    const old = this.items.get(key);
    if (old === undefined) return undefined;
    this.items.delete(key);
    this.reindex(key, old, undefined);
    return old;
  }

  delete(obj: T): T | undefined {
    return this.deleteKey(this.keyFunc(obj));
  }

  /** Replaces the whole content (a relist). */
  replace(objs: T[]): void {
    this.items.clear();
    for (const index of this.indices.values()) index.clear();
    for (const o of objs) this.upsert(o);
  }

  getByKey(key: string): T | undefined {
    return this.items.get(key);
  }

  get(obj: T): T | undefined {
    return this.items.get(this.keyFunc(obj));
  }

  list(): T[] {
    return [...this.items.values()];
  }

  listKeys(): string[] {
    return [...this.items.keys()];
  }

  get size(): number {
    return this.items.size;
  }

  /** The objects indexed under `value` in `indexName` (client-go's ByIndex). */
  byIndex(indexName: string, value: string): T[] {
    const keys = this.index(indexName).get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) out.push(this.items.get(k)!);
    return out;
  }

  /** The keys indexed under `value` in `indexName` (client-go's IndexKeys). */
  indexKeys(indexName: string, value: string): string[] {
    return [...(this.index(indexName).get(value) ?? [])];
  }

  /** The values present in `indexName` (client-go's ListIndexFuncValues). */
  indexValues(indexName: string): string[] {
    return [...this.index(indexName).keys()];
  }

  /** Objects sharing any indexed value with `obj` (client-go's Index). */
  matching(indexName: string, obj: T): T[] {
    const fn = this.indexers.get(indexName);
    if (!fn) throw new Error(`index with name ${indexName} does not exist`);
    const keys = new Set<string>();
    for (const v of fn(obj)) for (const k of this.index(indexName).get(v) ?? []) keys.add(k);
    return [...keys].map((k) => this.items.get(k)!);
  }

  private index(name: string): Map<string, Set<string>> {
    const index = this.indices.get(name);
    if (!index) throw new Error(`index with name ${name} does not exist`);
    return index;
  }

  private reindex(key: string, old: T | undefined, obj: T | undefined): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name)!;
      const before = old ? fn(old) : [];
      const after = obj ? fn(obj) : [];
      // The common case: values unchanged (e.g. a status update), nothing to do.
      if (before.length === after.length && before.every((v, i) => v === after[i])) continue;
      for (const v of before) removeFrom(index, v, key);
      for (const v of after) addTo(index, v, key);
    }
  }
}

function addTo(index: Map<string, Set<string>>, value: string, key: string): void {
  let keys = index.get(value);
  if (!keys) index.set(value, (keys = new Set()));
  keys.add(key);
}

function removeFrom(index: Map<string, Set<string>>, value: string, key: string): void {
  const keys = index.get(value);
  if (!keys) return;
  keys.delete(key);
  if (keys.size === 0) index.delete(value);
}
