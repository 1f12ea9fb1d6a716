// How upstream names a pod in messages (format.Pod): "name_namespace(uid)".
import type { Pod } from 'kubernetes-types/core/v1.js';

export function formatPod(pod: Pod): string {
  return `${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}(${pod.metadata?.uid ?? ''})`;
}

export function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

export function podUid(pod: Pod): string {
  return pod.metadata?.uid ?? '';
}
