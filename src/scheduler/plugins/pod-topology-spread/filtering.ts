// PodTopologySpread PreFilter/Filter (upstream podtopologyspread/filtering.go): matching pods
// counted per topology value for every DoNotSchedule constraint; a node is rejected when placing
// the pod there would make its domain exceed the global minimum by more than maxSkew.
import type { StateData } from '../../framework/cycle-state.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import type { Snapshot } from '../../framework/snapshot.js';
import { Status, type MaybeStatus } from '../../framework/status.js';
import {
  countPodsMatchSelector, matchesNodeInclusionPolicies, nodeHasAllTopologyKeys, type SpreadConstraint,
} from './constraints.js';

export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = ERR_REASON_CONSTRAINTS_NOT_MATCH + ' (missing required label)';

export class SpreadFilterState implements StateData {
  /** Per constraint: topology value → matching pods. */
  readonly counts: Map<string, number>[];
  /** Per constraint: the smallest count among its domains. */
  readonly minMatch: number[];

  constructor(readonly constraints: SpreadConstraint[], counts?: Map<string, number>[]) {
    this.counts = counts ?? constraints.map(() => new Map());
    this.minMatch = constraints.map(() => Infinity);
  }

  recomputeMin(): void {
    for (let i = 0; i < this.counts.length; i++) {
      let min = Infinity;
      for (const v of this.counts[i]!.values()) if (v < min) min = v;
      this.minMatch[i] = min;
    }
  }

  clone(): StateData {
    const c = new SpreadFilterState(this.constraints, this.counts.map((m) => new Map(m)));
    c.minMatch.splice(0, c.minMatch.length, ...this.minMatch);
    return c;
  }
}

export function computeFilterState(pod: PodInfo, constraints: SpreadConstraint[], snapshot: Snapshot): SpreadFilterState {
  const s = new SpreadFilterState(constraints);
  const ns = pod.pod.metadata?.namespace ?? 'default';
  for (const ni of snapshot.nodeInfoList) {
    if (!nodeHasAllTopologyKeys(ni.node, constraints)) continue;
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i]!;
      if (!matchesNodeInclusionPolicies(c, pod.pod, ni.node)) continue;
      const value = ni.labels[c.topologyKey]!;
      const m = s.counts[i]!;
      m.set(value, (m.get(value) ?? 0) + countPodsMatchSelector(ni.pods, c.selector, ns));
    }
  }
  s.recomputeMin();
  return s;
}

/** Incremental update for a pod added to or removed from a node (nominated pods, preemption). */
export function updateWithPod(s: SpreadFilterState, pod: PodInfo, other: PodInfo, node: NodeInfo, delta: 1 | -1): void {
  if (!nodeHasAllTopologyKeys(node.node, s.constraints)) return;
  if ((other.pod.metadata?.namespace ?? 'default') !== (pod.pod.metadata?.namespace ?? 'default')) return;
  for (let i = 0; i < s.constraints.length; i++) {
    const c = s.constraints[i]!;
    if (!matchesNodeInclusionPolicies(c, pod.pod, node.node)) continue;
    if (!c.selector.matches(other.pod.metadata?.labels ?? {})) continue;
    const v = node.labels[c.topologyKey]!;
    s.counts[i]!.set(v, (s.counts[i]!.get(v) ?? 0) + delta);
  }
  s.recomputeMin();
}

export function filterNode(s: SpreadFilterState, pod: PodInfo, node: NodeInfo): MaybeStatus {
  const podLabels = pod.pod.metadata?.labels ?? {};
  for (let i = 0; i < s.constraints.length; i++) {
    const c = s.constraints[i]!;
    const value = node.labels[c.topologyKey];
    if (value === undefined) return Status.unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);
    // Fewer domains than minDomains: the global minimum counts as 0.
    const min = s.counts[i]!.size < c.minDomains ? 0 : s.minMatch[i]!;
    const self = c.selector.matches(podLabels) ? 1 : 0;
    const skew = (s.counts[i]!.get(value) ?? 0) + self - min;
    if (skew > c.maxSkew) return Status.unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);
  }
  return null;
}
