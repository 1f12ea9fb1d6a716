// One StatefulSet sync step, after upstream stateful_set_control.go updateStatefulSet: create
// missing ordinals (OrderedReady: one at a time, each after its predecessors are Running and
// Ready; Parallel: all at once), delete condemned ordinals from the highest, then roll the
// update revision out from the highest ordinal down to the partition, one unhealthy pod at a time.
import type { StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { SetRevisions } from './revisions.js';
import { applyRevision } from './revisions.js';
import {
  endOrdinal, identityMatches, inOrdinalRange, isCreated, isFailed, isHealthy, isPending, isRunningAndAvailable, isRunningAndReady,
  isTerminating, newVersionedPod, ordinalOf, podRevision, startOrdinal, storageMatches,
} from './stateful-pod.js';

/** The API actions a sync takes on pods and claims (upstream StatefulPodControl). */
export interface StatefulPodControl {
  /** Creates the pod's missing claims, then the pod. */
  createPod(set: StatefulSet, pod: Pod): Promise<void>;
  /** Rewrites identity and storage of an existing pod. */
  updatePod(set: StatefulSet, pod: Pod): Promise<void>;
  deletePod(set: StatefulSet, pod: Pod): Promise<void>;
  createMissingClaims(set: StatefulSet, pod: Pod): Promise<void>;
  /** With whenScaled: Delete, hands the claims of a condemned pod to it for the garbage collector. */
  releaseClaimsOnScaleDown(set: StatefulSet, pod: Pod): Promise<void>;
  /** Records a Warning event about the set. */
  warn(set: StatefulSet, reason: string, message: string): void;
}

/** As upstream updateStatus: counts from the pods as they are. */
export function countPods(status: StatefulSetStatus, minReadySeconds: number, revs: SetRevisions, pods: readonly Pod[], nowMs: number): void {
  for (const pod of pods) {
    if (isCreated(pod)) status.replicas++;
    if (isRunningAndReady(pod)) {
      status.readyReplicas = (status.readyReplicas ?? 0) + 1;
      if (isRunningAndAvailable(pod, minReadySeconds, nowMs)) status.availableReplicas = (status.availableReplicas ?? 0) + 1;
    }
    if (isCreated(pod) && !isTerminating(pod)) {
      if (podRevision(pod) === revs.current.metadata?.name) status.currentReplicas = (status.currentReplicas ?? 0) + 1;
      if (podRevision(pod) === revs.update.metadata?.name) status.updatedReplicas = (status.updatedReplicas ?? 0) + 1;
    }
  }
}

const dec = (n: number | undefined) => (n ?? 0) - 1;
const inc = (n: number | undefined) => (n ?? 0) + 1;

/** Runs one step; returns the status to write (even when an action failed, as upstream). */
export async function updateStatefulSet(
  set: StatefulSet, revs: SetRevisions, pods: readonly Pod[], control: StatefulPodControl, nowMs: number,
): Promise<{ status: StatefulSetStatus; error?: unknown }> {
  const currentSet = applyRevision(set, revs.current);
  const updateSet = applyRevision(set, revs.update);
  const currentName = revs.current.metadata!.name!;
  const updateName = revs.update.metadata!.name!;
  const minReady = set.spec?.minReadySeconds ?? 0;
  const status: StatefulSetStatus = {
    observedGeneration: set.metadata?.generation,
    currentRevision: currentName,
    updateRevision: updateName,
    collisionCount: revs.collisionCount,
    replicas: 0,
    readyReplicas: 0,
    currentReplicas: 0,
    updatedReplicas: 0,
    availableReplicas: 0,
  };
  countPods(status, minReady, revs, pods, nowMs);

  const start = startOrdinal(set);
  const count = Math.max(endOrdinal(set) - start + 1, 0);
  const replicas: Pod[] = new Array(count);
  const condemned: Pod[] = [];
  for (const pod of pods) {
    if (inOrdinalRange(set, pod)) replicas[ordinalOf(pod) - start] = pod;
    else if (ordinalOf(pod) >= 0) condemned.push(pod);
  }
  for (let i = 0; i < count; i++) replicas[i] ??= newVersionedPod(currentSet, updateSet, currentName, updateName, i + start);
  condemned.sort((a, b) => ordinalOf(b) - ordinalOf(a));

  // The first unhealthy pod, in ordinal order, is the one condemned pods may be deleted past.
  let firstUnhealthy: Pod | undefined = replicas.find((p) => !isHealthy(p));
  if (!firstUnhealthy) for (let i = condemned.length - 1; i >= 0; i--) if (!isHealthy(condemned[i]!)) { firstUnhealthy = condemned[i]; break; }

  // A set being deleted is left to the garbage collector; only its status is kept up to date.
  if (set.metadata?.deletionTimestamp) return { status };
  const monotonic = (set.spec?.podManagementPolicy ?? 'OrderedReady') !== 'Parallel';

  try {
    for (let i = 0; i < count; i++) {
      let pod = replicas[i]!;
      if (isFailed(pod)) {
        control.warn(set, 'RecreatingFailedPod', `StatefulSet ${set.metadata?.namespace}/${set.metadata?.name} is recreating failed Pod ${pod.metadata?.name}`);
        await control.deletePod(set, pod);
        if (podRevision(pod) === currentName) status.currentReplicas = dec(status.currentReplicas);
        if (podRevision(pod) === updateName) status.updatedReplicas = dec(status.updatedReplicas);
        status.replicas--;
        pod = replicas[i] = newVersionedPod(currentSet, updateSet, currentName, updateName, i + start);
      }
      if (!isCreated(pod)) {
        await control.createPod(set, pod);
        status.replicas++;
        if (podRevision(pod) === currentName) status.currentReplicas = inc(status.currentReplicas);
        if (podRevision(pod) === updateName) status.updatedReplicas = inc(status.updatedReplicas);
        // OrderedReady: the next ordinal waits for this one to be Running and Ready.
        if (monotonic) return { status };
        continue;
      }
      if (isPending(pod)) await control.createMissingClaims(set, pod);
      if (monotonic && (isTerminating(pod) || !isRunningAndReady(pod) || !isRunningAndAvailable(pod, minReady, nowMs))) return { status };
      if (identityMatches(set, pod) && storageMatches(set, pod)) continue;
      await control.updatePod(updateSet, structuredClone(pod));
    }

    // Scale down from the highest ordinal; OrderedReady deletes one at a time, only once
    // every remaining pod is healthy (the first unhealthy one may go, so the set can shrink past it).
    for (const pod of condemned) {
      if (isTerminating(pod)) {
        if (monotonic) return { status };
        continue;
      }
      if (monotonic && pod !== firstUnhealthy && (!isRunningAndReady(pod) || !isRunningAndAvailable(pod, minReady, nowMs))) return { status };
      await control.releaseClaimsOnScaleDown(set, pod);
      await control.deletePod(set, pod);
      if (podRevision(pod) === currentName) status.currentReplicas = dec(status.currentReplicas);
      if (podRevision(pod) === updateName) status.updatedReplicas = dec(status.updatedReplicas);
      if (monotonic) return { status };
    }

    if (set.spec?.updateStrategy?.type === 'OnDelete') return { status };

    // Roll out: delete the highest-ordinal pod not at the update revision (at or above the
    // partition), after every higher one is healthy; the create loop brings it back updated.
    const partition = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
    const updateMin = Math.max(partition - start, 0);
    for (let t = count - 1; t >= updateMin; t--) {
      const pod = replicas[t]!;
      if (podRevision(pod) !== updateName && !isTerminating(pod)) {
        await control.deletePod(set, pod);
        status.currentReplicas = dec(status.currentReplicas);
        return { status };
      }
      if (!isHealthy(pod)) return { status };
    }
  } catch (error) {
    return { status, error };
  }
  return { status };
}

/** As upstream completeRollingUpdate: once every pod is updated and ready, update becomes current. */
export function completeRollingUpdate(set: StatefulSet, status: StatefulSetStatus): void {
  if ((set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate'
    && status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas) {
    status.currentReplicas = status.updatedReplicas;
    status.currentRevision = status.updateRevision;
  }
}
