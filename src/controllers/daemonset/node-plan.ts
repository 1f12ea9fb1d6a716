// The core of a DaemonSet sync, as upstream manage()/podsShouldBeOnNode(): which nodes need a
// daemon pod and which daemon pods must go. Pure over the caches' contents.
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { POD_REVISION_LABEL } from '../history/controller-revision.js';
import { isPodAvailable, isPodReady, isPodTerminal } from '../history/pod-readiness.js';
import { compareDaemonPods, nodeShouldRunDaemonPod, targetNodeName } from './daemon-pod.js';
import { allowsSurge } from './rolling-update.js';

export type NodeToDaemonPods = Map<string, Pod[]>;

/**
 * Groups the DaemonSet's pods by the node they run on (or are meant for), as upstream
 * getNodesToDaemonPods; pods already terminal and being deleted are of no more concern.
 */
export function groupPodsByNode(pods: readonly Pod[]): NodeToDaemonPods {
  const byNode: NodeToDaemonPods = new Map();
  for (const pod of pods) {
    if (isPodTerminal(pod) && pod.metadata?.deletionTimestamp) continue;
    const node = targetNodeName(pod);
    if (node === undefined) continue;
    const list = byNode.get(node);
    if (list) list.push(pod);
    else byNode.set(node, [pod]);
  }
  return byNode;
}

export interface NodePlan {
  nodesNeedingDaemonPods: string[];
  podsToDelete: string[];
  /** Failed pods found (for the FailedDaemonPod warning). */
  failedPods: { pod: string; node: string }[];
}

/** As upstream manage(): for every node, create, keep or delete its daemon pods. */
export function planNodes(ds: DaemonSet, nodes: readonly Node[], byNode: NodeToDaemonPods, hash: string, nowMs: number): NodePlan {
  const plan: NodePlan = { nodesNeedingDaemonPods: [], podsToDelete: [], failedPods: [] };
  const known = new Set<string>();
  for (const node of nodes) {
    const name = node.metadata?.name ?? '';
    known.add(name);
    podsShouldBeOnNode(ds, node, byNode.get(name) ?? [], hash, nowMs, plan);
  }
  // As upstream getUnscheduledPodsWithoutNode: pods meant for nodes that no longer exist go.
  for (const [node, pods] of byNode) {
    if (known.has(node)) continue;
    for (const pod of pods) if (!pod.spec?.nodeName && !pod.metadata?.deletionTimestamp) plan.podsToDelete.push(pod.metadata!.name!);
  }
  return plan;
}

function podsShouldBeOnNode(ds: DaemonSet, node: Node, pods: readonly Pod[], hash: string, nowMs: number, plan: NodePlan): void {
  const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
  const nodeName = node.metadata?.name ?? '';
  if (shouldRun && pods.length === 0) {
    plan.nodesNeedingDaemonPods.push(nodeName);
    return;
  }
  if (!shouldContinueRunning) {
    for (const pod of pods) if (!pod.metadata?.deletionTimestamp) plan.podsToDelete.push(pod.metadata!.name!);
    return;
  }
  if (pods.length === 0) return;
  const running: Pod[] = [];
  for (const pod of pods) {
    // Pods already going are waited for, not replaced (upstream skips them).
    if (pod.metadata?.deletionTimestamp) continue;
    if (pod.status?.phase === 'Failed') {
      // As upstream: a failed daemon pod is killed so a fresh one can take its place.
      plan.failedPods.push({ pod: pod.metadata!.name!, node: nodeName });
      plan.podsToDelete.push(pod.metadata!.name!);
      continue;
    }
    running.push(pod);
  }
  if (running.length <= 1) return;
  running.sort(compareDaemonPods);
  if (!allowsSurge(ds)) {
    // Without surge only the oldest daemon pod may stay.
    for (const pod of running.slice(1)) plan.podsToDelete.push(pod.metadata!.name!);
    return;
  }
  // With surge, an old and a new pod may overlap while the new one is not yet available.
  let oldestNew: Pod | undefined;
  let oldestOld: Pod | undefined;
  for (const pod of running) {
    const isNew = pod.metadata?.labels?.[POD_REVISION_LABEL] === hash;
    if (isNew && !oldestNew) oldestNew = pod;
    else if (!isNew && !oldestOld) oldestOld = pod;
    else plan.podsToDelete.push(pod.metadata!.name!);
  }
  if (oldestNew && oldestOld) {
    if (!isPodReady(oldestOld) || isPodAvailable(oldestNew, ds.spec?.minReadySeconds ?? 0, nowMs)) {
      plan.podsToDelete.push(oldestOld.metadata!.name!);
    }
  }
}
