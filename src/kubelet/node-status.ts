// The Node object a kubelet registers and keeps up to date (upstream's nodestatus setters):
// labels, capacity and allocatable, addresses, node info, daemon endpoints and the conditions
// Ready, MemoryPressure, DiskPressure and PIDPressure with the upstream reasons and messages.
// Conditions keep their lastTransitionTime until their status flips.
import type { Node, NodeCondition, NodeStatus } from 'kubernetes-types/core/v1.js';
import { metaTime } from '../client/event-correlator.js';
import { DEFAULT_MAX_PODS, KUBELET_VERSION } from './constants.js';
import type { MachineInfo } from './machine-info.js';

export interface NodeFacts {
  nodeName: string;
  nodeIP: string;
  hostname: string;
  machine: MachineInfo;
  runtimeVersion: string;
  maxPods?: number;
  /** Extra labels (e.g. node-role.kubernetes.io/control-plane). */
  labels?: Record<string, string>;
  kubeletPort?: number;
  /** Whether the runtime answered: Ready is False otherwise. */
  runtimeUp: boolean;
  memoryAvailableBytes: number;
}

/** Upstream's default hard eviction thresholds: memory.available<100Mi, nodefs.available<10%. */
const MEMORY_PRESSURE_BYTES = 100 * 1024 * 1024;
const DISK_PRESSURE_FRACTION = 0.1;

export function nodeLabels(f: NodeFacts): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': f.machine.architecture,
    'beta.kubernetes.io/os': f.machine.operatingSystem,
    'kubernetes.io/arch': f.machine.architecture,
    'kubernetes.io/hostname': f.nodeName,
    'kubernetes.io/os': f.machine.operatingSystem,
    ...(f.labels ?? {}),
  };
}

export function nodeCapacity(f: NodeFacts): Record<string, string> {
  return {
    cpu: String(f.machine.cpus),
    memory: `${Math.floor(f.machine.memoryBytes / 1024)}Ki`,
    pods: String(f.maxPods ?? DEFAULT_MAX_PODS),
    'ephemeral-storage': `${Math.floor(f.machine.ephemeralStorageBytes / 1024)}Ki`,
  };
}

interface ConditionText {
  status: 'True' | 'False';
  reason: string;
  message: string;
}

function cond(type: string, text: ConditionText, now: string, old: NodeCondition[] | undefined): NodeCondition {
  const prev = old?.find((c) => c.type === type);
  return {
    type,
    status: text.status,
    reason: text.reason,
    message: text.message,
    lastHeartbeatTime: now,
    lastTransitionTime: prev && prev.status === text.status && prev.lastTransitionTime ? prev.lastTransitionTime : now,
  };
}

export function nodeConditions(f: NodeFacts, nowMs: number, old?: NodeCondition[]): NodeCondition[] {
  const now = metaTime(nowMs);
  const memoryPressure = f.memoryAvailableBytes < MEMORY_PRESSURE_BYTES;
  const diskPressure = f.machine.ephemeralStorageBytes > 0 && f.machine.availableStorageBytes / f.machine.ephemeralStorageBytes < DISK_PRESSURE_FRACTION;
  return [
    cond('MemoryPressure', memoryPressure
      ? { status: 'True', reason: 'KubeletHasInsufficientMemory', message: 'kubelet has insufficient memory available' }
      : { status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' }, now, old),
    cond('DiskPressure', diskPressure
      ? { status: 'True', reason: 'KubeletHasDiskPressure', message: 'kubelet has disk pressure' }
      : { status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' }, now, old),
    cond('PIDPressure', { status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' }, now, old),
    cond('Ready', f.runtimeUp
      ? { status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }
      : { status: 'False', reason: 'KubeletNotReady', message: 'container runtime is down' }, now, old),
  ];
}

export function nodeStatus(f: NodeFacts, nowMs: number, old?: NodeStatus): NodeStatus {
  const capacity = nodeCapacity(f);
  return {
    capacity,
    allocatable: { ...capacity },
    conditions: nodeConditions(f, nowMs, old?.conditions),
    addresses: [{ type: 'InternalIP', address: f.nodeIP }, { type: 'Hostname', address: f.hostname }],
    daemonEndpoints: { kubeletEndpoint: { Port: f.kubeletPort ?? 10250 } },
    nodeInfo: {
      machineID: f.machine.machineID,
      systemUUID: f.machine.machineID,
      bootID: f.machine.bootID,
      kernelVersion: f.machine.kernelVersion,
      osImage: f.machine.osImage,
      containerRuntimeVersion: f.runtimeVersion,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: f.machine.operatingSystem,
      architecture: f.machine.architecture,
    },
    ...(old?.images ? { images: old.images } : {}),
  };
}

export function buildNode(f: NodeFacts, nowMs: number): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: f.nodeName, labels: nodeLabels(f), annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' } },
    spec: {},
    status: nodeStatus(f, nowMs),
  };
}

/** The status without heartbeat times, to tell whether anything but the clock changed. */
export function statusFingerprint(s: NodeStatus | undefined): string {
  const conditions = (s?.conditions ?? []).map((c) => ({ ...c, lastHeartbeatTime: undefined }));
  return JSON.stringify({ ...s, conditions });
}
