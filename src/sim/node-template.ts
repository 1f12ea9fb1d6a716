// The Node objects simulated nodes register (as a kubelet would): capacity, labels, taints,
// addresses, node info and the four standard conditions.
import type { Node, NodeCondition, Taint } from 'kubernetes-types/core/v1.js';

/** Marks nodes (and so their pods) as simulated, as KWOK's `type: kwok` label does. */
export const SIM_NODE_LABEL = 'node.coxswain.io/simulated';

export interface NodeShape {
  cpu: string;
  memory: string;
  pods: string;
  labels: Record<string, string>;
  taints: Taint[];
  /** topology.kubernetes.io/zone (and the region derived from it); none when undefined. */
  zone?: string;
  internalIP: string;
}

/** RFC 3339 without fractions, as metav1.Time serializes. */
export function metaTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The kubelet's conditions for a healthy node (upstream reasons and messages). */
export function healthyConditions(now: number, transition = now): NodeCondition[] {
  const t = metaTime(now);
  const lt = metaTime(transition);
  const c = (type: string, status: string, reason: string, message: string): NodeCondition =>
    ({ type, status, reason, message, lastHeartbeatTime: t, lastTransitionTime: lt });
  return [
    c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    c('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
}

export function buildNode(name: string, shape: NodeShape, now: number): Node {
  const capacity = { cpu: shape.cpu, memory: shape.memory, pods: shape.pods, 'ephemeral-storage': '100Gi' };
  const labels: Record<string, string> = {
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/os': 'linux',
    'kubernetes.io/hostname': name,
    [SIM_NODE_LABEL]: 'true',
    ...(shape.zone ? { 'topology.kubernetes.io/zone': shape.zone } : {}),
    ...shape.labels,
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels, annotations: { 'node.alpha.kubernetes.io/ttl': '0' } },
    spec: shape.taints.length ? { taints: shape.taints } : {},
    status: {
      capacity,
      allocatable: capacity,
      conditions: healthyConditions(now),
      addresses: [{ type: 'InternalIP', address: shape.internalIP }, { type: 'Hostname', address: name }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: name, systemUUID: name, bootID: name,
        kernelVersion: 'simulated', osImage: 'Coxswain simulated node', containerRuntimeVersion: 'sim://1.0.0',
        kubeletVersion: 'v1.30.0', kubeProxyVersion: 'v1.30.0', operatingSystem: 'linux', architecture: 'amd64',
      },
      phase: 'Running',
    },
  };
}

/** The n-th address of a /8-style range given as "a.b.c.d" (n counts from 1). */
export function nthAddress(base: string, n: number): string {
  const [a, b, c, d] = base.split('.').map(Number) as [number, number, number, number];
  const v = ((a << 24) >>> 0) + (b << 16) + (c << 8) + d + n;
  return [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
}
