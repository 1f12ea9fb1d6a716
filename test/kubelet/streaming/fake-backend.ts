// A StreamingBackend for tests: exec and attach run real child processes (every PID is
// recorded so tests can stop them), port-forward dials real loopback ports, and container
// logs are CRI files in a temporary directory.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import type { StreamingBackend, ResolvedContainer } from '../../../src/kubelet/streaming/backend.js';
import type { ContainerStatus, ExecOptions, StreamSession } from '../../../src/kubelet/runtime/types.js';

export interface FakeContainer {
  namespace: string;
  pod: string;
  name: string;
  attempt: number;
  running: boolean;
  /** A long-running process `attach` connects to. */
  main?: ChildProcess;
}

export class FakeBackend implements StreamingBackend {
  readonly containers = new Map<string, FakeContainer>();
  readonly children = new Set<ChildProcess>();

  constructor(private readonly logDir: string) {}

  add(c: FakeContainer): void {
    this.containers.set(`${c.namespace}/${c.pod}/${c.name}`, c);
  }

  logPath(c: Pick<FakeContainer, 'namespace' | 'pod' | 'name'>, attempt: number): string {
    return path.join(this.logDir, `${c.namespace}_${c.pod}`, c.name, `${attempt}.log`);
  }

  async resolveContainer(namespace: string, pod: string, container: string): Promise<ResolvedContainer | undefined> {
    const c = this.containers.get(`${namespace}/${pod}/${container}`);
    if (!c) return undefined;
    return { containerId: `${namespace}/${pod}/${container}`, sandboxId: `${namespace}/${pod}`, attempt: c.attempt, logPath: (a) => this.logPath(c, a) };
  }

  async resolvePod(namespace: string, pod: string): Promise<{ sandboxId: string; uid: string } | undefined> {
    const known = [...this.containers.values()].some((c) => c.namespace === namespace && c.pod === pod);
    return known ? { sandboxId: `${namespace}/${pod}`, uid: `uid-${pod}` } : undefined;
  }

  readonly runtime = {
    exec: async (id: string, opts: ExecOptions): Promise<StreamSession> => {
      if (!this.containers.get(id)?.running) throw new Error(`container not running (${id})`);
      const child = spawn(opts.cmd[0], opts.cmd.slice(1), { stdio: [opts.stdin ? 'pipe' : 'ignore', opts.stdout ? 'pipe' : 'ignore', opts.stderr ? 'pipe' : 'ignore'] });
      return this.session(child, opts, true);
    },
    attach: async (id: string, opts: Omit<ExecOptions, 'cmd'>): Promise<StreamSession> => {
      const main = this.containers.get(id)?.main;
      if (!main) throw new Error(`container not running (${id})`);
      return this.session(main, opts, false);
    },
    portForward: (_sandboxId: string, port: number): Promise<net.Socket> =>
      new Promise((resolve, reject) => {
        const s = net.connect({ host: '127.0.0.1', port }, () => {
          s.off('error', reject);
          resolve(s);
        });
        s.once('error', reject);
      }),
    containerStatus: async (id: string): Promise<ContainerStatus | undefined> => {
      const c = this.containers.get(id);
      if (!c) return undefined;
      return {
        id, podSandboxId: `${c.namespace}/${c.pod}`, metadata: { name: c.name, attempt: c.attempt },
        state: c.running ? 'CONTAINER_RUNNING' : 'CONTAINER_EXITED', image: 'busybox', imageRef: 'busybox',
        createdAt: 0, logPath: this.logPath(c, c.attempt), labels: {}, annotations: {},
      };
    },
  };

  /** Starts a long-running process for a container (what `attach` connects to). */
  startMain(c: FakeContainer, cmd: string[]): ChildProcess {
    const child = spawn(cmd[0], cmd.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.track(child);
    c.main = child;
    return child;
  }

  /** Stops every process the backend started, by PID. */
  stopAll(): void {
    for (const child of this.children) {
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  }

  private track(child: ChildProcess): void {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
  }

  private session(child: ChildProcess, opts: Omit<ExecOptions, 'cmd'>, owned: boolean): StreamSession {
    if (owned) this.track(child);
    const exited = new Promise<number>((resolve, reject) => {
      if (child.exitCode !== null) return resolve(child.exitCode);
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + (signal === 'SIGKILL' ? 9 : 15) : 1)));
    });
    return {
      stdin: opts.stdin ? child.stdin ?? undefined : undefined,
      stdout: opts.stdout ? child.stdout ?? undefined : undefined,
      stderr: opts.stderr ? child.stderr ?? undefined : undefined,
      exited,
      kill: () => {
        if (owned && child.pid && child.exitCode === null) child.kill('SIGKILL');
      },
    };
  }
}
