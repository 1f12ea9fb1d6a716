// What a reflector needs from the API: a full list and a watch (client-go's ListerWatcher),
// here bound to a resource client with an optional label/field selector.
import type { ObjectList, ResourceClient, WatchOptions } from './api-client.js';
import type { ObjectWithMeta } from './resources.js';
import type { Watch } from './watch.js';

export interface ListerWatcher<T> {
  /** Every object (all pages), with the list's resourceVersion. */
  list(): Promise<ObjectList<T>>;
  watch(opts: WatchOptions): Promise<Watch<T>>;
}

export interface ListWatchSelectors {
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size for lists (client-go's reflector pages by 500). */
  pageSize?: number;
}

export function listWatchFor<T extends ObjectWithMeta>(resource: ResourceClient<T>, sel: ListWatchSelectors = {}): ListerWatcher<T> {
  const { pageSize, ...selectors } = sel;
  return {
    list: () => resource.listAll({ ...selectors, pageSize }),
    watch: (opts) => resource.watch({ ...selectors, ...opts }),
  };
}
