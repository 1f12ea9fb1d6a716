// A DaemonSet's status from its nodes and pods, as upstream updateDaemonSetStatus: per node
// that should run the daemon, the oldest pod there counts for scheduled/ready/available/updated;
// pods on nodes that should not run it are misscheduled.
import type { DaemonSet, DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Node } from 'kubernetes-types/core/v1.js';
import { isPodAvailable, isPodReady } from '../history/pod-readiness.js';
import { compareDaemonPods, isPodUpdated, nodeShouldRunDaemonPod, TEMPLATE_GENERATION_ANNOTATION } from './daemon-pod.js';
import type { NodeToDaemonPods } from './node-plan.js';

export function computeDaemonSetStatus(ds: DaemonSet, nodes: readonly Node[], byNode: NodeToDaemonPods, hash: string, nowMs: number, observeGeneration: boolean): DaemonSetStatus {
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  const generation = ds.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  for (const node of nodes) {
    const pods = byNode.get(node.metadata?.name ?? '') ?? [];
    const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
    if (!shouldRun) {
      if (pods.length > 0) misscheduled++;
      continue;
    }
    desired++;
    if (pods.length === 0) continue;
    current++;
    const pod = [...pods].sort(compareDaemonPods)[0]!;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, ds.spec?.minReadySeconds ?? 0, nowMs)) available++;
    }
    if (isPodUpdated(pod, hash, generation)) updated++;
  }
  const status: DaemonSetStatus = {
    ...(ds.status ?? {}),
    desiredNumberScheduled: desired,
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    numberReady: ready,
    updatedNumberScheduled: updated,
    numberAvailable: available,
    numberUnavailable: desired - available,
  };
  if (status.numberUnavailable === 0) delete status.numberUnavailable;
  if (status.numberAvailable === 0) delete status.numberAvailable;
  if (status.updatedNumberScheduled === 0) delete status.updatedNumberScheduled;
  if (observeGeneration && ds.metadata?.generation !== undefined) status.observedGeneration = ds.metadata.generation;
  return status;
}
