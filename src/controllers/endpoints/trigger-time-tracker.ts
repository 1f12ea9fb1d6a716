// The `endpoints.kubernetes.io/last-change-trigger-time` annotation, after upstream's
// pkg/controller/util/endpoint TriggerTimeTracker: the earliest time of a change (a pod's
// readiness transition, the service's creation) not yet reflected in the service's
// endpoints, so the latency from change to programmed endpoints can be measured.
import type { Pod, Service } from 'kubernetes-types/core/v1.js';

export const LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';

interface ServiceState {
  lastServiceTriggerTime: number;
  lastPodTriggerTimes: Map<string, number>;
}

export class TriggerTimeTracker {
  private readonly states = new Map<string, ServiceState>();

  /**
   * The trigger time for this sync of `service` (undefined when nothing changed since the
   * previous one). Updates the tracker's state even if the sync turns out to be a no-op.
   */
  compute(service: Service, pods: Pod[]): number | undefined {
    const key = `${service.metadata?.namespace}/${service.metadata?.name}`;
    const previous = this.states.get(key);
    let minChanged: number | undefined;
    const podTimes = new Map<string, number>();
    for (const pod of pods) {
      const t = podTriggerTime(pod);
      if (t === undefined) continue;
      const name = pod.metadata?.name ?? '';
      podTimes.set(name, t);
      if (t > (previous?.lastPodTriggerTimes.get(name) ?? -Infinity)) minChanged = earliest(minChanged, t);
    }
    const svcTime = parseTime(service.metadata?.creationTimestamp);
    if (svcTime !== undefined && svcTime > (previous?.lastServiceTriggerTime ?? -Infinity)) minChanged = earliest(minChanged, svcTime);
    this.states.set(key, { lastPodTriggerTimes: podTimes, lastServiceTriggerTime: svcTime ?? -Infinity });
    // As upstream: a service seen for the first time reports its own creation.
    if (!previous) return svcTime;
    return minChanged;
  }

  deleteService(namespace: string, name: string): void {
    this.states.delete(`${namespace}/${name}`);
  }
}

/** As upstream's getPodTriggerTime: when the pod's Ready condition last changed. */
function podTriggerTime(pod: Pod): number | undefined {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  return parseTime(ready?.lastTransitionTime);
}

function parseTime(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

function earliest(a: number | undefined, b: number): number {
  return a === undefined ? b : Math.min(a, b);
}

/** Go's time.RFC3339Nano in UTC: fractional seconds without trailing zeros. */
export function formatRFC3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z').replace(/\.Z$/, 'Z');
}
