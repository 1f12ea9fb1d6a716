// What the streaming server needs from the kubelet: finding a pod's containers in the runtime
// and the runtime's exec/attach/port-forward calls. The kubelet core implements it over its
// pod manager and ContainerRuntime; tests use a fake over real child processes.
import type { ContainerRuntime } from '../runtime/types.js';

export interface ResolvedContainer {
  containerId: string;
  sandboxId: string;
  /** The current attempt (restart count); `previous` logs read attempt - 1. */
  attempt: number;
  /** Absolute path of the CRI-format log file of `attempt`. */
  logPath(attempt: number): string;
}

export interface ResolvedPod {
  sandboxId: string;
  uid?: string;
}

export interface StreamingBackend {
  /** The running (or last) instance of a container; undefined when the pod or container is unknown. */
  resolveContainer(namespace: string, pod: string, container: string, uid?: string): Promise<ResolvedContainer | undefined>;
  /** The pod's sandbox (for port-forward); undefined when the pod is unknown. */
  resolvePod(namespace: string, pod: string, uid?: string): Promise<ResolvedPod | undefined>;
  runtime: Pick<ContainerRuntime, 'exec' | 'attach' | 'portForward' | 'containerStatus'>;
}
