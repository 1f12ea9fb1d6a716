// CRI sandbox and container records as the kubelet's runtime types (types.ts). Timestamps
// arrive in nanoseconds; a zero time means "not yet".
import type * as api from './api-types.js';
import { nanosToMillis } from './int64.js';
import type { ContainerStats, ContainerStatus, PodSandboxStatus } from '../types.js';

const optionalMillis = (v: string | undefined): number | undefined => {
  const ms = nanosToMillis(v);
  return ms > 0 ? ms : undefined;
};

export function sandboxFromCri(s: api.PodSandbox | api.PodSandboxStatus): PodSandboxStatus {
  const out: PodSandboxStatus = {
    id: s.id,
    metadata: s.metadata ? { ...s.metadata } : { name: '', namespace: '', uid: '', attempt: 0 },
    state: s.state,
    createdAt: nanosToMillis(s.createdAt),
    labels: s.labels ?? {},
    annotations: s.annotations ?? {},
  };
  const ip = 'network' in s ? s.network?.ip : undefined;
  if (ip) out.ip = ip;
  return out;
}

/** A listed container (no exit details); containerStatus fills those. */
export function containerFromCriList(c: api.Container, logPath: string): ContainerStatus {
  return {
    id: c.id,
    podSandboxId: c.podSandboxId,
    metadata: c.metadata ? { ...c.metadata } : { name: '', attempt: 0 },
    state: c.state,
    image: c.image?.image ?? '',
    imageRef: c.imageRef,
    createdAt: nanosToMillis(c.createdAt),
    logPath,
    labels: c.labels ?? {},
    annotations: c.annotations ?? {},
  };
}

export function containerFromCriStatus(s: api.ContainerStatus, podSandboxId: string): ContainerStatus {
  const out: ContainerStatus = {
    id: s.id,
    podSandboxId,
    metadata: s.metadata ? { ...s.metadata } : { name: '', attempt: 0 },
    state: s.state,
    image: s.image?.image ?? '',
    imageRef: s.imageRef,
    createdAt: nanosToMillis(s.createdAt),
    startedAt: optionalMillis(s.startedAt),
    finishedAt: optionalMillis(s.finishedAt),
    logPath: s.logPath,
    labels: s.labels ?? {},
    annotations: s.annotations ?? {},
  };
  if (s.state === 'CONTAINER_EXITED') {
    out.exitCode = s.exitCode;
    // containerd says OOMKilled itself; otherwise the kubelet's words for a clean or failed exit.
    out.reason = s.reason || (s.exitCode === 0 ? 'Completed' : 'Error');
    if (s.message) out.message = s.message;
  }
  return out;
}

export function statsFromCri(s: api.ContainerStats, fallbackId: string): ContainerStats {
  const ts = nanosToMillis(s.cpu?.timestamp ?? s.memory?.timestamp);
  return {
    containerId: s.attributes?.id || fallbackId,
    cpuUsageCoreNanoSeconds: Number(s.cpu?.usageCoreNanoSeconds?.value ?? 0),
    memoryWorkingSetBytes: Number(s.memory?.workingSetBytes?.value ?? 0),
    timestamp: ts || Date.now(),
  };
}
