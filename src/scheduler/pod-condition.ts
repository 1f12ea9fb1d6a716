// Writes what the scheduler learned about a pod into its status, as upstream's updatePod: the
// PodScheduled condition (False, reason Unschedulable or SchedulerError, with the message) and
// status.nominatedNodeName after a preemption. Nothing is written when nothing would change.
import type { Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../client/api-client.js';
import { pods } from '../client/resources.js';

/** Upstream v1.PodReasonUnschedulable and v1.PodReasonSchedulerError. */
export const REASON_UNSCHEDULABLE = 'Unschedulable';
export const REASON_SCHEDULER_ERROR = 'SchedulerError';

export interface SchedulingCondition {
  reason: string;
  message: string;
}

/**
 * The status patch for `pod`, or undefined when its condition and nomination already match (as
 * upstream podutil.UpdatePodCondition: the transition time moves only when the status does).
 * nominatedNodeName: undefined leaves it, '' clears it.
 */
export function podScheduledPatch(pod: Pod, cond: SchedulingCondition, nominatedNodeName: string | undefined, now: Date): Record<string, unknown> | undefined {
  const old = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  const conditionChanged = !old || old.status !== 'False' || old.reason !== cond.reason || old.message !== cond.message;
  const current = pod.status?.nominatedNodeName ?? '';
  const nominationChanged = nominatedNodeName !== undefined && nominatedNodeName !== current;
  if (!conditionChanged && !nominationChanged) return undefined;
  const status: Record<string, unknown> = {};
  if (conditionChanged) {
    // lastProbeTime: null, as upstream's serialized condition.
    const condition: Omit<PodCondition, 'lastProbeTime'> & { lastProbeTime: null } = {
      type: 'PodScheduled',
      status: 'False',
      reason: cond.reason,
      message: cond.message,
      lastProbeTime: null,
      lastTransitionTime: old?.status === 'False' && old.lastTransitionTime ? old.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    status.conditions = [condition];
  }
  if (nominationChanged) status.nominatedNodeName = nominatedNodeName === '' ? null : nominatedNodeName;
  return { status };
}

/** Applies podScheduledPatch through pods/status (a strategic merge: conditions merge by type). */
export async function updatePodSchedulingStatus(
  client: ApiClient, pod: Pod, cond: SchedulingCondition, nominatedNodeName: string | undefined, now: Date,
): Promise<void> {
  const patch = podScheduledPatch(pod, cond, nominatedNodeName, now);
  if (!patch) return;
  await client.resource(pods, pod.metadata?.namespace ?? 'default').patch(pod.metadata!.name!, 'strategic', patch, { subresource: 'status' });
}

/** Clears status.nominatedNodeName (pods that lost their nomination to a higher-priority preemptor). */
export async function clearNomination(client: ApiClient, pod: Pod): Promise<void> {
  if (!pod.status?.nominatedNodeName) return;
  await client.resource(pods, pod.metadata?.namespace ?? 'default')
    .patch(pod.metadata!.name!, 'merge', { status: { nominatedNodeName: null } }, { subresource: 'status' });
}
