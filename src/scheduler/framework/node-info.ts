// What the scheduler knows about one node (upstream framework.NodeInfo): the node, the pods on
// it, the sum of their requests, allocatable, host ports in use and the images present.
import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { newPodInfo, type HostPort, type PodInfo } from './pod-info.js';
import { addResource, cloneResource, emptyResource, resourceFromList, type Resource } from './resource.js';

export interface ImageStateSummary {
  size: number;
  /** How many nodes in the snapshot have this image (ImageLocality spreads by it). */
  numNodes: number;
}

const NO_TAINTS: readonly Taint[] = Object.freeze([]);

export class NodeInfo {
  // Read by the Filter and Score plugins for hundreds of nodes in every cycle, so kept as plain
  // fields of this object, declared first (the filters' first): a scan then reads one object
  // per node rather than following node → spec → taints and resource objects, which with a
  // large heap misses the cache on each hop. Memory is counted in KiB so that it stays a small
  // integer (bytes above 2 GiB would each be a separately allocated heap number); scaling by a
  // power of two changes no comparison or ratio. `requested` and `allocatable` below hold the
  // same sums in bytes (and the scalar resources); updateUsage keeps them in step.
  readonly name: string;
  podCount = 0;
  allowedPodNumber: number;
  allocatableMilliCPU: number;
  requestedMilliCPU = 0;
  allocatableMemoryKi: number;
  requestedMemoryKi = 0;
  readonly unschedulable: boolean;
  readonly taints: readonly Taint[];
  nonZeroMilliCPU = 0;
  nonZeroMemoryKi = 0;

  pods: PodInfo[] = [];
  /** Pods with any pod affinity or anti-affinity (required or preferred). */
  podsWithAffinity: PodInfo[] = [];
  podsWithRequiredAntiAffinity: PodInfo[] = [];
  requested: Resource = emptyResource();
  allocatable: Resource;
  usedPorts: HostPort[] = [];
  imageStates = new Map<string, ImageStateSummary>();
  readonly node: Node;

  constructor(node: Node) {
    this.node = node;
    this.name = node.metadata?.name ?? '';
    this.allocatable = resourceFromList((node.status?.allocatable ?? node.status?.capacity) as Record<string, string> | undefined);
    this.allowedPodNumber = this.allocatable.allowedPodNumber;
    this.allocatableMilliCPU = this.allocatable.milliCPU;
    this.allocatableMemoryKi = this.allocatable.memory / 1024;
    this.unschedulable = node.spec?.unschedulable === true;
    this.taints = node.spec?.taints?.length ? node.spec.taints : NO_TAINTS;
  }

  get labels(): Record<string, string> {
    return this.node.metadata?.labels ?? {};
  }

  addPod(p: Pod | PodInfo): PodInfo {
    const pi = 'resources' in p ? p : newPodInfo(p);
    this.pods.push(pi);
    if (pi.requiredAffinityTerms.length || pi.requiredAntiAffinityTerms.length ||
      pi.preferredAffinityTerms.length || pi.preferredAntiAffinityTerms.length) {
      this.podsWithAffinity.push(pi);
    }
    if (pi.requiredAntiAffinityTerms.length) this.podsWithRequiredAntiAffinity.push(pi);
    this.updateUsage(pi, 1);
    return pi;
  }

  /** Removes a pod by namespace/name; returns whether it was there. */
  removePod(key: string): boolean {
    const i = this.pods.findIndex((p) => p.key === key);
    if (i < 0) return false;
    const pi = this.pods[i]!;
    this.pods.splice(i, 1);
    // Most pods have no affinity terms: no new arrays for them.
    if (this.podsWithAffinity.length) this.podsWithAffinity = this.podsWithAffinity.filter((p) => p.key !== key);
    if (this.podsWithRequiredAntiAffinity.length) {
      this.podsWithRequiredAntiAffinity = this.podsWithRequiredAntiAffinity.filter((p) => p.key !== key);
    }
    this.updateUsage(pi, -1);
    return true;
  }

  private updateUsage(pi: PodInfo, sign: 1 | -1): void {
    addResource(this.requested, pi.resources.requests, sign);
    this.podCount = this.pods.length;
    this.requestedMilliCPU = this.requested.milliCPU;
    this.requestedMemoryKi = this.requested.memory / 1024;
    this.nonZeroMilliCPU += sign * pi.resources.nonZeroMilliCPU;
    this.nonZeroMemoryKi += (sign * pi.resources.nonZeroMemory) / 1024;
    if (sign > 0) this.usedPorts.push(...pi.hostPorts);
    else {
      for (const hp of pi.hostPorts) {
        const j = this.usedPorts.findIndex((u) => u.port === hp.port && u.protocol === hp.protocol && u.hostIP === hp.hostIP);
        if (j >= 0) this.usedPorts.splice(j, 1);
      }
    }
  }

  /** A copy whose pod list and sums can change without touching this one (preemption dry runs). */
  clone(): NodeInfo {
    const c = new NodeInfo(this.node);
    c.pods = [...this.pods];
    c.podsWithAffinity = [...this.podsWithAffinity];
    c.podsWithRequiredAntiAffinity = [...this.podsWithRequiredAntiAffinity];
    c.requested = cloneResource(this.requested);
    c.podCount = this.podCount;
    c.requestedMilliCPU = this.requestedMilliCPU;
    c.requestedMemoryKi = this.requestedMemoryKi;
    c.nonZeroMilliCPU = this.nonZeroMilliCPU;
    c.nonZeroMemoryKi = this.nonZeroMemoryKi;
    c.allocatable = this.allocatable;
    c.usedPorts = [...this.usedPorts];
    c.imageStates = this.imageStates;
    return c;
  }
}
