// Generic storage for one resource: keys, compare-and-swap writes against the store, and
// reads served from the resource's watch cache.
import type { Store } from '../store/types.js';
import { KeyExistsError, KeyNotFoundError, RevisionMismatchError } from '../store/types.js';
import type { KubeObject } from '../api/kinds.js';
import { AlreadyExistsError, ConflictError, NotFoundError } from '../api/errors.js';
import { WatchCache, decodeKeyValue, type CachedObject } from './watch-cache.js';
import { cloneJson } from './clone-json.js';

export interface ResourceIdentity {
  group: string;
  resource: string;
  namespaced: boolean;
}

/** Upstream's etcd layout: /registry/<resource>/<namespace>/<name> for built-in kinds. */
export function storagePrefix(id: Pick<ResourceIdentity, 'group' | 'resource'>, builtin = true): string {
  return builtin || !id.group ? `/registry/${id.resource}/` : `/registry/${id.group}/${id.resource}/`;
}

const CONFLICT_MESSAGE = 'the object has been modified; please apply your changes to the latest version and try again';

/** Produces the next version of an object from the current one; may throw ApiErrors. */
export type UpdateFn = (current: KubeObject) => KubeObject | Promise<KubeObject>;

export class ResourceStore {
  readonly cache: WatchCache;
  readonly prefix: string;
  /** Revision of this server's latest write here: reads wait for the cache to reach it. */
  private lastWrite = 0;

  constructor(private readonly store: Store, readonly id: ResourceIdentity, prefix = storagePrefix(id)) {
    this.prefix = prefix;
    this.cache = new WatchCache(store, prefix);
  }

  start(): Promise<void> {
    return this.cache.start();
  }

  stop(): void {
    this.cache.stop();
  }

  key(namespace: string, name: string): string {
    return this.id.namespaced ? `${this.prefix}${namespace}/${name}` : `${this.prefix}${name}`;
  }

  namespacePrefix(namespace: string): string {
    return this.id.namespaced && namespace ? `${this.prefix}${namespace}/` : this.prefix;
  }

  /**
   * Waits until the cache reflects the store as of now (a consistent read, as upstream's
   * consistent reads from cache: current revision, then wait for the cache to reach it).
   */
  async fresh(): Promise<void> {
    const rev = Math.max(this.lastWrite, await this.store.currentRevision());
    if (this.cache.rv < rev) await this.cache.waitUntil(rev);
  }

  async get(namespace: string, name: string): Promise<CachedObject> {
    await this.fresh();
    const found = this.cache.get(this.key(namespace, name));
    if (!found) throw new NotFoundError(this.id.resource, this.id.group, name);
    return found;
  }

  /** Reads the current value from the store itself (for read-modify-write). */
  async getLatest(namespace: string, name: string): Promise<CachedObject> {
    const kv = await this.store.get(this.key(namespace, name));
    if (!kv) throw new NotFoundError(this.id.resource, this.id.group, name);
    return decodeKeyValue(kv);
  }

  async list(namespace: string): Promise<{ items: CachedObject[]; rv: number }> {
    await this.fresh();
    return { items: this.cache.list(this.namespacePrefix(namespace)), rv: this.cache.rv };
  }

  async create(obj: KubeObject): Promise<CachedObject> {
    const name = obj.metadata!.name as string;
    const key = this.key(obj.metadata!.namespace ?? '', name);
    try {
      const kv = await this.store.create(key, serialize(obj));
      this.noteWrite(kv.modRevision);
      return decodeKeyValue(kv);
    } catch (e) {
      if (e instanceof KeyExistsError) throw new AlreadyExistsError(this.id.resource, this.id.group, name);
      throw e;
    }
  }

  /**
   * Read-modify-write with compare-and-swap. Retries on a concurrent write unless the new
   * object pins a resourceVersion (then the conflict goes back to the client, as upstream).
   * Returns the stored object, or the current one unchanged when `fn` changed nothing.
   */
  async update(namespace: string, name: string, fn: UpdateFn): Promise<{ object: CachedObject; changed: boolean }> {
    const key = this.key(namespace, name);
    // As upstream's GuaranteedUpdate: start from the cached object (the compare-and-swap
    // catches a stale one) and from the store's answer after a conflict.
    let current: CachedObject = this.cache.get(key) ?? (await this.getLatest(namespace, name));
    let fromCache = this.cache.get(key) === current;
    for (let attempt = 0; ; attempt++) {
      const next = await fn(cloneJson(current.obj));
      const pinned = next.metadata?.resourceVersion;
      if (pinned && pinned !== String(current.rv)) {
        if (fromCache) {
          current = await this.getLatest(namespace, name);
          fromCache = false;
          continue;
        }
        throw new ConflictError(this.id.resource, this.id.group, name, CONFLICT_MESSAGE);
      }
      const shape = storedShape(next);
      const body = JSON.stringify(shape);
      if (body === (current.raw ?? serialize(current.obj))) {
        if (!fromCache) return { object: current, changed: false };
        // A no-op against the cache may not be one against the store: check there.
        current = await this.getLatest(namespace, name);
        fromCache = false;
        continue;
      }
      try {
        // The watch cache takes this object rather than parse the text back (it was parsed before).
        this.cache.expectWrite(key, body, shape);
        const kv = await this.store.update(key, body, current.rv);
        this.noteWrite(kv.modRevision);
        return { object: decodeKeyValue(kv), changed: true };
      } catch (e) {
        this.cache.forgetExpectedWrite(key);
        if (e instanceof KeyNotFoundError) throw new NotFoundError(this.id.resource, this.id.group, name);
        if (e instanceof RevisionMismatchError && (fromCache || (!pinned && attempt < 16))) {
          current = decodeKeyValue(e.current);
          fromCache = false;
          continue;
        }
        if (e instanceof RevisionMismatchError) {
          throw new ConflictError(this.id.resource, this.id.group, name, CONFLICT_MESSAGE);
        }
        throw e;
      }
    }
  }

  /** Deletes if the stored object still has revision `expectedRv` (when given). */
  async delete(namespace: string, name: string, expectedRv?: number): Promise<CachedObject> {
    try {
      const kv = await this.store.delete(this.key(namespace, name), expectedRv);
      this.noteWrite(kv.modRevision);
      return decodeKeyValue(kv);
    } catch (e) {
      if (e instanceof KeyNotFoundError) throw new NotFoundError(this.id.resource, this.id.group, name);
      if (e instanceof RevisionMismatchError) {
        throw new ConflictError(this.id.resource, this.id.group, name, CONFLICT_MESSAGE);
      }
      throw e;
    }
  }

  private noteWrite(rv: number): void {
    if (rv > this.lastWrite) this.lastWrite = rv;
  }
}

/**
 * The stored form: resourceVersion is the store's revision, never part of the value; the
 * type fields and metadata come first, so readers can splice the resourceVersion back in.
 */
function serialize(obj: KubeObject): string {
  return JSON.stringify(storedShape(obj));
}

/** The object as serialize writes it (shares its values with `obj`). */
function storedShape(obj: KubeObject): KubeObject {
  const { apiVersion, kind, metadata, ...rest } = obj;
  let meta = metadata;
  if (meta && 'resourceVersion' in meta) {
    const { resourceVersion: _rv, ...others } = meta;
    meta = others;
  }
  return { apiVersion, kind, metadata: meta, ...rest } as KubeObject;
}
