// The RollingUpdate strategy of a DaemonSet, as upstream pkg/controller/daemon/update.go
// rollingUpdate(): without surge, delete old pods while at most maxUnavailable nodes lack an
// available pod (the manage loop then creates new ones); with surge, create new pods beside
// old ones, up to maxSurge at a time, and delete each old pod once its replacement is available.
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { scaledValue } from '../history/int-or-percent.js';
import { isPodAvailable } from '../history/pod-readiness.js';
import { isPodUpdated, nodeShouldRunDaemonPod, TEMPLATE_GENERATION_ANNOTATION } from './daemon-pod.js';
import type { NodeToDaemonPods } from './node-plan.js';

export function allowsSurge(ds: DaemonSet): boolean {
  const ru = ds.spec?.updateStrategy?.rollingUpdate;
  if (ds.spec?.updateStrategy?.type === 'OnDelete' || !ru) return false;
  // Any non-zero surge (int or percent) allows it, as upstream AllowsSurge.
  return ru.maxSurge !== undefined && ru.maxSurge !== 0 && ru.maxSurge !== '0%';
}

export interface RolloutLimits {
  maxSurge: number;
  maxUnavailable: number;
  desiredNumberScheduled: number;
}

/**
 * As upstream updatedDesiredNodeCounts: limits against the number of eligible nodes (percent
 * values round up); both zero is impossible and means maxUnavailable 1. Nodes that should run
 * a pod but have none are added to `byNode` with no pods.
 */
export function rolloutLimits(ds: DaemonSet, nodes: readonly Node[], byNode: NodeToDaemonPods): RolloutLimits {
  let desired = 0;
  for (const node of nodes) {
    if (!nodeShouldRunDaemonPod(node, ds).shouldRun) continue;
    desired++;
    const name = node.metadata?.name ?? '';
    if (!byNode.has(name)) byNode.set(name, []);
  }
  const ru = ds.spec?.updateStrategy?.rollingUpdate;
  let maxUnavailable = scaledValue(ru?.maxUnavailable, desired, true, 1);
  const maxSurge = allowsSurge(ds) ? scaledValue(ru?.maxSurge, desired, true, 0) : 0;
  if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable, desiredNumberScheduled: desired };
}

/** As upstream findUpdatedPodsOnNode: at most one new and one old live pod, else not ok. */
function podsOnNode(pods: readonly Pod[], hash: string, generation: string | undefined): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    if (isPodUpdated(pod, hash, generation)) {
      if (newPod) return { ok: false };
      newPod = pod;
    } else {
      if (oldPod) return { ok: false };
      oldPod = pod;
    }
  }
  return { newPod, oldPod, ok: true };
}

export interface RolloutStep {
  podsToDelete: string[];
  nodesToCreate: string[];
}

export function planRollingUpdate(ds: DaemonSet, nodes: readonly Node[], byNode: NodeToDaemonPods, hash: string, nowMs: number): RolloutStep {
  const { maxSurge, maxUnavailable, desiredNumberScheduled } = rolloutLimits(ds, nodes, byNode);
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const generation = ds.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  const available = (p: Pod) => isPodAvailable(p, minReady, nowMs);
  const nodeByName = new Map(nodes.map((n) => [n.metadata?.name ?? '', n]));
  const shouldRun = (name: string) => {
    const node = nodeByName.get(name);
    return node ? nodeShouldRunDaemonPod(node, ds).shouldRun : false;
  };
  // Nodes in a stable order, so the same pods are picked on every sync.
  const entries = [...byNode.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

  if (maxSurge === 0) {
    let unavailable = 0;
    const replaceNow: string[] = [];
    const candidates: string[] = [];
    for (const [, pods] of entries) {
      const { newPod, oldPod, ok } = podsOnNode(pods, hash, generation);
      if (!ok || (!newPod && !oldPod) || (newPod && oldPod)) {
        // The manage loop sorts this node out; until then it counts as unavailable.
        unavailable++;
      } else if (newPod) {
        if (!available(newPod)) unavailable++;
      } else if (oldPod) {
        if (!available(oldPod)) replaceNow.push(oldPod.metadata!.name!);
        else if (unavailable < maxUnavailable) candidates.push(oldPod.metadata!.name!);
      }
    }
    const room = Math.min(Math.max(maxUnavailable - unavailable, 0), candidates.length);
    return { podsToDelete: [...replaceNow, ...candidates.slice(0, room)], nodesToCreate: [] };
  }

  const oldPodsToDelete: string[] = [];
  const shouldNotRunPodsToDelete: string[] = [];
  const candidateNewNodes: string[] = [];
  const allowedNewNodes: string[] = [];
  let surge = 0;
  let numAvailable = 0;
  for (const [nodeName, pods] of entries) {
    const { newPod, oldPod, ok } = podsOnNode(pods, hash, generation);
    if (!ok) {
      surge++;
      continue;
    }
    if (oldPod ? available(oldPod) : newPod ? available(newPod) : false) numAvailable++;
    if (!oldPod) continue;
    if (!newPod) {
      if (!available(oldPod)) {
        // An unavailable old pod is replaced at once (or just removed where it may no longer run).
        if (!shouldRun(nodeName)) oldPodsToDelete.push(oldPod.metadata!.name!);
        else allowedNewNodes.push(nodeName);
      } else if (!shouldRun(nodeName)) {
        shouldNotRunPodsToDelete.push(oldPod.metadata!.name!);
      } else if (surge < maxSurge) {
        candidateNewNodes.push(nodeName);
      }
      continue;
    }
    // Already surged here: the old pod goes once the new one is available.
    if (!available(newPod)) surge++;
    else oldPodsToDelete.push(oldPod.metadata!.name!);
  }
  // With surge the owner expects full availability: pods on nodes the DaemonSet left are only
  // deleted as far as other nodes' available pods make up for them.
  const deletable = Math.min(numAvailable - desiredNumberScheduled, shouldNotRunPodsToDelete.length);
  if (deletable > 0) oldPodsToDelete.push(...shouldNotRunPodsToDelete.slice(0, deletable));
  const room = Math.min(Math.max(maxSurge - surge, 0), candidateNewNodes.length);
  return { podsToDelete: oldPodsToDelete, nodesToCreate: [...allowedNewNodes, ...candidateNewNodes.slice(0, room)] };
}
