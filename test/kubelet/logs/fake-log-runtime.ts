// A runtime with only what log rotation uses: containers with a state and a log path, and a
// ReopenContainerLog that records its calls and creates the new file (as containerd does).
import { appendFile } from 'node:fs/promises';

import type { LogRotationRuntime } from '../../../src/kubelet/logs/container-log-manager.js';
import type { ContainerState, ContainerStatus } from '../../../src/kubelet/runtime/types.js';

export class FakeLogRuntime implements LogRotationRuntime {
  readonly containers = new Map<string, { state: ContainerState; logPath: string }>();
  readonly reopened: string[] = [];
  readonly statusCalls: string[] = [];
  /** When set, reopenContainerLog throws this. */
  reopenError: Error | undefined;

  add(id: string, logPath: string, state: ContainerState = 'CONTAINER_RUNNING'): void {
    this.containers.set(id, { state, logPath });
  }

  async listContainers(): Promise<ContainerStatus[]> {
    return [...this.containers.keys()].map((id) => this.status(id)!);
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    this.statusCalls.push(id);
    return this.status(id);
  }

  async reopenContainerLog(id: string): Promise<void> {
    this.reopened.push(id);
    if (this.reopenError) throw this.reopenError;
    await appendFile(this.containers.get(id)!.logPath, '');
  }

  private status(id: string): ContainerStatus | undefined {
    const c = this.containers.get(id);
    if (!c) return undefined;
    return {
      id, podSandboxId: 'sb', metadata: { name: id, attempt: 0 }, state: c.state, image: 'busybox', imageRef: 'busybox',
      createdAt: 0, logPath: c.logPath, labels: {}, annotations: {},
    };
  }
}
