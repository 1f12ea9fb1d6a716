// The `sim` runtime: nothing runs. Sandboxes and containers live in memory; a started
// container "runs" until stopped, unless told to exit. Used by `coxswain sim` and by kubelet
// tests, on the injected clock, so a FakeClock drives exits and stop timeouts.
//
// Per-container behaviour, from an injected `behaviour` function or, failing that, from
// annotations (on the container config, else on the sandbox — i.e. the pod — where a
// `.<container name>` suffix narrows a key to one container):
//   sim.coxswain.io/exit-code       the container exits with this code …
//   sim.coxswain.io/exit-after-ms   … this long after it starts (default 0)
//   sim.coxswain.io/stdout          text written to the container's log at start, one line per '\n'
//   sim.coxswain.io/stderr          the same, on stderr
//   sim.coxswain.io/ignore-sigterm  "true": SIGTERM is ignored, so a stop ends in SIGKILL (137)
// Stopping honours the grace period as a real process would: 143 on SIGTERM, 137 on SIGKILL.
// Logs are written to the CRI log file (best effort: a missing or unwritable directory is
// ignored). execSync understands `true`, `false`, `echo …` and `sh -c 'exit N'`; anything
// else succeeds with no output, unless an `exec` handler is injected.
import { appendFile, mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';

import { realClock } from '../../../client/clock.js';
import type { Clock, Timer } from '../../../client/clock.js';
import { ContainerNotRunningError, ContainerStartError, NameReservedError, RuntimeNotFoundError } from '../errors.js';
import { criLine } from '../process/cri-log.js';
import { matchesLabels } from '../process/status-views.js';
import type {
  ContainerConfig, ContainerRuntime, ContainerStats, ContainerStatus, ExecOptions, ExecResult, PodSandboxConfig,
  PodSandboxStatus, RuntimeVersion, StreamSession,
} from '../types.js';

export const SIM_ANNOTATION_EXIT_CODE = 'sim.coxswain.io/exit-code';
export const SIM_ANNOTATION_EXIT_AFTER_MS = 'sim.coxswain.io/exit-after-ms';
export const SIM_ANNOTATION_STDOUT = 'sim.coxswain.io/stdout';
export const SIM_ANNOTATION_STDERR = 'sim.coxswain.io/stderr';
export const SIM_ANNOTATION_IGNORE_SIGTERM = 'sim.coxswain.io/ignore-sigterm';

/** What a simulated container does once started. */
export interface SimBehaviour {
  /** Exits with this code `exitAfterMs` after starting; undefined: runs until stopped. */
  exitCode?: number;
  exitAfterMs?: number;
  /** Written to the log at start. */
  stdout?: string;
  stderr?: string;
  ignoreSigterm?: boolean;
}

export interface SimRuntimeOptions {
  clock?: Clock;
  /** Decides a container's behaviour; return undefined to fall back to the annotations. */
  behaviour?: (config: ContainerConfig, sandbox: PodSandboxConfig) => SimBehaviour | undefined;
  /** Answers execSync/exec; return undefined to fall back to the built-in commands. */
  exec?: (container: ContainerStatus, cmd: string[]) => ExecResult | undefined | Promise<ExecResult | undefined>;
  /** Fails startContainer, as an unrunnable command would (tests of StartError). */
  failStart?: (config: ContainerConfig) => string | undefined;
  podIp?: string;
}

interface SimSandbox {
  status: PodSandboxStatus;
  config: PodSandboxConfig;
}

interface SimContainer {
  status: ContainerStatus;
  config: ContainerConfig;
  sandbox: PodSandboxConfig;
  behaviour: SimBehaviour;
  exitTimer?: Timer;
  exited: Promise<void>;
  resolveExited: () => void;
  /** The log file writes, in order. */
  logChain: Promise<void>;
}

let nextId = 0;
function simId(): string {
  nextId += 1;
  return `sim-${Date.now().toString(16)}-${nextId.toString(16).padStart(6, '0')}`;
}

export class SimRuntime implements ContainerRuntime {
  private readonly clock: Clock;
  private readonly sandboxes = new Map<string, SimSandbox>();
  private readonly containers = new Map<string, SimContainer>();

  constructor(private readonly opts: SimRuntimeOptions = {}) {
    this.clock = opts.clock ?? realClock;
  }

  async version(): Promise<RuntimeVersion> {
    return { runtimeName: 'coxswain-sim', runtimeVersion: '0.1.0', runtimeApiVersion: 'v1' };
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const m = config.metadata;
    const name = `${m.name}_${m.namespace}_${m.uid}_${m.attempt}`;
    for (const s of this.sandboxes.values()) {
      const o = s.config.metadata;
      if (`${o.name}_${o.namespace}_${o.uid}_${o.attempt}` === name) throw new NameReservedError('sandbox', name, s.status.id);
    }
    const id = simId();
    this.sandboxes.set(id, {
      config: structuredClone(config),
      status: {
        id, metadata: { ...m }, state: 'SANDBOX_READY', createdAt: this.clock.now(), ip: this.opts.podIp ?? '127.0.0.1',
        labels: { ...config.labels }, annotations: { ...config.annotations },
      },
    });
    return id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    await Promise.all(this.containersOf(id).map((c) => this.stopContainer(c.status.id, 0)));
    sb.status.state = 'SANDBOX_NOTREADY';
  }

  async removePodSandbox(id: string): Promise<void> {
    if (!this.sandboxes.has(id)) return;
    await this.stopPodSandbox(id);
    for (const c of this.containersOf(id)) await this.removeContainer(c.status.id);
    this.sandboxes.delete(id);
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined> {
    const sb = this.sandboxes.get(id);
    return sb ? structuredClone(sb.status) : undefined;
  }

  async listPodSandboxes(filter?: { labels?: Record<string, string> }): Promise<PodSandboxStatus[]> {
    return [...this.sandboxes.values()]
      .filter((s) => matchesLabels(s.status.labels, filter?.labels))
      .map((s) => structuredClone(s.status));
  }

  async createContainer(sandboxId: string, config: ContainerConfig, sandbox: PodSandboxConfig): Promise<string> {
    const sb = this.sandboxes.get(sandboxId);
    if (!sb) throw new RuntimeNotFoundError('sandbox', sandboxId);
    for (const c of this.containersOf(sandboxId)) {
      if (c.config.metadata.name === config.metadata.name && c.config.metadata.attempt === config.metadata.attempt) {
        const m = sb.config.metadata;
        throw new NameReservedError('container', `${config.metadata.name}_${m.name}_${m.namespace}_${m.uid}_${config.metadata.attempt}`, c.status.id);
      }
    }
    const id = simId();
    const logDirectory = sandbox.logDirectory || sb.config.logDirectory;
    let resolveExited!: () => void;
    const exited = new Promise<void>((r) => (resolveExited = r));
    this.containers.set(id, {
      config: structuredClone(config),
      sandbox: sb.config,
      behaviour: this.opts.behaviour?.(config, sb.config) ?? behaviourFromAnnotations(config, sb.config),
      exited,
      resolveExited,
      logChain: Promise.resolve(),
      status: {
        id, podSandboxId: sandboxId, metadata: { ...config.metadata }, state: 'CONTAINER_CREATED',
        image: config.image, imageRef: config.image, createdAt: this.clock.now(),
        logPath: logDirectory ? path.resolve(logDirectory, config.logPath) : config.logPath,
        labels: { ...config.labels }, annotations: { ...config.annotations },
      },
    });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.mustGet(id);
    if (c.status.state !== 'CONTAINER_CREATED') {
      throw new ContainerStartError(`container ${id} is in ${c.status.state} state, not CONTAINER_CREATED`);
    }
    const failure = this.opts.failStart?.(c.config);
    if (failure) {
      this.finish(c, 128, 'StartError', failure);
      throw new ContainerStartError(failure);
    }
    c.status.state = 'CONTAINER_RUNNING';
    c.status.startedAt = this.clock.now();
    if (c.behaviour.stdout) this.log(c, 'stdout', c.behaviour.stdout);
    if (c.behaviour.stderr) this.log(c, 'stderr', c.behaviour.stderr);
    const code = c.behaviour.exitCode;
    if (code !== undefined) {
      c.exitTimer = this.clock.setTimeout(() => this.finish(c, code), c.behaviour.exitAfterMs ?? 0);
    }
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const c = this.mustGet(id);
    if (c.status.state !== 'CONTAINER_RUNNING') return;
    if (timeoutSeconds > 0 && !c.behaviour.ignoreSigterm) {
      this.finish(c, 143);
      return;
    }
    if (timeoutSeconds > 0) {
      // SIGTERM is ignored: the container exits on its own within the grace period, or is killed.
      const timer = this.clock.setTimeout(() => this.finish(c, 137), timeoutSeconds * 1000);
      await c.exited;
      timer.cancel();
      return;
    }
    this.finish(c, 137);
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    if (c.status.state === 'CONTAINER_RUNNING') this.finish(c, 137);
    this.containers.delete(id);
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    const c = this.containers.get(id);
    if (!c) return undefined;
    await c.logChain;
    return structuredClone(c.status);
  }

  async listContainers(filter?: { podSandboxId?: string; labels?: Record<string, string> }): Promise<ContainerStatus[]> {
    const list = [...this.containers.values()].filter(
      (c) => (!filter?.podSandboxId || c.status.podSandboxId === filter.podSandboxId) && matchesLabels(c.status.labels, filter?.labels),
    );
    await Promise.all(list.map((c) => c.logChain));
    return list.map((c) => structuredClone(c.status));
  }

  async execSync(id: string, cmd: string[], _timeoutSeconds: number): Promise<ExecResult> {
    const c = this.mustGetRunning(id);
    return (await this.opts.exec?.(structuredClone(c.status), cmd)) ?? builtinExec(cmd);
  }

  async exec(id: string, opts: ExecOptions): Promise<StreamSession> {
    const result = await this.execSync(id, opts.cmd, 0);
    const stdout = new PassThrough();
    const stderr = opts.tty ? stdout : new PassThrough();
    stdout.end(result.stdout);
    if (stderr !== stdout) stderr.end(result.stderr);
    const stdin = opts.stdin ? new PassThrough() : undefined;
    stdin?.resume();
    return {
      stdin,
      stdout: opts.stdout ? stdout : undefined,
      stderr: opts.stderr && !opts.tty ? stderr : undefined,
      resize: () => undefined,
      exited: Promise.resolve(result.exitCode),
      kill: () => undefined,
    };
  }

  /** Nothing is written after attaching; the session ends when the container exits. */
  async attach(id: string, opts: Omit<ExecOptions, 'cmd'>): Promise<StreamSession> {
    const c = this.mustGetRunning(id);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const stdin = opts.stdin && c.config.stdin ? new PassThrough() : undefined;
    stdin?.resume();
    const end = () => {
      stdout.end();
      stderr.end();
    };
    const exited = c.exited.then(() => {
      end();
      return c.status.exitCode ?? 0;
    });
    return {
      stdin,
      stdout: opts.stdout ? stdout : undefined,
      stderr: opts.stderr && !opts.tty ? stderr : undefined,
      resize: () => undefined,
      exited,
      kill: end,
    };
  }

  /** Pods of the sim share the host's loopback, as in the process runtime. */
  async portForward(sandboxId: string, port: number): Promise<net.Socket> {
    if (!this.sandboxes.has(sandboxId)) throw new RuntimeNotFoundError('sandbox', sandboxId);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    });
  }

  async containerStats(id: string): Promise<ContainerStats | undefined> {
    const c = this.containers.get(id);
    if (!c || c.status.state !== 'CONTAINER_RUNNING') return undefined;
    return { containerId: id, cpuUsageCoreNanoSeconds: 0, memoryWorkingSetBytes: 0, timestamp: this.clock.now() };
  }

  async close(): Promise<void> {
    await Promise.all([...this.containers.values()].map((c) => c.logChain));
  }

  /** Ends every running container with SIGKILL's code, as ProcessRuntime.stopAll. */
  async stopAll(): Promise<void> {
    for (const c of this.containers.values()) if (c.status.state === 'CONTAINER_RUNNING') this.finish(c, 137);
    await this.close();
  }

  /** Makes a running container exit now with `exitCode` (tests: a crash). */
  exitContainer(id: string, exitCode: number, reason?: string): void {
    const c = this.mustGet(id);
    if (c.status.state === 'CONTAINER_RUNNING') this.finish(c, exitCode, reason);
  }

  private finish(c: SimContainer, exitCode: number, reason?: string, message?: string): void {
    if (c.status.state === 'CONTAINER_EXITED') return;
    c.exitTimer?.cancel();
    c.status.state = 'CONTAINER_EXITED';
    c.status.exitCode = exitCode;
    c.status.reason = reason ?? (exitCode === 0 ? 'Completed' : 'Error');
    if (message) c.status.message = message;
    c.status.finishedAt = this.clock.now();
    c.resolveExited();
  }

  private log(c: SimContainer, stream: 'stdout' | 'stderr', text: string): void {
    const now = this.clock.now();
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const data = Buffer.concat(lines.map((l) => criLine(now, stream, 'F', Buffer.from(l))));
    const file = c.status.logPath;
    if (!path.isAbsolute(file)) return;
    c.logChain = c.logChain.then(async () => {
      try {
        await mkdir(path.dirname(file), { recursive: true });
        await appendFile(file, data);
      } catch {
        // best effort: a sim node may have no log directory
      }
    });
  }

  private containersOf(sandboxId: string): SimContainer[] {
    return [...this.containers.values()].filter((c) => c.status.podSandboxId === sandboxId);
  }

  private mustGet(id: string): SimContainer {
    const c = this.containers.get(id);
    if (!c) throw new RuntimeNotFoundError('container', id);
    return c;
  }

  private mustGetRunning(id: string): SimContainer {
    const c = this.mustGet(id);
    if (c.status.state !== 'CONTAINER_RUNNING') throw new ContainerNotRunningError(id, c.status.state);
    return c;
  }
}

