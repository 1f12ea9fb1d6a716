// The garbage collector's dependency graph (upstream's uidToNode and node in
// pkg/controller/garbagecollector/graph.go): every object the collector watches, by uid, with
// its owner references, and for each owner uid the uids of the objects that name it. An owner
// need not be in the graph for its dependents to be indexed under it: the collector checks
// such owners against the API server instead of keeping "virtual" nodes.
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { ObjectWithMeta, ResourceDescriptor } from '../../client/resources.js';

export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';

export interface GraphNode {
  uid: string;
  resource: ResourceDescriptor;
  namespace?: string;
  name: string;
  owners: OwnerReference[];
  /** deletionTimestamp is set. */
  beingDeleted: boolean;
  /** Being deleted in the foreground: waits for its blocking dependents. */
  deletingDependents: boolean;
  /** Being deleted with the orphan finalizer: its dependents lose their reference to it. */
  orphaningDependents: boolean;
}

export function nodeFor(resource: ResourceDescriptor, obj: ObjectWithMeta): GraphNode {
  const meta = obj.metadata ?? {};
  const finalizers = meta.finalizers ?? [];
  const beingDeleted = !!meta.deletionTimestamp;
  return {
    uid: meta.uid ?? '',
    resource,
    namespace: meta.namespace || undefined,
    name: meta.name ?? '',
    owners: meta.ownerReferences ?? [],
    beingDeleted,
    deletingDependents: beingDeleted && finalizers.includes(FOREGROUND_FINALIZER),
    orphaningDependents: beingDeleted && finalizers.includes(ORPHAN_FINALIZER),
  };
}

export function describeNode(n: GraphNode): string {
  const gr = n.resource.group ? `${n.resource.resource}.${n.resource.group}` : n.resource.resource;
  return `${gr} ${n.namespace ? `${n.namespace}/` : ''}${n.name} (${n.uid})`;
}

export class OwnerGraph {
  private readonly nodes = new Map<string, GraphNode>();
  /** owner uid → uids of the objects whose ownerReferences name it */
  private readonly dependents = new Map<string, Set<string>>();

  get size(): number {
    return this.nodes.size;
  }

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  has(uid: string): boolean {
    return this.nodes.has(uid);
  }

  all(): IterableIterator<GraphNode> {
    return this.nodes.values();
  }

  /** Adds or replaces a node; returns the one it replaced. */
  upsert(node: GraphNode): GraphNode | undefined {
    const old = this.nodes.get(node.uid);
    if (old) for (const o of old.owners) this.unlink(o.uid, node.uid);
    this.nodes.set(node.uid, node);
    for (const o of node.owners) {
      let set = this.dependents.get(o.uid);
      if (!set) this.dependents.set(o.uid, (set = new Set()));
      set.add(node.uid);
    }
    return old;
  }

  remove(uid: string): GraphNode | undefined {
    const old = this.nodes.get(uid);
    if (!old) return undefined;
    this.nodes.delete(uid);
    for (const o of old.owners) this.unlink(o.uid, uid);
    return old;
  }

  /** The observed objects whose ownerReferences name `ownerUid`. */
  dependentsOf(ownerUid: string): GraphNode[] {
    const out: GraphNode[] = [];
    for (const uid of this.dependents.get(ownerUid) ?? []) {
      const n = this.nodes.get(uid);
      if (n) out.push(n);
    }
    return out;
  }

  /** Dependents whose reference to `ownerUid` has blockOwnerDeletion (upstream's blockingDependents). */
  blockingDependentsOf(ownerUid: string): GraphNode[] {
    return this.dependentsOf(ownerUid).filter((d) => d.owners.some((o) => o.uid === ownerUid && o.blockOwnerDeletion === true));
  }

  private unlink(ownerUid: string, dependentUid: string): void {
    const set = this.dependents.get(ownerUid);
    if (!set) return;
    set.delete(dependentUid);
    if (set.size === 0) this.dependents.delete(ownerUid);
  }
}
