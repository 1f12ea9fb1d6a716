// NodeResourcesBalancedAllocation (upstream balanced_allocation.go): favours nodes whose cpu and
// memory fractions after placing the pod are close: score = (1 − std) × 100. Best-effort pods
// (no requests) skip it, so they do not pile onto one node.
import type { CycleState } from '../framework/cycle-state.js';
import { MAX_NODE_SCORE, type PreScorePlugin, type ScorePlugin } from '../framework/interfaces.js';
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import { Status, type MaybeStatus } from '../framework/status.js';
import { Names } from './names.js';
import { allocatableOf, DEFAULT_SCORED_RESOURCES, requestedWithPod, type ResourceSpec } from './node-resources-fit.js';

export function balancedResourceScore(requested: number[], allocatable: number[]): number {
  const fractions: number[] = [];
  let total = 0;
  for (let i = 0; i < requested.length; i++) {
    if (allocatable[i] === 0) continue;
    const f = Math.min(1, requested[i]! / allocatable[i]!);
    total += f;
    fractions.push(f);
  }
  let std = 0;
  if (fractions.length === 2) std = Math.abs((fractions[0]! - fractions[1]!) / 2);
  else if (fractions.length > 2) {
    const mean = total / fractions.length;
    let sum = 0;
    for (const f of fractions) sum += (f - mean) * (f - mean);
    std = Math.sqrt(sum / fractions.length);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

function balancedResourceScore2(reqCPU: number, allocCPU: number, reqMem: number, allocMem: number): number {
  if (allocCPU === 0 || allocMem === 0) return MAX_NODE_SCORE; // one fraction or none: std 0
  const std = Math.abs(Math.min(1, reqCPU / allocCPU) - Math.min(1, reqMem / allocMem)) / 2;
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

export class NodeResourcesBalancedAllocation implements PreScorePlugin, ScorePlugin {
  readonly name = Names.NodeResourcesBalancedAllocation;
  private readonly resources: ResourceSpec[];

  constructor(args: { resources?: ResourceSpec[] } = {}) {
    this.resources = args.resources ?? DEFAULT_SCORED_RESOURCES;
  }

  preScore(_state: CycleState, pod: PodInfo): MaybeStatus {
    const r = pod.resources.requests;
    const bestEffort = this.resources.every((s) =>
      s.name === 'cpu' ? r.milliCPU === 0 : s.name === 'memory' ? r.memory === 0
        : s.name === 'ephemeral-storage' ? r.ephemeralStorage === 0 : (r.scalar.get(s.name) ?? 0) === 0);
    return bestEffort ? Status.skip() : null;
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    if (this.resources === DEFAULT_SCORED_RESOURCES) {
      // The common cpu+memory case without intermediate arrays.
      const r = pod.resources.requests;
      return balancedResourceScore2(
        node.requestedMilliCPU + r.milliCPU, node.allocatableMilliCPU, node.requestedMemoryKi + r.memory / 1024, node.allocatableMemoryKi,
      );
    }
    const requested: number[] = [];
    const allocatable: number[] = [];
    for (const r of this.resources) {
      allocatable.push(allocatableOf(node, r.name));
      requested.push(requestedWithPod(node, pod, r.name, true));
    }
    return balancedResourceScore(requested, allocatable);
  }
}
