// Pod readiness as the workload controllers judge it: one definition, shared with the
// ReplicaSet controller (upstream's pkg/api/v1/pod IsPodReady / IsPodAvailable).
import type { Pod } from 'kubernetes-types/core/v1.js';

export { isPodAvailable, isPodReady } from '../replicaset/pod-readiness.js';

export function isPodTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}
