// InterPodAffinity PreScore/Score/NormalizeScore (upstream interpodaffinity/scoring.go): each
// existing pod adds or subtracts weight to its node's topology domains when (a) it matches the
// incoming pod's preferred (anti-)affinity, or (b) the incoming pod matches its required affinity
// (hardPodAffinityWeight) or preferred (anti-)affinity terms. Scores are then min-max scaled.
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { StateData } from '../../framework/cycle-state.js';
import { termMatches, type AffinityTerm, type NamespaceLabels, type WeightedAffinityTerm } from '../../framework/affinity-term.js';
import { MAX_NODE_SCORE, type NodeScore } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import type { Snapshot } from '../../framework/snapshot.js';

/** topologyKey → topology value → score. */
export class AffinityScoreState implements StateData {
  readonly topologyScore = new Map<string, Map<string, number>>();
  clone(): StateData { return this; }

  add(term: AffinityTerm, weight: number, pod: Pod, ns: NamespaceLabels, node: Node, multiplier: 1 | -1): void {
    if (!termMatches(term, pod, ns)) return;
    const v = node.metadata?.labels?.[term.topologyKey];
    if (v === undefined) return;
    let m = this.topologyScore.get(term.topologyKey);
    if (!m) this.topologyScore.set(term.topologyKey, (m = new Map()));
    m.set(v, (m.get(v) ?? 0) + weight * multiplier);
  }

  addWeighted(terms: readonly WeightedAffinityTerm[], pod: Pod, ns: NamespaceLabels, node: Node, multiplier: 1 | -1): void {
    for (const t of terms) this.add(t, t.weight, pod, ns, node, multiplier);
  }
}

export function computeScoreState(pod: PodInfo, snapshot: Snapshot, hardPodAffinityWeight: number): AffinityScoreState {
  const s = new AffinityScoreState();
  const ns = snapshot.namespaceLabels;
  const hasConstraints = pod.preferredAffinityTerms.length > 0 || pod.preferredAntiAffinityTerms.length > 0;
  // Without preferred terms of its own, only existing pods with affinity can move the score.
  const nodes = hasConstraints ? snapshot.nodeInfoList : snapshot.havePodsWithAffinity();
  for (const ni of nodes) {
    const node = ni.node;
    if (!node.metadata?.labels || Object.keys(node.metadata.labels).length === 0) continue;
    for (const existing of hasConstraints ? ni.pods : ni.podsWithAffinity) {
      s.addWeighted(pod.preferredAffinityTerms, existing.pod, ns, node, 1);
      s.addWeighted(pod.preferredAntiAffinityTerms, existing.pod, ns, node, -1);
      if (hardPodAffinityWeight > 0) {
        for (const t of existing.requiredAffinityTerms) s.add(t, hardPodAffinityWeight, pod.pod, ns, node, 1);
      }
      s.addWeighted(existing.preferredAffinityTerms, pod.pod, ns, node, 1);
      s.addWeighted(existing.preferredAntiAffinityTerms, pod.pod, ns, node, -1);
    }
  }
  return s;
}

export function scoreNode(s: AffinityScoreState, node: NodeInfo): number {
  let score = 0;
  for (const [key, values] of s.topologyScore) {
    const v = node.labels[key];
    if (v !== undefined) score += values.get(v) ?? 0;
  }
  return score;
}

export function normalizeScores(s: AffinityScoreState, scores: NodeScore[]): void {
  if (s.topologyScore.size === 0) return;
  let min = Infinity;
  let max = -Infinity;
  for (const sc of scores) {
    min = Math.min(min, sc.score);
    max = Math.max(max, sc.score);
  }
  const diff = max - min;
  for (const sc of scores) sc.score = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((sc.score - min) / diff)) : 0;
}
