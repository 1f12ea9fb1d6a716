// The status a ReplicaSet (or ReplicationController) reports, as upstream's calculateStatus
// in pkg/controller/replicaset/replica_set_utils.go.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ReplicaSetCondition, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import { selectorFromSet } from '../../api/labels.js';
import { isPodAvailable, isPodReady } from './pod-readiness.js';
import type { ReplicatedObject } from './replicated-kind.js';

export const REPLICA_FAILURE = 'ReplicaFailure';

/** RFC 3339 with second precision, as metav1.Time serializes. */
export function metaTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * `pods` are the active pods the owner controls. `manageError` is the error of this sync's
 * creates or deletes (with `scalingUp` telling which), which becomes a ReplicaFailure condition.
 */
export function calculateReplicaSetStatus(rs: ReplicatedObject, pods: Pod[], manageError: unknown, scalingUp: boolean, now: number): ReplicaSetStatus {
  const templateLabels = selectorFromSet(rs.spec?.template?.metadata?.labels);
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    if (templateLabels.matches(pod.metadata?.labels)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReadySeconds, now)) available++;
    }
  }
  let conditions: ReplicaSetCondition[] = [...((rs.status?.conditions ?? []) as ReplicaSetCondition[])];
  const failure = conditions.find((c) => c.type === REPLICA_FAILURE);
  if (manageError !== undefined && !failure) {
    conditions.push({
      type: REPLICA_FAILURE,
      status: 'True',
      reason: scalingUp ? 'FailedCreate' : 'FailedDelete',
      message: manageError instanceof Error ? manageError.message : String(manageError),
      lastTransitionTime: metaTime(now),
    });
  } else if (manageError === undefined && failure) {
    conditions = conditions.filter((c) => c.type !== REPLICA_FAILURE);
  }
  const status: ReplicaSetStatus = {
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.status?.observedGeneration,
  };
  if (conditions.length) status.conditions = conditions;
  return status;
}

/** True when writing `next` (with the current generation) would change nothing. */
export function statusUnchanged(rs: ReplicatedObject, next: ReplicaSetStatus): boolean {
  const cur = rs.status ?? { replicas: 0 };
  return (cur.replicas ?? 0) === next.replicas
    && (cur.fullyLabeledReplicas ?? 0) === (next.fullyLabeledReplicas ?? 0)
    && (cur.readyReplicas ?? 0) === (next.readyReplicas ?? 0)
    && (cur.availableReplicas ?? 0) === (next.availableReplicas ?? 0)
    && cur.observedGeneration === rs.metadata?.generation
    && JSON.stringify(cur.conditions ?? []) === JSON.stringify(next.conditions ?? []);
}
