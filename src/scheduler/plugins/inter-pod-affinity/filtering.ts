// InterPodAffinity PreFilter/Filter (upstream interpodaffinity/filtering.go): counts per topology
// pair of (1) existing pods whose required anti-affinity matches the incoming pod, (2) existing
// pods matching all the incoming pod's required affinity terms, (3) existing pods matching its
// required anti-affinity terms.
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { StateData } from '../../framework/cycle-state.js';
import { termMatches, type AffinityTerm, type NamespaceLabels } from '../../framework/affinity-term.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import type { Snapshot } from '../../framework/snapshot.js';
import { Status, type MaybeStatus } from '../../framework/status.js';

export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";

/** "key\0value" → count; zero entries are deleted so size means "some pair matched". */
export type PairCounts = Map<string, number>;

function bump(m: PairCounts, node: Node, key: string, delta: number): void {
  const v = node.metadata?.labels?.[key];
  if (v === undefined) return;
  const pair = key + '\0' + v;
  const n = (m.get(pair) ?? 0) + delta;
  if (n === 0) m.delete(pair);
  else m.set(pair, n);
}

export function podMatchesAllTerms(terms: readonly AffinityTerm[], pod: Pod, ns: NamespaceLabels): boolean {
  if (terms.length === 0) return false;
  for (const t of terms) if (!termMatches(t, pod, ns)) return false;
  return true;
}

export class AffinityFilterState implements StateData {
  constructor(
    readonly pod: PodInfo,
    readonly ns: NamespaceLabels,
    readonly existingAntiAffinity: PairCounts = new Map(),
    readonly affinity: PairCounts = new Map(),
    readonly antiAffinity: PairCounts = new Map(),
  ) {}

  clone(): StateData {
    return new AffinityFilterState(this.pod, this.ns, new Map(this.existingAntiAffinity), new Map(this.affinity), new Map(this.antiAffinity));
  }

  /** Accounts for `other` appearing on (+1) or leaving (−1) `node`. */
  update(other: PodInfo, node: Node, delta: 1 | -1): void {
    for (const t of other.requiredAntiAffinityTerms) {
      if (termMatches(t, this.pod.pod, this.ns)) bump(this.existingAntiAffinity, node, t.topologyKey, delta);
    }
    if (podMatchesAllTerms(this.pod.requiredAffinityTerms, other.pod, this.ns)) {
      for (const t of this.pod.requiredAffinityTerms) bump(this.affinity, node, t.topologyKey, delta);
    }
    for (const t of this.pod.requiredAntiAffinityTerms) {
      if (termMatches(t, other.pod, this.ns)) bump(this.antiAffinity, node, t.topologyKey, delta);
    }
  }
}

export function computeFilterState(pod: PodInfo, snapshot: Snapshot): AffinityFilterState {
  const s = new AffinityFilterState(pod, snapshot.namespaceLabels);
  for (const ni of snapshot.havePodsWithRequiredAntiAffinity()) {
    for (const existing of ni.podsWithRequiredAntiAffinity) {
      for (const t of existing.requiredAntiAffinityTerms) {
        if (termMatches(t, pod.pod, s.ns)) bump(s.existingAntiAffinity, ni.node, t.topologyKey, 1);
      }
    }
  }
  if (pod.requiredAffinityTerms.length || pod.requiredAntiAffinityTerms.length) {
    for (const ni of snapshot.nodeInfoList) {
      for (const existing of ni.pods) {
        if (podMatchesAllTerms(pod.requiredAffinityTerms, existing.pod, s.ns)) {
          for (const t of pod.requiredAffinityTerms) bump(s.affinity, ni.node, t.topologyKey, 1);
        }
        for (const t of pod.requiredAntiAffinityTerms) {
          if (termMatches(t, existing.pod, s.ns)) bump(s.antiAffinity, ni.node, t.topologyKey, 1);
        }
      }
    }
  }
  return s;
}

function satisfiesPodAffinity(s: AffinityFilterState, node: NodeInfo): boolean {
  let podsExist = true;
  for (const t of s.pod.requiredAffinityTerms) {
    const v = node.labels[t.topologyKey];
    if (v === undefined) return false; // every topology key must be on the node
    if ((s.affinity.get(t.topologyKey + '\0' + v) ?? 0) <= 0) podsExist = false;
  }
  if (podsExist) return true;
  // The first pod of a group with affinity to itself: allowed when nothing matches anywhere yet.
  return s.affinity.size === 0 && podMatchesAllTerms(s.pod.requiredAffinityTerms, s.pod.pod, s.ns);
}

function satisfiesPodAntiAffinity(s: AffinityFilterState, node: NodeInfo): boolean {
  if (s.antiAffinity.size === 0) return true;
  for (const t of s.pod.requiredAntiAffinityTerms) {
    const v = node.labels[t.topologyKey];
    if (v !== undefined && (s.antiAffinity.get(t.topologyKey + '\0' + v) ?? 0) > 0) return false;
  }
  return true;
}

function satisfiesExistingPodsAntiAffinity(s: AffinityFilterState, node: NodeInfo): boolean {
  if (s.existingAntiAffinity.size === 0) return true;
  const labels = node.labels;
  for (const k in labels) if ((s.existingAntiAffinity.get(k + '\0' + labels[k]) ?? 0) > 0) return false;
  return true;
}

export function filterNode(s: AffinityFilterState, node: NodeInfo): MaybeStatus {
  if (!satisfiesPodAffinity(s, node)) return Status.unresolvable(ERR_REASON_AFFINITY);
  if (!satisfiesPodAntiAffinity(s, node)) return Status.unschedulable(ERR_REASON_ANTI_AFFINITY);
  if (!satisfiesExistingPodsAntiAffinity(s, node)) return Status.unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY);
  return null;
}
