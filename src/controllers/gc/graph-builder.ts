// Keeps the garbage collector's graph in step with the cluster (upstream's GraphBuilder in
// pkg/controller/garbagecollector/graph_builder.go): one "monitor" (a shared informer and a
// handler) per deletable resource, and on every change the transitions upstream reacts to —
// an owner starting foreground or orphan deletion, an owner vanishing, a dependent pointing
// at an owner the graph has not seen — turned into work for the collector's queues.
//
// The handlers update the graph in place rather than through a second queue: it is pure
// bookkeeping, and Node runs one handler at a time, which is what upstream's single
// processGraphChanges goroutine guarantees.
import type { InformerFactory } from '../../client/informer-factory.js';
import type { HandlerRegistration, SharedIndexInformer } from '../../client/shared-informer.js';
import { DeletedFinalStateUnknown } from '../../client/indexer.js';
import type { ObjectWithMeta, ResourceDescriptor } from '../../client/resources.js';
import { groupResource } from '../../client/resources.js';
import type { Logger } from '../../logger.js';
import type { GraphNode } from './owner-graph.js';
import { OwnerGraph, nodeFor } from './owner-graph.js';

export interface GraphBuilderCallbacks {
  /** Decide whether the object should go (it or one of its owners changed). */
  attemptToDelete(node: GraphNode): void;
  /** The object is being deleted with the orphan finalizer. */
  attemptToOrphan(node: GraphNode): void;
  /** An object was deleted: nobody owns anything through its uid any more. */
  observedDeletion(uid: string): void;
}

interface Monitor {
  resource: ResourceDescriptor;
  informer: SharedIndexInformer<ObjectWithMeta>;
  registration: HandlerRegistration;
}

export class GraphBuilder {
  readonly graph = new OwnerGraph();
  private readonly monitors = new Map<string, Monitor>();
  /** Before the first sync, objects whose owners are not yet known are checked afterwards. */
  private readonly pendingChecks = new Set<string>();
  private synced = false;

  constructor(
    private readonly informers: InformerFactory,
    private readonly callbacks: GraphBuilderCallbacks,
    private readonly logger: Logger,
  ) {}

  /** The resources watched now. */
  get resources(): ResourceDescriptor[] {
    return [...this.monitors.values()].map((m) => m.resource);
  }

  /**
   * Watches exactly `resources`: starts monitors for new ones (their informers start at once
   * if the factory runs) and drops the handlers of resources the server no longer serves.
   */
  syncMonitors(resources: ResourceDescriptor[]): { added: number; removed: number } {
    const wanted = new Map(resources.map((r) => [monitorKey(r), r]));
    let added = 0;
    let removed = 0;
    for (const [key, m] of this.monitors) {
      if (wanted.has(key)) continue;
      m.registration.remove();
      this.monitors.delete(key);
      removed++;
    }
    for (const [key, resource] of wanted) {
      if (this.monitors.has(key)) continue;
      const informer = this.informers.informerFor(resource);
      const registration = informer.addEventHandler({
        onAdd: (obj) => this.observe(resource, obj),
        onUpdate: (_old, obj) => this.observe(resource, obj),
        onDelete: (obj) => this.observeDeletion(obj instanceof DeletedFinalStateUnknown ? obj.obj : obj),
      });
      this.monitors.set(key, { resource, informer, registration });
      added++;
    }
    if (added || removed) this.logger.info('garbage collector monitors synced', { added, removed, total: this.monitors.size });
    return { added, removed };
  }

  hasSynced(): boolean {
    return [...this.monitors.values()].every((m) => m.informer.hasSynced());
  }

  /** Resolves once every monitor's informer has listed; false if one stopped first. */
  async waitForMonitors(): Promise<boolean> {
    const results = await Promise.all([...this.monitors.values()].map((m) => m.informer.waitForSync()));
    return results.every(Boolean);
  }

  /**
   * The graph holds the first complete picture: from now on an unknown owner is worth a look
   * at once, and the objects that pointed at unknown owners during the initial lists are.
   */
  markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    for (const uid of this.pendingChecks) {
      const n = this.graph.get(uid);
      if (n && n.owners.some((o) => !this.graph.has(o.uid))) this.callbacks.attemptToDelete(n);
    }
    this.pendingChecks.clear();
  }

  stop(): void {
    for (const m of this.monitors.values()) m.registration.remove();
    this.monitors.clear();
  }

  private observe(resource: ResourceDescriptor, obj: ObjectWithMeta): void {
    const node = nodeFor(resource, obj);
    if (!node.uid) return;
    const old = this.graph.upsert(node);

    // A reference that went away or stopped blocking may let a foreground owner finish.
    for (const ref of old?.owners ?? []) {
      const now = node.owners.find((o) => o.uid === ref.uid);
      if (!now || (ref.blockOwnerDeletion === true && now.blockOwnerDeletion !== true)) this.enqueueIfDeletingDependents(ref.uid);
    }
    // As upstream's processTransitions: deletion with the orphan or foreground finalizer starts.
    if (node.orphaningDependents && !old?.orphaningDependents) this.callbacks.attemptToOrphan(node);
    if (node.deletingDependents && !old?.deletingDependents) {
      for (const dep of this.graph.dependentsOf(node.uid)) this.callbacks.attemptToDelete(dep);
      this.callbacks.attemptToDelete(node);
    }
    // An owner the graph has never seen may be gone (a dangling reference); one deleting
    // its dependents in the foreground waits for this object too.
    let check = false;
    for (const ref of node.owners) {
      const owner = this.graph.get(ref.uid);
      if (!owner) check = true;
      else if (owner.deletingDependents && !old?.owners.some((o) => o.uid === ref.uid)) check = true;
    }
    if (check) {
      if (this.synced) this.callbacks.attemptToDelete(node);
      else this.pendingChecks.add(node.uid);
    }
  }

  private observeDeletion(obj: ObjectWithMeta): void {
    const uid = obj.metadata?.uid;
    if (!uid) return;
    const node = this.graph.remove(uid);
    this.pendingChecks.delete(uid);
    if (!node) return;
    this.callbacks.observedDeletion(uid);
    // The dependents lost an owner; owners waiting for this dependent may now go.
    for (const dep of this.graph.dependentsOf(uid)) this.callbacks.attemptToDelete(dep);
    for (const ref of node.owners) this.enqueueIfDeletingDependents(ref.uid);
  }

  private enqueueIfDeletingDependents(uid: string): void {
    const owner = this.graph.get(uid);
    if (owner?.deletingDependents) this.callbacks.attemptToDelete(owner);
  }
}

function monitorKey(r: ResourceDescriptor): string {
  return `${r.version}/${groupResource(r)}`;
}
