// The scheduler cache (upstream internal/cache): what the informers report of nodes, assigned
// pods and the other objects plugins read, kept in one Snapshot that is updated in place as
// events arrive, plus the pods this scheduler has assumed onto nodes while their binding is in
// flight. A scheduling cycle runs synchronously, so it sees one consistent view without a copy.
import type {
  Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, ReplicationController, Service,
} from 'kubernetes-types/core/v1.js';
import type { ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { podKey, type PodInfo } from './framework/pod-info.js';
import { Snapshot } from './framework/snapshot.js';

/** Pods in a terminal phase hold no resources (upstream skips them in the cache). */
export function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

interface CachedPod {
  pod: Pod;
  nodeName: string;
  /** Placed by this scheduler; the informer has not yet shown it bound. */
  assumed: boolean;
  /** The scheduling cycle's PodInfo of an assumed pod. */
  info?: PodInfo;
}

type Owner = Service | ReplicationController | ReplicaSet | StatefulSet;

export class SchedulerCache {
  readonly snapshot = new Snapshot({ nodes: [] });
  private readonly pods = new Map<string, CachedPod>();
  /** Pod keys by node name, also for nodes not (yet) known: they are counted when it arrives. */
  private readonly byNode = new Map<string, Set<string>>();
  private readonly owners = {
    services: new Map<string, Service>(),
    replicationControllers: new Map<string, ReplicationController>(),
    replicaSets: new Map<string, ReplicaSet>(),
    statefulSets: new Map<string, StatefulSet>(),
  };
  private dirtyOwners = new Set<keyof SchedulerCache['owners']>();

  /** The snapshot for the next cycle (owner lists are rebuilt only when they changed). */
  current(): Snapshot {
    for (const kind of this.dirtyOwners) {
      const list = this.snapshot[kind] as Owner[];
      list.splice(0, list.length, ...(this.owners[kind] as Map<string, Owner>).values());
    }
    this.dirtyOwners.clear();
    return this.snapshot;
  }

  // Nodes

  setNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    const isNew = !this.snapshot.get(name);
    this.snapshot.setNode(node);
    if (!isNew) return;
    for (const key of this.byNode.get(name) ?? []) this.snapshot.assumePod(this.pods.get(key)!.pod, name);
  }

  removeNode(name: string): void {
    this.snapshot.removeNode(name);
    // Pods still naming the node stay known, to be counted again if the node comes back.
  }

  // Pods

  /**
   * Records a pod as placed on nodeName before its binding is confirmed (upstream AssumePod);
   * `info` is the PodInfo the scheduling cycle derived from it, when there is one.
   */
  assumePod(pod: Pod, nodeName: string, info?: PodInfo): void {
    const key = podKey(pod);
    this.removeCounted(key);
    const bound: Pod = { ...pod, spec: { ...pod.spec!, nodeName } };
    this.addCounted(key, { pod: bound, nodeName, assumed: true, info });
  }

  /** The binding failed: the pod no longer counts on its node (upstream ForgetPod). */
  forgetPod(pod: Pod): void {
    const key = podKey(pod);
    const c = this.pods.get(key);
    if (!c?.assumed) return;
    this.removeCounted(key);
  }

  isAssumed(pod: Pod): boolean {
    return this.pods.get(podKey(pod))?.assumed === true;
  }

  /** An assigned pod as the informer sees it: added, changed, or (terminal) gone. */
  upsertAssignedPod(pod: Pod): void {
    const key = podKey(pod);
    if (isTerminal(pod)) {
      this.removeCounted(key);
      return;
    }
    const nodeName = pod.spec!.nodeName!;
    const old = this.pods.get(key);
    if (old && old.nodeName === nodeName && !old.assumed && old.pod.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
    this.removeCounted(key);
    this.addCounted(key, { pod, nodeName, assumed: false });
  }

  removeAssignedPod(pod: Pod): void {
    this.removeCounted(podKey(pod));
  }

  podCount(): number {
    return this.pods.size;
  }

  private addCounted(key: string, c: CachedPod): void {
    this.pods.set(key, c);
    let keys = this.byNode.get(c.nodeName);
    if (!keys) this.byNode.set(c.nodeName, (keys = new Set()));
    keys.add(key);
    this.snapshot.assumePod(c.pod, c.nodeName, c.info);
  }

  private removeCounted(key: string): void {
    const c = this.pods.get(key);
    if (!c) return;
    this.pods.delete(key);
    const keys = this.byNode.get(c.nodeName);
    keys?.delete(key);
    if (keys?.size === 0) this.byNode.delete(c.nodeName);
    this.snapshot.removePod(c.pod);
  }

  /** Pods counted on nodeName (for tests and debugging). */
  podsOn(nodeName: string): string[] {
    return (this.snapshot.get(nodeName)?.pods ?? []).map((p) => p.key);
  }

  // Everything else plugins read

  setNamespace(ns: Namespace): void {
    this.snapshot.setNamespaceLabels(ns.metadata?.name ?? '', ns.metadata?.labels ?? {});
  }

  removeNamespace(ns: Namespace): void {
    this.snapshot.setNamespaceLabels(ns.metadata?.name ?? '', undefined);
  }

  setPvc(pvc: PersistentVolumeClaim): void {
    this.snapshot.pvcs.set(`${pvc.metadata?.namespace ?? 'default'}/${pvc.metadata?.name}`, pvc);
  }

  removePvc(pvc: PersistentVolumeClaim): void {
    this.snapshot.pvcs.delete(`${pvc.metadata?.namespace ?? 'default'}/${pvc.metadata?.name}`);
  }

  setPv(pv: PersistentVolume): void {
    this.snapshot.pvs.set(pv.metadata?.name ?? '', pv);
  }

  removePv(pv: PersistentVolume): void {
    this.snapshot.pvs.delete(pv.metadata?.name ?? '');
  }

  setStorageClass(sc: StorageClass): void {
    this.snapshot.storageClasses.set(sc.metadata?.name ?? '', sc);
  }

  removeStorageClass(sc: StorageClass): void {
    this.snapshot.storageClasses.delete(sc.metadata?.name ?? '');
  }

  setOwner(kind: keyof SchedulerCache['owners'], obj: Owner): void {
    (this.owners[kind] as Map<string, Owner>).set(`${obj.metadata?.namespace}/${obj.metadata?.name}`, obj);
    this.dirtyOwners.add(kind);
  }

  removeOwner(kind: keyof SchedulerCache['owners'], obj: Owner): void {
    (this.owners[kind] as Map<string, Owner>).delete(`${obj.metadata?.namespace}/${obj.metadata?.name}`);
    this.dirtyOwners.add(kind);
  }
}