function annotation(key: string, config: ContainerConfig, sandbox: PodSandboxConfig): string | undefined {
  return config.annotations[key]
    ?? sandbox.annotations[`${key}.${config.metadata.name}`]
    ?? sandbox.annotations[key];
}

export function behaviourFromAnnotations(config: ContainerConfig, sandbox: PodSandboxConfig): SimBehaviour {
  const code = annotation(SIM_ANNOTATION_EXIT_CODE, config, sandbox);
  const after = annotation(SIM_ANNOTATION_EXIT_AFTER_MS, config, sandbox);
  return {
    exitCode: code !== undefined && code !== '' && Number.isFinite(Number(code)) ? Number(code) : undefined,
    exitAfterMs: after !== undefined && Number.isFinite(Number(after)) ? Number(after) : undefined,
    stdout: annotation(SIM_ANNOTATION_STDOUT, config, sandbox),
    stderr: annotation(SIM_ANNOTATION_STDERR, config, sandbox),
    ignoreSigterm: annotation(SIM_ANNOTATION_IGNORE_SIGTERM, config, sandbox) === 'true',
  };
}

/** `true`, `false`, `echo …`, `sh -c 'exit N'` / `sh -c 'echo …'`; anything else succeeds silently. */
export function builtinExec(cmd: string[]): ExecResult {
  const ok = (stdout = '', exitCode = 0): ExecResult => ({ stdout: Buffer.from(stdout), stderr: Buffer.alloc(0), exitCode });
  const [first, ...rest] = cmd;
  if (first === 'true') return ok();
  if (first === 'false') return ok('', 1);
  if (first === 'echo') return ok(`${rest.join(' ')}\n`);
  if ((first === 'sh' || first === '/bin/sh') && rest[0] === '-c' && rest[1] !== undefined) {
    const exit = /^\s*exit\s+(\d+)\s*$/.exec(rest[1]);
    if (exit) return ok('', Number(exit[1]));
    const echo = /^\s*echo\s+(.*?)\s*$/.exec(rest[1]);
    if (echo) return ok(`${echo[1]!.replace(/^(['"])(.*)\1$/, '$2')}\n`);
  }
  return ok();
}
