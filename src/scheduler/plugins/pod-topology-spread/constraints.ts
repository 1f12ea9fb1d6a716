// Topology spread constraints as the plugin uses them (upstream podtopologyspread/common.go):
// parsed selectors (with matchLabelKeys merged), minDomains, node inclusion policies, and the
// system default constraints built from the Services / ReplicaSets / … that select the pod.
import type { Node, Pod, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { selectorFromLabelSelector, type LabelSelector, type LabelSelectorSpec } from '../../../api/labels.js';
import type { PodInfo } from '../../framework/pod-info.js';
import type { Snapshot } from '../../framework/snapshot.js';
import { requiredNodeAffinityMatches } from '../../helpers/node-affinity.js';
import { doNotScheduleTaints, findUntoleratedTaint } from '../../helpers/tolerations.js';

export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_ZONE = 'topology.kubernetes.io/zone';

export interface SpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  selector: LabelSelector;
  minDomains: number;
  honorNodeAffinity: boolean;
  honorNodeTaints: boolean;
}

export type Unsatisfiable = 'DoNotSchedule' | 'ScheduleAnyway';

/** Upstream's system defaults: hostname maxSkew 3 and zone maxSkew 5, both ScheduleAnyway. */
export const SYSTEM_DEFAULT_CONSTRAINTS: TopologySpreadConstraint[] = [
  { topologyKey: LABEL_HOSTNAME, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 3 },
  { topologyKey: LABEL_ZONE, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 5 },
];

function safeSelector(spec: LabelSelectorSpec | undefined | null): LabelSelector {
  try {
    return selectorFromLabelSelector(spec);
  } catch {
    return selectorFromLabelSelector(null);
  }
}

export function parseConstraints(
  constraints: readonly TopologySpreadConstraint[], podLabels: Record<string, string>, action: Unsatisfiable,
  selectorOverride?: LabelSelector,
): SpreadConstraint[] {
  const out: SpreadConstraint[] = [];
  for (const c of constraints) {
    if (c.whenUnsatisfiable !== action) continue;
    let selector = selectorOverride ?? safeSelector(c.labelSelector);
    if (!selectorOverride && c.matchLabelKeys?.length && c.labelSelector) {
      // matchLabelKeys: the pod's own values for these keys join the selector (as "key in (value)").
      const extra = c.matchLabelKeys.filter((k) => k in podLabels).map((k) => ({ key: k, operator: 'In', values: [podLabels[k]!] }));
      selector = safeSelector({ ...c.labelSelector, matchExpressions: [...(c.labelSelector.matchExpressions ?? []), ...extra] });
    }
    out.push({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      selector,
      minDomains: c.minDomains ?? 1,
      honorNodeAffinity: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor',
      honorNodeTaints: (c.nodeTaintsPolicy ?? 'Ignore') === 'Honor',
    });
  }
  return out;
}

/** Upstream helper.DefaultSelector: what selects the pod among Services, RCs, ReplicaSets and StatefulSets. */
export function defaultSelector(pod: Pod, snapshot: Snapshot): LabelSelector {
  const ns = pod.metadata?.namespace ?? 'default';
  const labels = pod.metadata?.labels ?? {};
  const matchLabels: Record<string, string> = {};
  const matchExpressions: NonNullable<LabelSelectorSpec['matchExpressions']> = [];
  const selectsPod = (sel: Record<string, string> | undefined) =>
    !!sel && Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels[k] === v);
  for (const s of snapshot.services) {
    if (s.metadata?.namespace === ns && selectsPod(s.spec?.selector)) Object.assign(matchLabels, s.spec!.selector);
  }
  for (const rc of snapshot.replicationControllers) {
    if (rc.metadata?.namespace === ns && selectsPod(rc.spec?.selector)) Object.assign(matchLabels, rc.spec!.selector);
  }
  for (const owner of [...snapshot.replicaSets, ...snapshot.statefulSets]) {
    if (owner.metadata?.namespace !== ns || !owner.spec?.selector) continue;
    const sel = safeSelector(owner.spec.selector);
    if (sel.empty || !sel.matches(labels)) continue;
    for (const [k, v] of Object.entries(owner.spec.selector.matchLabels ?? {})) matchExpressions.push({ key: k, operator: 'In', values: [v] });
    matchExpressions.push(...(owner.spec.selector.matchExpressions ?? []));
  }
  return safeSelector({ matchLabels, matchExpressions });
}

/** Upstream buildDefaultConstraints: none when nothing selects the pod. */
export function buildDefaultConstraints(pod: Pod, snapshot: Snapshot, defaults: readonly TopologySpreadConstraint[], action: Unsatisfiable): SpreadConstraint[] {
  const sel = defaultSelector(pod, snapshot);
  if (sel.empty) return [];
  return parseConstraints(defaults, {}, action, sel);
}

export function nodeHasAllTopologyKeys(node: Node, constraints: readonly SpreadConstraint[]): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const c of constraints) if (!(c.topologyKey in labels)) return false;
  return true;
}

export function matchesNodeInclusionPolicies(c: SpreadConstraint, pod: Pod, node: Node): boolean {
  if (c.honorNodeAffinity && !requiredNodeAffinityMatches(pod, node)) return false;
  if (c.honorNodeTaints && findUntoleratedTaint(node.spec?.taints, pod.spec?.tolerations, doNotScheduleTaints)) return false;
  return true;
}

/** Pods in the namespace matching the selector, terminating pods excluded, as upstream. */
export function countPodsMatchSelector(pods: readonly PodInfo[], selector: LabelSelector, namespace: string): number {
  let n = 0;
  for (const p of pods) {
    const m = p.pod.metadata;
    if (m?.deletionTimestamp || (m?.namespace ?? 'default') !== namespace) continue;
    if (selector.matches(m?.labels ?? {})) n++;
  }
  return n;
}
