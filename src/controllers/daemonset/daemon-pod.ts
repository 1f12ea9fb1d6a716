// What a daemon pod looks like and where it may run, after upstream pkg/controller/daemon
// (NodeShouldRunDaemonPod, predicates) and daemon/util (AddOrUpdateDaemonPodTolerations,
// ReplaceDaemonSetPodNodeNameNodeAffinity, GetTargetNodeName).
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Affinity, Node, Pod, PodSpec, PodTemplateSpec, Toleration } from 'kubernetes-types/core/v1.js';
import { requiredNodeAffinityMatches } from '../../scheduler/helpers/node-affinity.js';
import { findUntoleratedTaint } from '../../scheduler/helpers/tolerations.js';
import { POD_REVISION_LABEL } from '../history/controller-revision.js';

/** As upstream DaemonSetTemplateGenerationKey (deprecated, still set on daemon pods). */
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
/** The annotation the API server keeps the template generation in. */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

function exists(key: string, effect: 'NoExecute' | 'NoSchedule'): Toleration {
  return { key, operator: 'Exists', effect };
}

/**
 * The tolerations every daemon pod gets, as upstream: it must keep running on nodes that are
 * not ready or unreachable (no tolerationSeconds: never evicted), and be placed on nodes under
 * pressure or cordoned; with hostNetwork, also on nodes whose network is not set up yet.
 */
export function daemonPodTolerations(spec: PodSpec | undefined): Toleration[] {
  const list = [
    exists('node.kubernetes.io/not-ready', 'NoExecute'),
    exists('node.kubernetes.io/unreachable', 'NoExecute'),
    exists('node.kubernetes.io/disk-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/memory-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/pid-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/unschedulable', 'NoSchedule'),
  ];
  if (spec?.hostNetwork) list.push(exists('node.kubernetes.io/network-unavailable', 'NoSchedule'));
  return list;
}

/** As upstream AddOrUpdateTolerationInPodSpec: an equal toleration is replaced, else appended. */
export function addOrUpdateTolerations(spec: PodSpec, additions: readonly Toleration[]): void {
  const tolerations = [...(spec.tolerations ?? [])];
  for (const add of additions) {
    const same = (t: Toleration) => (t.key ?? '') === (add.key ?? '') && (t.operator ?? 'Equal') === (add.operator ?? 'Equal')
      && (t.value ?? '') === (add.value ?? '') && (t.effect ?? '') === (add.effect ?? '');
    const i = tolerations.findIndex(same);
    if (i >= 0) tolerations[i] = add;
    else tolerations.push(add);
  }
  spec.tolerations = tolerations;
}

/** The pod the DaemonSet would run on `nodeName`, for checking eligibility (upstream NewPod). */
export function simulatedDaemonPod(ds: DaemonSet, nodeName: string): Pod {
  const template = structuredClone(ds.spec?.template ?? {}) as PodTemplateSpec;
  const spec: PodSpec = { ...(template.spec ?? { containers: [] }), nodeName };
  addOrUpdateTolerations(spec, daemonPodTolerations(spec));
  return { metadata: template.metadata, spec };
}

export interface NodeEligibility {
  /** A daemon pod should be created on the node. */
  shouldRun: boolean;
  /** A daemon pod already there may stay. */
  shouldContinueRunning: boolean;
}

/**
 * As upstream NodeShouldRunDaemonPod: the node must match the template's nodeName, nodeSelector
 * and required node affinity; an untolerated NoSchedule or NoExecute taint means no new pod,
 * and only an untolerated NoExecute taint evicts a running one.
 */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): NodeEligibility {
  const name = node.metadata?.name ?? '';
  const pinned = ds.spec?.template?.spec?.nodeName;
  if (pinned && pinned !== name) return { shouldRun: false, shouldContinueRunning: false };
  const pod = simulatedDaemonPod(ds, name);
  if (!requiredNodeAffinityMatches(pod, node)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = node.spec?.taints;
  const blocking = findUntoleratedTaint(taints, pod.spec?.tolerations, (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  if (!blocking) return { shouldRun: true, shouldContinueRunning: true };
  const evicting = findUntoleratedTaint(taints, pod.spec?.tolerations, (t) => t.effect === 'NoExecute');
  return { shouldRun: false, shouldContinueRunning: !evicting };
}

/**
 * As upstream ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes one
 * term `metadata.name In [node]`, so the default scheduler places the pod on that node only.
 * Preferred terms and other affinity kinds are kept.
 */
export function pinToNode(affinity: Affinity | undefined, nodeName: string): Affinity {
  const required = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }] };
  const result: Affinity = structuredClone(affinity ?? {});
  result.nodeAffinity = { ...(result.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: required };
  return result;
}

/** As upstream CreatePodTemplate: the template with daemon tolerations and the revision labels. */
export function daemonPodTemplate(ds: DaemonSet, hash: string): PodTemplateSpec {
  const template = structuredClone(ds.spec?.template ?? {}) as PodTemplateSpec;
  const spec: PodSpec = template.spec ?? { containers: [] };
  addOrUpdateTolerations(spec, daemonPodTolerations(spec));
  template.spec = spec;
  const labels: Record<string, string> = { ...(template.metadata?.labels ?? {}) };
  const generation = ds.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  if (generation) labels[TEMPLATE_GENERATION_LABEL] = generation;
  if (hash) labels[POD_REVISION_LABEL] = hash;
  template.metadata = { ...(template.metadata ?? {}), labels };
  return template;
}

/**
 * As upstream GetTargetNodeName: the node a daemon pod is bound to, or, before it is
 * scheduled, the one its `metadata.name In [node]` affinity names.
 */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}

/** True if the pod was made from the revision with `hash` (upstream IsPodUpdated). */
export function isPodUpdated(pod: Pod, hash: string, templateGeneration?: string): boolean {
  const labels = pod.metadata?.labels ?? {};
  const hashMatches = hash.length > 0 && labels[POD_REVISION_LABEL] === hash;
  const generationMatches = templateGeneration !== undefined && labels[TEMPLATE_GENERATION_LABEL] === templateGeneration;
  return hashMatches || generationMatches;
}

/** As upstream podByCreationTimestampAndPhase: scheduled pods first, then oldest, then by name. */
export function compareDaemonPods(a: Pod, b: Pod): number {
  const sa = a.spec?.nodeName ? 0 : 1;
  const sb = b.spec?.nodeName ? 0 : 1;
  if (sa !== sb) return sa - sb;
  const ta = a.metadata?.creationTimestamp ?? '';
  const tb = b.metadata?.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}
