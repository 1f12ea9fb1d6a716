// Which pods a ReplicaSet deletes first when it scales down: upstream's ActivePodsWithRanks
// order (pkg/controller/controller_utils.go, with PodDeletionCost and LogarithmicScaleDown on,
// as in 1.30). Earlier in the order means deleted sooner.
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isPodActive, isPodReady, podReadySince } from './pod-readiness.js';

/** As upstream's PodDeletionCost annotation: lower costs go first. */
export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

export interface RankedPod {
  pod: Pod;
  /** How many active related pods share this pod's node (0 when unscheduled). */
  rank: number;
}

function deletionCost(pod: Pod): number {
  const v = pod.metadata?.annotations?.[POD_DELETION_COST_ANNOTATION];
  if (v === undefined || !/^[+-]?\d+$/.test(v.trim())) return 0;
  const n = Number(v.trim());
  return n >= -2147483648 && n <= 2147483647 ? n : 0;
}

function timeOf(ts: string | undefined): number {
  if (!ts) return 0;
  const t = Date.parse(ts);
  return Number.isNaN(t) ? 0 : t;
}

/** Zero times first, then the later time first (upstream's afterOrZero); 0 means "zero time". */
function afterOrZero(a: number, b: number): boolean {
  if (a === 0 || b === 0) return a === 0;
  return a > b;
}

/** As upstream's logarithmicRankDiff: compares how long ago, in powers of two of nanoseconds. */
function logarithmicRankDiff(a: number, b: number, now: number): number {
  const rankOf = (t: number) => {
    const ns = (now - t) * 1e6;
    return ns > 0 ? Math.floor(Math.log2(ns)) : -1;
  };
  return rankOf(a) - rankOf(b);
}

/** Newer first, by logarithmic buckets of age; uid breaks ties within a bucket. */
function newerFirst(a: number, b: number, now: number, pa: Pod, pb: Pod): boolean {
  if (now === 0 || a === 0 || b === 0) return afterOrZero(a, b);
  const diff = logarithmicRankDiff(a, b, now);
  if (diff === 0) return (pa.metadata?.uid ?? '') < (pb.metadata?.uid ?? '');
  return diff < 0;
}

function maxRestarts(pod: Pod): { regular: number; sidecar: number } {
  let regular = 0;
  let sidecar = 0;
  for (const s of pod.status?.containerStatuses ?? []) regular = Math.max(regular, s.restartCount ?? 0);
  const sidecars = new Set((pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  for (const s of pod.status?.initContainerStatuses ?? []) if (sidecars.has(s.name)) sidecar = Math.max(sidecar, s.restartCount ?? 0);
  return { regular, sidecar };
}

/** True when `a` should be deleted before `b`. */
export function deleteBefore(a: RankedPod, b: RankedPod, now: number): boolean {
  const pi = a.pod;
  const pj = b.pod;
  const ni = pi.spec?.nodeName ?? '';
  const nj = pj.spec?.nodeName ?? '';
  // 1. Unassigned < assigned.
  if (ni !== nj && (ni === '' || nj === '')) return ni === '';
  // 2. Pending < Unknown < Running.
  const phi = PHASE_ORDINAL[pi.status?.phase ?? ''] ?? 0;
  const phj = PHASE_ORDINAL[pj.status?.phase ?? ''] ?? 0;
  if (phi !== phj) return phi < phj;
  // 3. Not ready < ready.
  const ri = isPodReady(pi);
  const rj = isPodReady(pj);
  if (ri !== rj) return !ri;
  // 4. Lower pod-deletion-cost < higher.
  const ci = deletionCost(pi);
  const cj = deletionCost(pj);
  if (ci !== cj) return ci < cj;
  // 5. Doubled up (more related pods on the node) < not doubled up.
  if (a.rank !== b.rank) return a.rank > b.rank;
  // 6. Ready for a shorter time < longer.
  if (ri && rj) {
    const ti = podReadySince(pi) ?? 0;
    const tj = podReadySince(pj) ?? 0;
    if (ti !== tj) return newerFirst(ti, tj, now, pi, pj);
  }
  // 7. More container restarts < fewer.
  const xi = maxRestarts(pi);
  const xj = maxRestarts(pj);
  if (xi.regular !== xj.regular) return xi.regular > xj.regular;
  if (xi.sidecar !== xj.sidecar) return xi.sidecar > xj.sidecar;
  // 8. Newer < older (no creation time first).
  const ki = timeOf(pi.metadata?.creationTimestamp);
  const kj = timeOf(pj.metadata?.creationTimestamp);
  if (ki !== kj) return newerFirst(ki, kj, now, pi, pj);
  return false;
}

/**
 * As upstream's getPodsRankedByRelatedPodsOnSameNode: each pod's rank is the number of active
 * related pods (pods of the same owner's sibling ReplicaSets, including this one) on its node.
 */
export function rankByRelatedPodsOnSameNode(pods: Pod[], related: Pod[]): RankedPod[] {
  const onNode = new Map<string, number>();
  for (const p of related) {
    const node = p.spec?.nodeName;
    if (node && isPodActive(p)) onNode.set(node, (onNode.get(node) ?? 0) + 1);
  }
  return pods.map((pod) => ({ pod, rank: pod.spec?.nodeName ? onNode.get(pod.spec.nodeName) ?? 0 : 0 }));
}

/** The `count` pods to delete first, as upstream's getPodsToDelete. */
export function podsToDelete(pods: Pod[], related: Pod[], count: number, now: number): Pod[] {
  if (count >= pods.length) return pods.slice(0, count);
  const ranked = rankByRelatedPodsOnSameNode(pods, related);
  ranked.sort((a, b) => (deleteBefore(a, b, now) ? -1 : deleteBefore(b, a, now) ? 1 : 0));
  return ranked.slice(0, count).map((r) => r.pod);
}
