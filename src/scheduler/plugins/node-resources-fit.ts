// NodeResourcesFit (upstream plugins/noderesources/fit.go): Filter compares the pod's requests
// (containers, init containers, overhead) with what is left of allocatable, and the pod count;
// Score is LeastAllocated over cpu and memory (weights 1), counting unset requests as defaults.
import type { CycleState } from '../framework/cycle-state.js';
import { MAX_NODE_SCORE, type FilterPlugin, type ScorePlugin } from '../framework/interfaces.js';
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import { Status, type MaybeStatus } from '../framework/status.js';
import { Names } from './names.js';

export interface ResourceSpec {
  name: string;
  weight: number;
}

export interface NodeResourcesFitArgs {
  /** Resources LeastAllocated scores; upstream default cpu and memory, weight 1 each. */
  resources?: ResourceSpec[];
}

export const DEFAULT_SCORED_RESOURCES: ResourceSpec[] = [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }];

/** Whether the pod fits (insufficientResources would be empty), without building the reasons. */
export function fitsResources(pod: PodInfo, node: NodeInfo): boolean {
  if (node.podCount + 1 > node.allowedPodNumber) return false;
  const req = pod.resources.requests;
  if (req.milliCPU === 0 && req.memory === 0 && req.ephemeralStorage === 0 && req.scalar.size === 0) return true;
  // cpu and memory from the node's own fields (see NodeInfo); the rest is rarely requested.
  if (req.milliCPU > 0 && req.milliCPU > node.allocatableMilliCPU - node.requestedMilliCPU) return false;
  if (req.memory > 0 && req.memory / 1024 > node.allocatableMemoryKi - node.requestedMemoryKi) return false;
  if (req.ephemeralStorage === 0 && req.scalar.size === 0) return true;
  const alloc = node.allocatable;
  const used = node.requested;
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) return false;
  for (const [name, q] of req.scalar) {
    if (q !== 0 && q > (alloc.scalar.get(name) ?? 0) - (used.scalar.get(name) ?? 0)) return false;
  }
  return true;
}

/** Reasons the node lacks room, in upstream order; empty when the pod fits. */
export function insufficientResources(pod: PodInfo, node: NodeInfo): string[] {
  const out: string[] = [];
  const req = pod.resources.requests;
  const alloc = node.allocatable;
  const used = node.requested;
  if (node.pods.length + 1 > alloc.allowedPodNumber) out.push('Too many pods');
  if (req.milliCPU === 0 && req.memory === 0 && req.ephemeralStorage === 0 && req.scalar.size === 0) return out;
  if (req.milliCPU > 0 && req.milliCPU > alloc.milliCPU - used.milliCPU) out.push('Insufficient cpu');
  if (req.memory > 0 && req.memory > alloc.memory - used.memory) out.push('Insufficient memory');
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) {
    out.push('Insufficient ephemeral-storage');
  }
  for (const [name, q] of req.scalar) {
    if (q === 0) continue;
    if (q > (alloc.scalar.get(name) ?? 0) - (used.scalar.get(name) ?? 0)) out.push(`Insufficient ${name}`);
  }
  return out;
}

/** Upstream leastRequestedScore: free fraction of capacity, 0..100, integer. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/** Allocatable of one resource on the node. */
export function allocatableOf(node: NodeInfo, resource: string): number {
  switch (resource) {
    case 'cpu': return node.allocatableMilliCPU;
    case 'memory': return node.allocatable.memory;
    case 'ephemeral-storage': return node.allocatable.ephemeralStorage;
    default: return node.allocatable.scalar.get(resource) ?? 0;
  }
}

/**
 * Requested on the node with the pod added, of one resource; scoring (useRequested false)
 * counts cpu and memory with upstream's non-zero defaults for containers that set none.
 */
export function requestedWithPod(node: NodeInfo, pod: PodInfo, resource: string, useRequested: boolean): number {
  const req = pod.resources;
  switch (resource) {
    case 'cpu': return useRequested ? node.requestedMilliCPU + req.requests.milliCPU : node.nonZeroMilliCPU + req.nonZeroMilliCPU;
    case 'memory': return useRequested ? node.requested.memory + req.requests.memory : node.nonZeroMemoryKi * 1024 + req.nonZeroMemory;
    case 'ephemeral-storage': return node.requested.ephemeralStorage + req.requests.ephemeralStorage;
    default: return (node.requested.scalar.get(resource) ?? 0) + (req.requests.scalar.get(resource) ?? 0);
  }
}

/** LeastAllocated over cpu and memory with weight 1 each, the default, from the node's own fields. */
function leastAllocatedCpuMemory(pod: PodInfo, node: NodeInfo): number {
  const req = pod.resources;
  const cpu = node.allocatableMilliCPU;
  const memory = node.allocatableMemoryKi;
  if (cpu === 0 && memory === 0) return 0;
  const cpuScore = cpu === 0 ? 0 : leastRequestedScore(node.nonZeroMilliCPU + req.nonZeroMilliCPU, cpu);
  const memoryScore = memory === 0 ? 0 : leastRequestedScore(node.nonZeroMemoryKi + req.nonZeroMemory / 1024, memory);
  // A resource the node does not have counts in neither the sum nor the weights.
  return cpu === 0 || memory === 0 ? cpuScore + memoryScore : Math.trunc((cpuScore + memoryScore) / 2);
}

export class NodeResourcesFit implements FilterPlugin, ScorePlugin {
  readonly name = Names.NodeResourcesFit;
  private readonly resources: ResourceSpec[];

  constructor(args: NodeResourcesFitArgs = {}) {
    this.resources = args.resources ?? DEFAULT_SCORED_RESOURCES;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): MaybeStatus {
    // Most nodes fit: check first, and list the reasons only for those that do not.
    if (fitsResources(pod, node)) return null;
    const reasons = insufficientResources(pod, node);
    return reasons.length ? Status.unschedulable(...reasons) : null;
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    // Runs for every scored node of every pod: no tuples or iterators here (destructuring a
    // returned array goes through the iterator protocol).
    const resources = this.resources;
    if (resources === DEFAULT_SCORED_RESOURCES) return leastAllocatedCpuMemory(pod, node);
    let score = 0;
    let weightSum = 0;
    for (let i = 0; i < resources.length; i++) {
      const r = resources[i]!;
      const alloc = allocatableOf(node, r.name);
      if (alloc === 0) continue;
      score += leastRequestedScore(requestedWithPod(node, pod, r.name, false), alloc) * r.weight;
      weightSum += r.weight;
    }
    return weightSum === 0 ? 0 : Math.trunc(score / weightSum);
  }
}
