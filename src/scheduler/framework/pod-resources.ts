// A pod's effective requests, as upstream resourcehelper.PodRequests: the sum of its containers,
// or the largest init-container step if bigger (sidecars, restartPolicy Always, accumulate),
// plus the RuntimeClass overhead.
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { addResource, addResourceList, emptyResource, maxResource, type Resource } from './resource.js';

/** Upstream schedutil.DefaultMilliCPURequest / DefaultMemoryRequest: stand-ins for unset requests when scoring. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export interface PodRequests {
  /** What Filter checks against allocatable. */
  requests: Resource;
  /** CPU and memory with unset container requests counted as the defaults above (for scoring). */
  nonZeroMilliCPU: number;
  nonZeroMemory: number;
}

function containerRequests(c: Container, nonZero: boolean): Resource {
  const r = emptyResource();
  const reqs = c.resources?.requests as Record<string, string> | undefined;
  addResourceList(r, reqs);
  if (nonZero) {
    if (!reqs || reqs['cpu'] === undefined) r.milliCPU = DEFAULT_MILLI_CPU_REQUEST;
    if (!reqs || reqs['memory'] === undefined) r.memory = DEFAULT_MEMORY_REQUEST;
  }
  return r;
}

function podRequests(pod: Pod, nonZero: boolean): Resource {
  const total = emptyResource();
  for (const c of pod.spec?.containers ?? []) addResource(total, containerRequests(c, nonZero));
  const sidecars = emptyResource();
  const initMax = emptyResource();
  for (const c of pod.spec?.initContainers ?? []) {
    const step = containerRequests(c, nonZero);
    if (c.restartPolicy === 'Always') {
      // A sidecar keeps running: it adds to the pod total and to every later init step.
      addResource(total, step);
      addResource(sidecars, step);
      maxResource(initMax, sidecars);
    } else {
      addResource(step, sidecars);
      maxResource(initMax, step);
    }
  }
  maxResource(total, initMax);
  addResourceList(total, pod.spec?.overhead as Record<string, string> | undefined);
  return total;
}

export function computePodRequests(pod: Pod): PodRequests {
  const requests = podRequests(pod, false);
  const nonZero = podRequests(pod, true);
  return { requests, nonZeroMilliCPU: nonZero.milliCPU, nonZeroMemory: nonZero.memory };
}
