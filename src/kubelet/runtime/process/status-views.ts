// The CRI views of the records, and containerd's naming of sandboxes and containers (used to
// refuse a second one with the same metadata, as containerd's name index does).
import type { ContainerConfig, ContainerStatus, PodSandboxConfig, PodSandboxStatus } from '../types.js';
import type { ContainerRecord, SandboxRecord } from './records.js';

/** containerd's sandbox name: <name>_<namespace>_<uid>_<attempt>. */
export function sandboxName(c: PodSandboxConfig): string {
  const m = c.metadata;
  return `${m.name}_${m.namespace}_${m.uid}_${m.attempt}`;
}

/** containerd's container name: <container>_<pod>_<namespace>_<uid>_<attempt>. */
export function containerName(c: ContainerConfig, sb: PodSandboxConfig): string {
  const m = sb.metadata;
  return `${c.metadata.name}_${m.name}_${m.namespace}_${m.uid}_${c.metadata.attempt}`;
}

export function matchesLabels(labels: Record<string, string>, want: Record<string, string> | undefined): boolean {
  if (!want) return true;
  return Object.entries(want).every(([k, v]) => labels[k] === v);
}

export function sandboxStatus(rec: SandboxRecord): PodSandboxStatus {
  return {
    id: rec.id,
    metadata: { ...rec.config.metadata },
    state: rec.state,
    createdAt: rec.createdAt,
    ip: rec.ip,
    labels: { ...rec.config.labels },
    annotations: { ...rec.config.annotations },
  };
}

export function containerStatus(rec: ContainerRecord): ContainerStatus {
  return {
    id: rec.id,
    podSandboxId: rec.podSandboxId,
    metadata: { ...rec.config.metadata },
    state: rec.state,
    image: rec.config.image,
    // No image is pulled: the reference is the name asked for.
    imageRef: rec.config.image,
    createdAt: rec.createdAt,
    startedAt: rec.startedAt,
    finishedAt: rec.finishedAt,
    exitCode: rec.exitCode,
    reason: rec.reason,
    message: rec.message,
    logPath: rec.logPath,
    labels: { ...rec.config.labels },
    annotations: { ...rec.config.annotations },
  };
}
