// Read access to an informer's cache, as client-go's generated listers: list by label
// selector, all or in one namespace, and get by name. The objects are the cache's own:
// never mutate them; copy first.
import type { LabelSelector } from '../api/labels.js';
import type { Indexer } from './indexer.js';
import { NAMESPACE_INDEX } from './indexer.js';
import type { ObjectWithMeta } from './resources.js';

export class Lister<T extends ObjectWithMeta> {
  constructor(private readonly indexer: Indexer<T>) {}

  /** Every cached object the selector matches (all when no selector). */
  list(selector?: LabelSelector): T[] {
    return filter(this.indexer.list(), selector);
  }

  /** Cached objects in `namespace` the selector matches. */
  listInNamespace(namespace: string, selector?: LabelSelector): T[] {
    return filter(this.indexer.byIndex(NAMESPACE_INDEX, namespace), selector);
  }

  /** A namespaced object (get(namespace, name)) or a cluster-scoped one (get(name)). */
  get(namespaceOrName: string, name?: string): T | undefined {
    return this.indexer.getByKey(name === undefined ? namespaceOrName : `${namespaceOrName}/${name}`);
  }

  /** By `namespace/name` key, as a work queue holds it. */
  getByKey(key: string): T | undefined {
    return this.indexer.getByKey(key);
  }
}

function filter<T extends ObjectWithMeta>(objs: T[], selector?: LabelSelector): T[] {
  if (!selector || selector.empty) return objs;
  return objs.filter((o) => selector.matches(o.metadata?.labels));
}
