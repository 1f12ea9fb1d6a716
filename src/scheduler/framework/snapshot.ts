// An immutable-per-cycle view of the cluster (upstream internal/cache Snapshot): NodeInfos by
// name and in order, the lists of nodes whose pods carry (anti-)affinity, and the other objects
// plugins read (namespaces, volumes, owners for default spreading).
import type {
  Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, ReplicationController, Service,
} from 'kubernetes-types/core/v1.js';
import type { ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { NodeInfo } from './node-info.js';
import { newPodInfo, type PodInfo } from './pod-info.js';

export interface SnapshotInput {
  nodes: Node[];
  /** Pods already assigned to nodes (spec.nodeName set); others are ignored. */
  pods?: Pod[];
  namespaces?: Namespace[];
  persistentVolumeClaims?: PersistentVolumeClaim[];
  persistentVolumes?: PersistentVolume[];
  storageClasses?: StorageClass[];
  services?: Service[];
  replicationControllers?: ReplicationController[];
  replicaSets?: ReplicaSet[];
  statefulSets?: StatefulSet[];
}

/** Upstream normalizedImageName: an image without tag or digest means ":latest". */
export function normalizedImageName(name: string): string {
  const lastSlash = name.lastIndexOf('/');
  if (name.lastIndexOf(':') <= lastSlash && !name.includes('@')) return `${name}:latest`;
  return name;
}

export class Snapshot {
  readonly nodeInfoList: NodeInfo[] = [];
  private readonly byName = new Map<string, NodeInfo>();
  private readonly nsLabels = new Map<string, Record<string, string>>();
  readonly pvcs = new Map<string, PersistentVolumeClaim>();
  readonly pvs = new Map<string, PersistentVolume>();
  readonly storageClasses = new Map<string, StorageClass>();
  readonly services: Service[];
  readonly replicationControllers: ReplicationController[];
  readonly replicaSets: ReplicaSet[];
  readonly statefulSets: StatefulSet[];

  constructor(input: SnapshotInput) {
    for (const n of input.nodes) {
      const ni = new NodeInfo(n);
      this.nodeInfoList.push(ni);
      this.byName.set(ni.name, ni);
    }
    for (const p of input.pods ?? []) {
      const phase = p.status?.phase;
      if (!p.spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') continue;
      this.byName.get(p.spec.nodeName)?.addPod(p);
    }
    for (const ns of input.namespaces ?? []) this.nsLabels.set(ns.metadata?.name ?? '', ns.metadata?.labels ?? {});
    for (const c of input.persistentVolumeClaims ?? []) this.pvcs.set(`${c.metadata?.namespace ?? 'default'}/${c.metadata?.name}`, c);
    for (const v of input.persistentVolumes ?? []) this.pvs.set(v.metadata?.name ?? '', v);
    for (const sc of input.storageClasses ?? []) this.storageClasses.set(sc.metadata?.name ?? '', sc);
    this.services = input.services ?? [];
    this.replicationControllers = input.replicationControllers ?? [];
    this.replicaSets = input.replicaSets ?? [];
    this.statefulSets = input.statefulSets ?? [];
    this.computeImageStates();
  }

  /** Whether any node reports an image (ImageLocality then need not look at each node). */
  private anyImages = false;

  hasImages(): boolean {
    return this.anyImages;
  }

  private computeImageStates(): void {
    for (const ni of this.nodeInfoList) ni.imageStates.clear();
    const sizes = new Map<string, { size: number; numNodes: number }>();
    for (const ni of this.nodeInfoList) {
      for (const img of ni.node.status?.images ?? []) {
        for (const name of img.names ?? []) {
          const key = normalizedImageName(name);
          let s = sizes.get(key);
          if (!s) sizes.set(key, (s = { size: img.sizeBytes ?? 0, numNodes: 0 }));
          s.numNodes++;
          ni.imageStates.set(key, s);
        }
      }
    }
    this.anyImages = sizes.size > 0;
  }

  get(nodeName: string): NodeInfo | undefined {
    return this.byName.get(nodeName);
  }

  numNodes(): number {
    return this.nodeInfoList.length;
  }

  namespaceLabels = (ns: string): Record<string, string> | undefined => this.nsLabels.get(ns);

  // In-place updates for the scheduler cache, which keeps one Snapshot current between cycles
  // instead of rebuilding it (a cycle runs synchronously, so it still sees one consistent view).

  /** Adds a node, or replaces it keeping the pods already counted there. */
  setNode(node: Node): NodeInfo {
    const name = node.metadata?.name ?? '';
    const old = this.byName.get(name);
    const ni = new NodeInfo(node);
    if (old) {
      for (const p of old.pods) ni.addPod(p);
      this.nodeInfoList[this.nodeInfoList.indexOf(old)] = ni;
    } else {
      this.nodeInfoList.push(ni);
    }
    this.byName.set(name, ni);
    this.withAffinity = this.withRequiredAntiAffinity = undefined;
    if (node.status?.images?.length || old?.imageStates.size) this.computeImageStates();
    return ni;
  }

  /** Drops a node (and what was counted on it). */
  removeNode(name: string): boolean {
    const ni = this.byName.get(name);
    if (!ni) return false;
    this.byName.delete(name);
    this.nodeInfoList.splice(this.nodeInfoList.indexOf(ni), 1);
    this.withAffinity = this.withRequiredAntiAffinity = undefined;
    if (ni.imageStates.size) this.computeImageStates();
    return true;
  }

  setNamespaceLabels(ns: string, labels: Record<string, string> | undefined): void {
    if (labels) this.nsLabels.set(ns, labels);
    else this.nsLabels.delete(ns);
  }

  // Cached lists, dropped whenever assumePod/removePod changes a node's pods.
  private withAffinity?: NodeInfo[];
  private withRequiredAntiAffinity?: NodeInfo[];

  /** Nodes with at least one pod carrying pod (anti-)affinity, for InterPodAffinity. */
  havePodsWithAffinity(): NodeInfo[] {
    return (this.withAffinity ??= this.nodeInfoList.filter((n) => n.podsWithAffinity.length > 0));
  }

  havePodsWithRequiredAntiAffinity(): NodeInfo[] {
    return (this.withRequiredAntiAffinity ??= this.nodeInfoList.filter((n) => n.podsWithRequiredAntiAffinity.length > 0));
  }

  /**
   * Records a pod as running on nodeName (the scheduler cache's "assume"), so the next cycle on
   * this snapshot sees it; `info`, when given, is the pod's PodInfo. Returns the PodInfo, or
   * undefined for an unknown node.
   */
  assumePod(pod: Pod, nodeName: string, info?: PodInfo): PodInfo | undefined {
    const ni = this.byName.get(nodeName);
    if (!ni) return undefined;
    const bound: Pod = { ...pod, spec: { ...pod.spec!, nodeName } };
    // What a PodInfo derives (requests, terms, ports) does not depend on the node: the
    // scheduling cycle's own PodInfo is reused rather than derived again.
    const pi = ni.addPod(info ? { ...info, pod: bound } : newPodInfo(bound));
    // Only a pod with (anti-)affinity terms can change which nodes the cached lists hold.
    if (hasAffinityTerms(pi)) this.withAffinity = this.withRequiredAntiAffinity = undefined;
    return pi;
  }

  removePod(pod: Pod): boolean {
    const ni = pod.spec?.nodeName ? this.byName.get(pod.spec.nodeName) : undefined;
    if (!ni) return false;
    const key = `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name}`;
    if (ni.podsWithAffinity.some((p) => p.key === key)) this.withAffinity = this.withRequiredAntiAffinity = undefined;
    return ni.removePod(key);
  }
}

function hasAffinityTerms(pi: PodInfo): boolean {
  return pi.requiredAffinityTerms.length > 0 || pi.requiredAntiAffinityTerms.length > 0 ||
    pi.preferredAffinityTerms.length > 0 || pi.preferredAntiAffinityTerms.length > 0;
}
