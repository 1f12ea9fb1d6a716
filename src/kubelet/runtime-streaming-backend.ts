// The streaming server's view of this kubelet: pods and containers are found in the runtime
// by the labels the kubelet puts on them, so logs and exec work for whatever is running,
// including containers adopted after a restart.
import path from 'node:path';
import type { ContainerRuntime, PodSandboxStatus } from './runtime/types.js';
import { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID } from './runtime/types.js';
import type { ResolvedContainer, ResolvedPod, StreamingBackend } from './streaming/backend.js';

export class RuntimeStreamingBackend implements StreamingBackend {
  constructor(readonly runtime: ContainerRuntime) {}

  async resolvePod(namespace: string, pod: string, uid?: string): Promise<ResolvedPod | undefined> {
    const sandbox = await this.sandbox(namespace, pod, uid);
    return sandbox && { sandboxId: sandbox.id, uid: sandbox.labels[LABEL_POD_UID] };
  }

  async resolveContainer(namespace: string, pod: string, container: string, uid?: string): Promise<ResolvedContainer | undefined> {
    const sandbox = await this.sandbox(namespace, pod, uid);
    if (!sandbox) return undefined;
    const containers = await this.runtime.listContainers({ podSandboxId: sandbox.id, labels: { [LABEL_CONTAINER_NAME]: container } });
    const latest = containers.sort((a, b) => b.metadata.attempt - a.metadata.attempt || b.createdAt - a.createdAt)[0];
    if (!latest) return undefined;
    // Log files are <dir>/<container>/<attempt>.log (see container-config.ts).
    const dir = path.dirname(latest.logPath);
    return {
      containerId: latest.id,
      sandboxId: sandbox.id,
      attempt: latest.metadata.attempt,
      logPath: (attempt) => path.join(dir, `${attempt}.log`),
    };
  }

  /** The newest sandbox of the pod (ready ones first). */
  private async sandbox(namespace: string, pod: string, uid?: string): Promise<PodSandboxStatus | undefined> {
    const labels: Record<string, string> = { [LABEL_POD_NAMESPACE]: namespace, [LABEL_POD_NAME]: pod };
    if (uid) labels[LABEL_POD_UID] = uid;
    const sandboxes = await this.runtime.listPodSandboxes({ labels });
    return sandboxes.sort((a, b) =>
      Number(b.state === 'SANDBOX_READY') - Number(a.state === 'SANDBOX_READY') || b.createdAt - a.createdAt)[0];
  }
}
