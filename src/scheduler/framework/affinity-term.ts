// Parsed pod (anti-)affinity terms, as upstream framework.AffinityTerm: the label selector, the
// namespaces it applies to (the pod's own when neither namespaces nor namespaceSelector is set)
// and the topology key.
import type { Pod, PodAffinityTerm, WeightedPodAffinityTerm } from 'kubernetes-types/core/v1.js';
import { nothingSelector, selectorFromLabelSelector, type LabelSelector } from '../../api/labels.js';

export interface AffinityTerm {
  selector: LabelSelector;
  namespaces: ReadonlySet<string>;
  namespaceSelector: LabelSelector;
  topologyKey: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  weight: number;
}

export type NamespaceLabels = (namespace: string) => Record<string, string> | undefined;

/** Upstream AffinityTerm.Matches: namespace listed or selected, and labels selected. */
export function termMatches(term: AffinityTerm, pod: Pod, nsLabels: NamespaceLabels): boolean {
  const ns = pod.metadata?.namespace ?? 'default';
  // A nil namespaceSelector is nothingSelector (never matches); {} matches every namespace.
  if (term.namespaces.has(ns) || term.namespaceSelector.matches(nsLabels(ns) ?? {})) {
    return term.selector.matches(pod.metadata?.labels ?? {});
  }
  return false;
}

function safeSelector(ls: Parameters<typeof selectorFromLabelSelector>[0]): LabelSelector {
  try {
    return selectorFromLabelSelector(ls);
  } catch {
    // Upstream ignores affinity terms whose selectors fail to parse (validation rejects them anyway).
    return nothingSelector;
  }
}

export function newAffinityTerm(pod: Pod, t: PodAffinityTerm): AffinityTerm {
  const own = pod.metadata?.namespace ?? 'default';
  const namespaces = new Set<string>(
    (t.namespaces?.length ?? 0) === 0 && !t.namespaceSelector ? [own] : (t.namespaces ?? []),
  );
  let selector = safeSelector(t.labelSelector);
  // matchLabelKeys / mismatchLabelKeys merge the incoming pod's label values into the selector.
  const extra: { key: string; operator: string; values: string[] }[] = [];
  for (const k of t.matchLabelKeys ?? []) {
    const v = pod.metadata?.labels?.[k];
    if (v !== undefined) extra.push({ key: k, operator: 'In', values: [v] });
  }
  for (const k of t.mismatchLabelKeys ?? []) {
    const v = pod.metadata?.labels?.[k];
    if (v !== undefined) extra.push({ key: k, operator: 'NotIn', values: [v] });
  }
  if (extra.length && t.labelSelector) {
    selector = safeSelector({
      matchLabels: t.labelSelector.matchLabels,
      matchExpressions: [...(t.labelSelector.matchExpressions ?? []), ...extra],
    });
  }
  return {
    selector,
    namespaces,
    namespaceSelector: t.namespaceSelector ? safeSelector(t.namespaceSelector) : nothingSelector,
    topologyKey: t.topologyKey,
  };
}

export function affinityTerms(pod: Pod, terms: PodAffinityTerm[] | undefined): AffinityTerm[] {
  return (terms ?? []).map((t) => newAffinityTerm(pod, t));
}

export function weightedAffinityTerms(pod: Pod, terms: WeightedPodAffinityTerm[] | undefined): WeightedAffinityTerm[] {
  return (terms ?? []).map((t) => ({ ...newAffinityTerm(pod, t.podAffinityTerm), weight: t.weight }));
}
