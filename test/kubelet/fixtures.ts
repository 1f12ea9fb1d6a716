// Builders for kubelet unit tests: pods, and runtime states as a runtime would report them.
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { ANNOTATION_CONTAINER_HASH, ANNOTATION_CONTAINER_RESTART_COUNT } from '../../src/kubelet/constants.js';
import { hashContainer } from '../../src/kubelet/container-hash.js';
import type { PodRuntimeState } from '../../src/kubelet/runtime-state.js';
import type { ContainerStatus, PodSandboxStatus } from '../../src/kubelet/runtime/types.js';
import { LABEL_CONTAINER_NAME, LABEL_POD_UID } from '../../src/kubelet/runtime/types.js';

export const UID = 'uid-1';

export function pod(spec: Partial<NonNullable<Pod['spec']>> = {}, meta: Partial<NonNullable<Pod['metadata']>> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', uid: UID, ...meta },
    spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy: 'Always', ...spec },
  };
}

export function sandbox(id: string, state: PodSandboxStatus['state'] = 'SANDBOX_READY', attempt = 0, createdAt = 1): PodSandboxStatus {
  return { id, metadata: { name: 'p', namespace: 'ns', uid: UID, attempt }, state, createdAt, ip: '10.0.0.5', labels: { [LABEL_POD_UID]: UID }, annotations: {} };
}

export interface ContainerFixture {
  id: string;
  spec: Container;
  state: ContainerStatus['state'];
  exitCode?: number;
  restartCount?: number;
  createdAt?: number;
  startedAt?: number;
  finishedAt?: number;
  hash?: string;
  reason?: string;
}

export function container(f: ContainerFixture): ContainerStatus {
  return {
    id: f.id,
    podSandboxId: 'sb1',
    metadata: { name: f.spec.name, attempt: f.restartCount ?? 0 },
    state: f.state,
    image: f.spec.image ?? '',
    imageRef: `${f.spec.image}@sha256:x`,
    createdAt: f.createdAt ?? 10,
    startedAt: f.startedAt ?? (f.state === 'CONTAINER_CREATED' ? undefined : 11),
    finishedAt: f.finishedAt ?? (f.state === 'CONTAINER_EXITED' ? 20 : undefined),
    exitCode: f.exitCode,
    reason: f.reason,
    logPath: '',
    labels: { [LABEL_POD_UID]: UID, [LABEL_CONTAINER_NAME]: f.spec.name },
    annotations: { [ANNOTATION_CONTAINER_HASH]: f.hash ?? hashContainer(f.spec), [ANNOTATION_CONTAINER_RESTART_COUNT]: String(f.restartCount ?? 0) },
  };
}

export function state(sandboxes: PodSandboxStatus[], containers: ContainerStatus[]): PodRuntimeState {
  return { uid: UID, sandboxes, containers: [...containers].sort((a, b) => b.createdAt - a.createdAt) };
}
