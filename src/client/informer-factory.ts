// One informer per resource, shared by every controller that asks for it (client-go's
// SharedInformerFactory): a process lists and watches pods once however many controllers
// look at pods.
import type { Logger } from '../logger.js';
import { nullLogger } from '../logger.js';
import type { ApiClient } from './api-client.js';
import type { BackoffOptions } from './backoff.js';
import type { Clock } from './clock.js';
import type { IndexFunc } from './indexer.js';
import type { ListWatchSelectors } from './list-watch.js';
import { listWatchFor } from './list-watch.js';
import type { ObjectWithMeta, ResourceDescriptor } from './resources.js';
import { groupResource } from './resources.js';
import { SharedIndexInformer } from './shared-informer.js';

export interface InformerFactoryOptions {
  /** Default resync period of the informers (0: none). */
  resyncPeriodMs?: number;
  /** Watch only this namespace (default: all). */
  namespace?: string;
  /** Selectors every informer of this factory uses (e.g. a kubelet's spec.nodeName). */
  selectors?: ListWatchSelectors;
  clock?: Clock;
  logger?: Logger;
  backoff?: BackoffOptions;
}

export class InformerFactory {
  private readonly informers = new Map<string, SharedIndexInformer<ObjectWithMeta>>();
  private stopped = false;
  private started = false;

  constructor(private readonly client: ApiClient, private readonly opts: InformerFactoryOptions = {}) {}

  /**
   * The shared informer for `desc`, created on first use. Extra index functions are added to
   * it (the same function under the same name is shared).
   */
  informerFor<T extends ObjectWithMeta>(desc: ResourceDescriptor<T>, extra: { indexers?: Record<string, IndexFunc<T>> } = {}): SharedIndexInformer<T> {
    const key = `${desc.group}/${desc.version}/${desc.resource}`;
    let informer = this.informers.get(key) as SharedIndexInformer<T> | undefined;
    if (!informer) {
      if (this.stopped) throw new Error('the informer factory is stopped');
      const resource = this.client.resource(desc, desc.namespaced ? this.opts.namespace : undefined);
      informer = new SharedIndexInformer<T>(listWatchFor(resource, this.opts.selectors), {
        name: groupResource(desc),
        resyncPeriodMs: this.opts.resyncPeriodMs,
        clock: this.opts.clock,
        logger: this.opts.logger ?? nullLogger,
        backoff: this.opts.backoff,
      });
      this.informers.set(key, informer as unknown as SharedIndexInformer<ObjectWithMeta>);
      // An informer asked for after start() starts at once, as upstream's factory.Start does for new ones.
      if (this.started) informer.start();
    }
    if (extra.indexers) {
      // Two controllers asking for the same index function share it; one name for two functions is a bug.
      const fresh: Record<string, IndexFunc<T>> = {};
      for (const [name, fn] of Object.entries(extra.indexers)) {
        const existing = informer.indexer.indexFunc(name);
        if (existing === undefined) fresh[name] = fn;
        else if (existing !== fn) throw new Error(`informer ${groupResource(desc)} already has a different index named ${name}`);
      }
      informer.addIndexers(fresh);
    }
    return informer;
  }

  /** Starts every informer created so far (and those created later). */
  start(): void {
    if (this.stopped) throw new Error('the informer factory is stopped');
    this.started = true;
    for (const i of this.informers.values()) i.start();
  }

  /** Waits until every informer has synced; false if one was stopped first. */
  async waitForSync(): Promise<boolean> {
    const results = await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
    return results.every(Boolean);
  }

  hasSynced(): boolean {
    return [...this.informers.values()].every((i) => i.hasSynced());
  }

  /** Stops every informer. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
