// Pod statuses a kubelet would write, for pods that run nowhere: Running and Ready after start,
// Succeeded when a Job's pod completes.
import type { ContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import { metaTime } from './node-template.js';

function condition(type: string, status: string, at: string, reason?: string): PodCondition {
  return { type, status, lastTransitionTime: at, ...(reason ? { reason } : {}) };
}

function containerID(pod: Pod, name: string): string {
  return `sim://${pod.metadata?.uid ?? pod.metadata?.name}-${name}`;
}

export function runningStatus(pod: Pod, hostIP: string, podIP: string, now: number): PodStatus {
  const at = metaTime(now);
  const init: ContainerStatus[] = (pod.spec?.initContainers ?? []).map((c) => ({
    name: c.name, image: c.image ?? '', imageID: c.image ?? '', containerID: containerID(pod, c.name),
    ready: true, restartCount: 0, started: false,
    state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: at, finishedAt: at, containerID: containerID(pod, c.name) } },
  }));
  const containers: ContainerStatus[] = (pod.spec?.containers ?? []).map((c) => ({
    name: c.name, image: c.image ?? '', imageID: c.image ?? '', containerID: containerID(pod, c.name),
    ready: true, restartCount: 0, started: true, state: { running: { startedAt: at } },
  }));
  return {
    phase: 'Running',
    hostIP, hostIPs: [{ ip: hostIP }],
    podIP, podIPs: [{ ip: podIP }],
    startTime: at,
    qosClass: pod.status?.qosClass,
    conditions: [
      condition('PodReadyToStartContainers', 'True', at),
      condition('Initialized', 'True', at),
      condition('Ready', 'True', at),
      condition('ContainersReady', 'True', at),
      condition('PodScheduled', 'True', scheduledAt(pod) ?? at),
    ],
    ...(init.length ? { initContainerStatuses: init } : {}),
    containerStatuses: containers,
  };
}

/** Every container exited 0; Ready turns False with reason PodCompleted, as upstream. */
export function succeededStatus(pod: Pod, running: PodStatus, now: number): PodStatus {
  const at = metaTime(now);
  const startedAt = running.startTime ?? at;
  return {
    ...running,
    phase: 'Succeeded',
    conditions: [
      condition('PodReadyToStartContainers', 'False', at),
      condition('Initialized', 'True', startedAt, 'PodCompleted'),
      condition('Ready', 'False', at, 'PodCompleted'),
      condition('ContainersReady', 'False', at, 'PodCompleted'),
      condition('PodScheduled', 'True', scheduledAt(pod) ?? startedAt),
    ],
    containerStatuses: (running.containerStatuses ?? []).map((c) => ({
      ...c, ready: false, started: false,
      state: { terminated: { exitCode: 0, reason: 'Completed', startedAt, finishedAt: at, containerID: c.containerID } },
    })),
  };
}

function scheduledAt(pod: Pod): string | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'True')?.lastTransitionTime;
}

export function isJobPod(pod: Pod): boolean {
  return (pod.metadata?.ownerReferences ?? []).some((o) => o.kind === 'Job' && o.controller);
}
