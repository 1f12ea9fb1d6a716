// The namespace controller (upstream's pkg/controller/namespace): a namespace being deleted
// is emptied of every namespaced object, then finalized, and the API server deletes it.
import type { Namespace } from 'kubernetes-types/core/v1.js';
import type { DeletedFinalStateUnknown } from '../../client/indexer.js';
import { metaNamespaceKey } from '../../client/indexer.js';
import type { Lister } from '../../client/lister.js';
import { namespaces } from '../../client/resources.js';
import type { ControllerContext } from '../controller.js';
import { QueueController } from '../controller.js';
import { NamespacedResourcesDeleter, ResourcesRemainingError } from './namespaced-resources-deleter.js';

export interface NamespaceControllerOptions {
  /**
   * Pause between seeing a namespace being deleted and emptying it (upstream's
   * namespaceDeletionGracePeriod, 5 s): lets creations accepted just before the deletion land
   * so that the clean-up sees them.
   */
  deletionGracePeriodMs?: number;
  /** Upstream's --concurrent-namespace-syncs (10). */
  workers?: number;
}

export class NamespaceController extends QueueController {
  readonly name = 'namespace';
  private readonly lister: Lister<Namespace>;
  private readonly deleter: NamespacedResourcesDeleter;
  private readonly gracePeriodMs: number;

  constructor(ctx: ControllerContext, opts: NamespaceControllerOptions = {}) {
    super(ctx, opts.workers ?? 10);
    this.gracePeriodMs = opts.deletionGracePeriodMs ?? 5_000;
    this.deleter = new NamespacedResourcesDeleter(ctx.client, this.clock, this.logger.child({ controller: this.name }));
    const informer = ctx.informers.informerFor(namespaces);
    this.lister = informer.lister;
    informer.addEventHandler({
      onAdd: (ns) => this.enqueueIfDeleting(ns),
      onUpdate: (_old, ns) => this.enqueueIfDeleting(ns),
      onDelete: (_ns: Namespace | DeletedFinalStateUnknown<Namespace>) => {},
    });
  }

  private enqueueIfDeleting(ns: Namespace): void {
    if (!ns.metadata?.deletionTimestamp) return;
    this.enqueueAfter(metaNamespaceKey(ns), this.gracePeriodMs);
  }

  protected override async sync(key: string): Promise<void> {
    const ns = this.lister.get(key);
    if (!ns) return;
    try {
      await this.deleter.delete(key);
    } catch (err) {
      if (err instanceof ResourcesRemainingError) {
        // As upstream: look again in about half the estimate.
        this.enqueueAfter(key, (err.estimateSeconds / 2 + 1) * 1000);
        return;
      }
      throw err;
    }
  }
}
