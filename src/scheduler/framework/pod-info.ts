// A pod with what the scheduler derives from it once (upstream framework.PodInfo): requests,
// parsed affinity terms and host ports.
import type { Pod } from 'kubernetes-types/core/v1.js';
import { affinityTerms, weightedAffinityTerms, type AffinityTerm, type WeightedAffinityTerm } from './affinity-term.js';
import { computePodRequests, type PodRequests } from './pod-resources.js';

export interface HostPort {
  hostIP: string;
  protocol: string;
  port: number;
}

export interface PodInfo {
  pod: Pod;
  key: string;
  priority: number;
  resources: PodRequests;
  requiredAffinityTerms: AffinityTerm[];
  requiredAntiAffinityTerms: AffinityTerm[];
  preferredAffinityTerms: WeightedAffinityTerm[];
  preferredAntiAffinityTerms: WeightedAffinityTerm[];
  hostPorts: HostPort[];
}

export function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`;
}

/** Priority from spec.priority (resolved from the PriorityClass by admission), 0 when unset. */
export function podPriority(pod: Pod): number {
  return pod.spec?.priority ?? 0;
}

export function hostPortsOf(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ hostIP: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
    }
  }
  return out;
}

export function newPodInfo(pod: Pod): PodInfo {
  const a = pod.spec?.affinity;
  return {
    pod,
    key: podKey(pod),
    priority: podPriority(pod),
    resources: computePodRequests(pod),
    requiredAffinityTerms: affinityTerms(pod, a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution),
    requiredAntiAffinityTerms: affinityTerms(pod, a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution),
    preferredAffinityTerms: weightedAffinityTerms(pod, a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
    preferredAntiAffinityTerms: weightedAffinityTerms(pod, a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
    hostPorts: hostPortsOf(pod),
  };
}
