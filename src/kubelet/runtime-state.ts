// What runs for a pod, read back from the runtime by the pod-uid label (upstream's
// kubecontainer.PodStatus): its sandboxes and containers, newest first. Nothing here comes
// from kubelet memory, so a restarted kubelet sees exactly what its predecessor left.
import type { ContainerRuntime, ContainerStatus, PodSandboxStatus } from './runtime/types.js';
import { LABEL_CONTAINER_NAME, LABEL_POD_UID } from './runtime/types.js';
import { ANNOTATION_CONTAINER_HASH, ANNOTATION_CONTAINER_RESTART_COUNT } from './constants.js';

export interface PodRuntimeState {
  uid: string;
  /** Newest first. */
  sandboxes: PodSandboxStatus[];
  /** Newest first. */
  containers: ContainerStatus[];
}

export function emptyRuntimeState(uid: string): PodRuntimeState {
  return { uid, sandboxes: [], containers: [] };
}

/** Newest first; equal creation times (a coarse clock) are ordered by attempt. */
function newestFirst<T extends { createdAt: number; metadata: { attempt: number } }>(xs: T[]): T[] {
  return [...xs].sort((a, b) => b.createdAt - a.createdAt || b.metadata.attempt - a.metadata.attempt);
}

/** Every pod the runtime knows of, by pod uid. */
export async function readAllRuntimeStates(runtime: ContainerRuntime): Promise<Map<string, PodRuntimeState>> {
  const [sandboxes, containers] = await Promise.all([runtime.listPodSandboxes(), runtime.listContainers()]);
  const out = new Map<string, PodRuntimeState>();
  const get = (uid: string) => {
    let s = out.get(uid);
    if (!s) out.set(uid, (s = emptyRuntimeState(uid)));
    return s;
  };
  for (const sb of sandboxes) {
    const uid = sb.labels[LABEL_POD_UID] ?? sb.metadata.uid;
    if (uid) get(uid).sandboxes.push(sb);
  }
  for (const c of containers) {
    const uid = c.labels[LABEL_POD_UID];
    if (uid) get(uid).containers.push(c);
  }
  for (const s of out.values()) {
    s.sandboxes = newestFirst(s.sandboxes);
    s.containers = newestFirst(s.containers);
  }
  return out;
}

export async function readRuntimeState(runtime: ContainerRuntime, uid: string): Promise<PodRuntimeState> {
  const labels = { [LABEL_POD_UID]: uid };
  const [sandboxes, containers] = await Promise.all([runtime.listPodSandboxes({ labels }), runtime.listContainers({ labels })]);
  return { uid, sandboxes: newestFirst(sandboxes), containers: newestFirst(containers) };
}

export function containerName(c: ContainerStatus): string {
  return c.labels[LABEL_CONTAINER_NAME] ?? c.metadata.name;
}

/** The containers named `name`, newest first. */
export function containersNamed(state: PodRuntimeState, name: string): ContainerStatus[] {
  return state.containers.filter((c) => containerName(c) === name);
}

export function latestContainer(state: PodRuntimeState, name: string): ContainerStatus | undefined {
  return state.containers.find((c) => containerName(c) === name);
}

export function restartCountOf(c: ContainerStatus): number {
  const n = Number(c.annotations[ANNOTATION_CONTAINER_RESTART_COUNT] ?? 0);
  return Number.isFinite(n) ? n : 0;
}

export function hashOf(c: ContainerStatus): string | undefined {
  return c.annotations[ANNOTATION_CONTAINER_HASH];
}

export function isRunning(c: ContainerStatus | undefined): boolean {
  return c?.state === 'CONTAINER_RUNNING';
}

export function isExited(c: ContainerStatus | undefined): boolean {
  return c?.state === 'CONTAINER_EXITED';
}

/** A signature of what runs (ids and states), to tell when a relist saw a change. */
export function stateSignature(s: PodRuntimeState): string {
  return [...s.sandboxes.map((x) => `${x.id}:${x.state}`), ...s.containers.map((c) => `${c.id}:${c.state}`)].sort().join(',');
}

/** Every sandbox ready and every container running: nothing for a sync to act on. */
export function isSteady(s: PodRuntimeState): boolean {
  return s.sandboxes.every((x) => x.state === 'SANDBOX_READY') && s.containers.every((c) => c.state === 'CONTAINER_RUNNING');
}
