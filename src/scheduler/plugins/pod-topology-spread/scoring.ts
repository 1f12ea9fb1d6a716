// PodTopologySpread PreScore/Score/NormalizeScore (upstream podtopologyspread/scoring.go): for
// ScheduleAnyway constraints (or the system defaults), fewer matching pods in a node's domains
// scores higher; each constraint is weighted by log(number of domains + 2).
import type { StateData } from '../../framework/cycle-state.js';
import { MAX_NODE_SCORE, type NodeScore } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import type { Snapshot } from '../../framework/snapshot.js';
import {
  countPodsMatchSelector, LABEL_HOSTNAME, matchesNodeInclusionPolicies, nodeHasAllTopologyKeys, type SpreadConstraint,
} from './constraints.js';

export class SpreadScoreState implements StateData {
  readonly ignoredNodes = new Set<string>();
  readonly counts: Map<string, number>[];
  readonly weights: number[] = [];

  constructor(readonly constraints: SpreadConstraint[]) {
    this.counts = constraints.map(() => new Map());
  }

  clone(): StateData { return this; }
}

export function computeScoreState(
  pod: PodInfo, constraints: SpreadConstraint[], filtered: NodeInfo[], snapshot: Snapshot, requireAllTopologies: boolean,
): SpreadScoreState {
  const s = new SpreadScoreState(constraints);
  const sizes = constraints.map(() => 0);
  for (const ni of filtered) {
    if (requireAllTopologies && !nodeHasAllTopologyKeys(ni.node, constraints)) {
      s.ignoredNodes.add(ni.name);
      continue;
    }
    constraints.forEach((c, i) => {
      if (c.topologyKey === LABEL_HOSTNAME) return; // per-node counts are taken in Score
      const v = ni.labels[c.topologyKey];
      if (v === undefined || s.counts[i]!.has(v)) return;
      s.counts[i]!.set(v, 0);
      sizes[i]!++;
    });
  }
  constraints.forEach((c, i) => {
    const size = c.topologyKey === LABEL_HOSTNAME ? filtered.length - s.ignoredNodes.size : sizes[i]!;
    s.weights.push(Math.log(size + 2));
  });
  const ns = pod.pod.metadata?.namespace ?? 'default';
  for (const ni of snapshot.nodeInfoList) {
    if (requireAllTopologies && !nodeHasAllTopologyKeys(ni.node, constraints)) continue;
    constraints.forEach((c, i) => {
      if (!matchesNodeInclusionPolicies(c, pod.pod, ni.node)) return;
      const v = ni.labels[c.topologyKey];
      if (v === undefined) return;
      const cur = s.counts[i]!.get(v);
      if (cur === undefined) return; // domain of no candidate node
      s.counts[i]!.set(v, cur + countPodsMatchSelector(ni.pods, c.selector, ns));
    });
  }
  return s;
}

export function scoreNode(s: SpreadScoreState, pod: PodInfo, node: NodeInfo): number {
  if (s.ignoredNodes.has(node.name)) return 0;
  const ns = pod.pod.metadata?.namespace ?? 'default';
  let score = 0;
  s.constraints.forEach((c, i) => {
    const v = node.labels[c.topologyKey];
    if (v === undefined) return;
    const cnt = c.topologyKey === LABEL_HOSTNAME ? countPodsMatchSelector(node.pods, c.selector, ns) : s.counts[i]!.get(v) ?? 0;
    // maxSkew − 1 waters down small differences, as upstream scoreForCount.
    score += cnt * s.weights[i]! + (c.maxSkew - 1);
  });
  return Math.round(score);
}

export function normalizeScores(s: SpreadScoreState, scores: NodeScore[]): void {
  let min = Infinity;
  let max = 0;
  for (const sc of scores) {
    if (s.ignoredNodes.has(sc.name)) continue;
    min = Math.min(min, sc.score);
    max = Math.max(max, sc.score);
  }
  for (const sc of scores) {
    if (s.ignoredNodes.has(sc.name)) sc.score = 0;
    else if (max === 0) sc.score = MAX_NODE_SCORE;
    else sc.score = Math.trunc((MAX_NODE_SCORE * (max + min - sc.score)) / max);
  }
}
