// The `process` runtime: containers are plain host processes on the host network, no root
// needed (DESIGN.md §3). Sandboxes are records only (there is no pause process and no network
// namespace; the pod IP is a loopback address of its own, see pod-addresses.ts). Each container is started by a shim (shim.ts) that
// outlives the kubelet, and every record lives under rootDir, so a new ProcessRuntime over the
// same directory re-adopts what runs, checking each pid against the start time /proc gave when
// it was recorded. Nothing is ever killed by name. See docs/process-runtime.md.
import { execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { constants as fsConstants, statSync, watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { open } from 'node:fs/promises';
import { fsFor, mkdir, poolFs, readdir, rm, writeFile, type StateFs } from '../../fs-async.js';
import type { FileHandle } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

import { realClock } from '../../../client/clock.js';
import type { Clock } from '../../../client/clock.js';
import { nullLogger } from '../../../logger.js';
import type { Logger } from '../../../logger.js';
import {
  ContainerNotRunningError, ContainerStartError, ExecStartError, NameReservedError, RuntimeNotFoundError,
} from '../errors.js';
import type {
  ContainerConfig, ContainerRuntime, ContainerStats, ContainerStatus, ExecOptions, ExecResult, PodSandboxConfig,
  PodSandboxStatus, RuntimeVersion, StreamSession,
} from '../types.js';
import { attachSession } from './attach-session.js';
import { containerArgv, hostBusybox, resolveOnHost } from './command.js';
import { ContainerMonitor } from './container-monitor.js';
import type { ExitInfo } from './container-monitor.js';
import { execStreaming, execToCompletion } from './exec-process.js';
import type { ExecSpec } from './exec-process.js';
import { containerProcessSpec } from './container-env.js';
import { MountMapper } from './mounts.js';
import { OutputPump } from './output-pump.js';
import { PodIndexedMap } from './pod-indexed-map.js';
import { clockTicksPerSecond, identifySync, isAlive, isAliveSync, killAndWait, pageSizeBytes, sessionMembers, signalGroup } from './proc.js';
import { containerName, containerStatus, matchesLabels, sandboxName, sandboxStatus } from './status-views.js';
import { loadContainers, loadSandboxes, newId, RecordPaths, writeJsonAtomic, writeJsonNew } from './records.js';
import type { ContainerRecord, SandboxRecord } from './records.js';
import { pidFile, readExitStatusSync, readPidsSync, shimArgv } from './shim.js';
import { ShimSpawner } from './shim-spawner.js';
import { PodAddresses } from './pod-addresses.js';
import type { StdinMode } from './shim.js';

const execFileAsync = promisify(execFile);

export interface ProcessRuntimeOptions {
  /** State directory, e.g. <data-dir>/runtime. */
  rootDir: string;
  /**
   * Where containers' raw output and working directories go when rootDir is memory-backed
   * (see state-dir.ts); default: rootDir.
   */
  outputDir?: string;
  clock?: Clock;
  logger?: Logger;
  /** The pod IP to report when no podCIDR is given (default 127.0.0.1), and for hostNetwork pods. */
  podIp?: string;
  /** A loopback range (e.g. 127.42.0.0/16) giving each pod an address of its own. */
  podCIDR?: string;
}

export const PROCESS_RUNTIME_NAME = 'coxswain-process';

/** How long a new shim may take to report the container's pid. */
const START_DEADLINE_MS = 10_000;
/** How long to wait for the exit after SIGKILL before giving up on a process in D state. */
const KILL_DEADLINE_MS = 10_000;


export class ProcessRuntime implements ContainerRuntime {
  private readonly paths: RecordPaths;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly podIp: string;
  private readonly podAddresses: PodAddresses | undefined;
  private readonly sandboxes = new PodIndexedMap<SandboxRecord>((s) => s.config.labels);
  private readonly containers = new PodIndexedMap<ContainerRecord>((c) => c.config.labels);
  private readonly monitors = new Map<string, ContainerMonitor>();
  private readonly stdinHandles = new Map<string, FileHandle>();
  private readonly execChildren = new Map<string, Set<{ pid?: number }>>();
  private readonly ready: Promise<void>;
  private readonly spawner: ShimSpawner;
  /** How records are written: inline when the state directory is memory-backed (fs-async.ts). */
  private stateFs: StateFs = poolFs;
  private closed = false;

  constructor(opts: ProcessRuntimeOptions) {
    this.paths = new RecordPaths(path.resolve(opts.rootDir), path.resolve(opts.outputDir ?? opts.rootDir));
    this.clock = opts.clock ?? realClock;
    this.logger = (opts.logger ?? nullLogger).child({ component: 'process-runtime' });
    this.podIp = opts.podIp ?? '127.0.0.1';
    this.podAddresses = opts.podCIDR ? new PodAddresses(opts.podCIDR) : undefined;
    this.spawner = new ShimSpawner(this.logger);
    this.ready = this.load();
    // Every call awaits `ready` and sees a failure; this only keeps an early one from crashing
    // the process as an unhandled rejection before the first call.
    this.ready.catch((err: unknown) => this.logger.error('loading runtime state failed', { err: String(err) }));
  }

  async version(): Promise<RuntimeVersion> {
    return { runtimeName: PROCESS_RUNTIME_NAME, runtimeVersion: '0.1.0', runtimeApiVersion: 'v1' };
  }

  // ---- sandboxes ----

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    await this.ready;
    const name = sandboxName(config);
    for (const s of this.sandboxes.values()) {
      if (sandboxName(s.config) === name) throw new NameReservedError('sandbox', name, s.id);
    }
    const ip = config.hostNetwork || !this.podAddresses ? this.podIp : this.podAddresses.allocate();
    const rec: SandboxRecord = {
      id: newId(), config: structuredClone(config), state: 'SANDBOX_READY', createdAt: this.clock.now(), ip,
    };
    if (config.logDirectory) await mkdir(config.logDirectory, { recursive: true });
    await writeJsonNew(this.paths.sandboxFile(rec.id), rec, this.stateFs);
    this.sandboxes.set(rec.id, rec);
    this.logger.debug('sandbox created', { sandbox: rec.id, pod: `${config.metadata.namespace}/${config.metadata.name}` });
    return rec.id;
  }

  /** As CRI: running containers are killed at once; stopping twice is fine. */
  async stopPodSandbox(id: string): Promise<void> {
    await this.ready;
    const rec = this.sandboxes.get(id);
    if (!rec) return;
    await Promise.all(this.containersOf(id).map((c) => this.stopContainer(c.id, 0)));
    if (rec.state !== 'SANDBOX_NOTREADY') {
      rec.state = 'SANDBOX_NOTREADY';
      await writeJsonAtomic(this.paths.sandboxFile(id), rec, this.stateFs);
    }
  }

  /** Removes the sandbox and its containers; no process of it survives. */
  async removePodSandbox(id: string): Promise<void> {
    await this.ready;
    const rec = this.sandboxes.get(id);
    if (!rec) return;
    await this.stopPodSandbox(id);
    await Promise.all(this.containersOf(id).map((c) => this.removeContainer(c.id)));
    await this.stateFs.rm(this.paths.sandboxFile(id), { force: true });
    this.sandboxes.delete(id);
    if (!rec.config.hostNetwork) this.podAddresses?.release(rec.ip);
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined> {
    await this.ready;
    const rec = this.sandboxes.get(id);
    return rec ? sandboxStatus(rec) : undefined;
  }

  async listPodSandboxes(filter?: { labels?: Record<string, string> }): Promise<PodSandboxStatus[]> {
    await this.ready;
    return this.sandboxes.matching(filter?.labels, (s) => matchesLabels(s.config.labels, filter?.labels)).map(sandboxStatus);
  }

  // ---- containers ----

  async createContainer(sandboxId: string, config: ContainerConfig, sandbox: PodSandboxConfig): Promise<string> {
    await this.ready;
    const sb = this.sandboxes.get(sandboxId);
    if (!sb) throw new RuntimeNotFoundError('sandbox', sandboxId);
    const name = containerName(config, sb.config);
    for (const c of this.containersOf(sandboxId)) {
      if (c.config.metadata.name === config.metadata.name && c.config.metadata.attempt === config.metadata.attempt) {
        throw new NameReservedError('container', name, c.id);
      }
    }
    const id = newId();
    const logDirectory = sandbox.logDirectory || sb.config.logDirectory;
    const rec: ContainerRecord = {
      id,
      podSandboxId: sandboxId,
      config: structuredClone(config),
      logPath: path.resolve(logDirectory, config.logPath),
      state: 'CONTAINER_CREATED',
      createdAt: this.clock.now(),
    };
    // The shim creates the raw stdout/stderr files; the pump reads them once they exist.
    await Promise.all([
      ...this.dirsOf(id).map(({ dir, fs }) => fs.mkdir(dir, { recursive: true })),
      mkdir(path.dirname(rec.logPath), { recursive: true }),
    ]);
    await writeJsonNew(this.paths.containerFile(id), rec, this.stateFs);
    this.containers.set(id, rec);
    return id;
  }

  async startContainer(id: string): Promise<void> {
    await this.ready;
    const rec = this.mustGetContainer(id);
    if (rec.state !== 'CONTAINER_CREATED') {
      throw new ContainerStartError(`container ${id} is in ${rec.state} state, not CONTAINER_CREATED`);
    }
    const sb = this.sandboxes.get(rec.podSandboxId);
    const dir = this.paths.containerDir(id);
    let argv: string[];
    let spec: { env: Record<string, string>; cwd: string };
    try {
      spec = await containerProcessSpec(rec.config, sb?.config, this.paths.outputDir(id));
      const mapper = new MountMapper(rec.config.mounts);
      const wanted = containerArgv(rec.config.image, rec.config.command, rec.config.args).map((a) => mapper.rewrite(a));
      argv = resolveOnHost(wanted, { image: rec.config.image, searchPath: spec.env.PATH ?? '', busybox: hostBusybox() });
    } catch (err) {
      // As containerd: a container that cannot start is exited with StartError and code 128.
      await this.markStartFailed(rec, err);
      throw err;
    }
    rec.env = spec.env;
    rec.cwd = spec.cwd;
    const stdin = stdinMode(rec.config);
    if (stdin !== 'none') {
      await execFileAsync('mkfifo', ['-m', '600', path.join(dir, 'stdin')]);
      // Held from before the shim starts: opening the fifo to read then does not block, and
      // for stdinOnce this is the only writer, so closing it gives the container EOF.
      if (stdin === 'once') this.stdinHandles.set(id, await open(path.join(dir, 'stdin'), fsConstants.O_RDWR));
    }
    try {
      this.spawner.launch({ shimArgv: shimArgv({ dir, outputDir: this.paths.outputDir(id), argv, env: spec.env, cwd: spec.cwd, stdin }), env: spec.env, cwd: spec.cwd });
    } catch (err) {
      await this.markStartFailed(rec, err);
      throw new ContainerStartError(`failed to start container ${id}: ${String(err)}`);
    }
    const pids = await this.waitForPids(dir);
    if (!pids) {
      await this.markStartFailed(rec, new Error('the shim did not report the container process'));
      throw new ContainerStartError(`container ${id}: the shim did not report the container process`);
    }
    rec.shim = identifySync(pids.shim);
    rec.process = identifySync(pids.container);
    rec.state = 'CONTAINER_RUNNING';
    rec.startedAt = this.startTime(dir);
    await this.save(rec);
    this.monitor(rec);
    this.logger.debug('container started', { container: id, name: rec.config.metadata.name, pid: pids.container });
  }

  /** SIGTERM to the process group, SIGKILL after `timeoutSeconds` (at once for 0), as containerd. */
  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.ready;
    const rec = this.mustGetContainer(id);
    const mon = this.monitors.get(id);
    if (rec.state !== 'CONTAINER_RUNNING') return;
    if (!mon) {
      // A closed runtime no longer watches: kill, and leave the exit for the next one to read.
      await this.killContainerProcesses(rec);
      return;
    }
    await mon.refresh();
    if (mon.finished) return;
    const pgid = rec.process?.pid;
    if (timeoutSeconds > 0 && pgid && (await isAlive(rec.process))) {
      signalContainer(pgid, 'SIGTERM');
      if (await this.waitExit(mon, timeoutSeconds * 1000)) return;
    }
    await this.killContainerProcesses(rec);
    if (await this.waitExit(mon, KILL_DEADLINE_MS)) return;
    this.logger.warn('container did not exit after SIGKILL', { container: id });
  }

  /** As CRI: a running container is removed by force; removing twice is fine. */
  async removeContainer(id: string): Promise<void> {
    await this.ready;
    const rec = this.containers.get(id);
    if (!rec) return;
    if (rec.state === 'CONTAINER_RUNNING') await this.stopContainer(id, 0);
    const mon = this.monitors.get(id);
    this.monitors.delete(id);
    await mon?.close();
    await this.closeStdin(id);
    this.containers.delete(id);
    await Promise.all(this.dirsOf(id).map(({ dir, fs }) => fs.rm(dir, { recursive: true, force: true })));
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    await this.ready;
    const rec = this.containers.get(id);
    if (!rec) return undefined;
    await this.monitors.get(id)?.refresh();
    return containerStatus(rec);
  }

  async listContainers(filter?: { podSandboxId?: string; labels?: Record<string, string> }): Promise<ContainerStatus[]> {
    await this.ready;
    const recs = this.containers.matching(filter?.labels,
      (c) => (!filter?.podSandboxId || c.podSandboxId === filter.podSandboxId) && matchesLabels(c.config.labels, filter?.labels));
    await Promise.all(recs.map((c) => this.monitors.get(c.id)?.refresh()));
    return recs.map(containerStatus);
  }

  // ---- exec, attach, port-forward ----

  async execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult> {
    const { rec, spec } = await this.execSpec(id, cmd);
    return execToCompletion(spec, timeoutSeconds, this.clock, (c) => this.trackExec(rec.id, c));
  }

  async exec(id: string, opts: ExecOptions): Promise<StreamSession> {
    const { rec, spec } = await this.execSpec(id, opts.cmd);
    return execStreaming(spec, { stdin: opts.stdin, tty: opts.tty }, (c) => this.trackExec(rec.id, c));
  }

  /** The container's own streams (attach-session.ts). */
  async attach(id: string, opts: Omit<ExecOptions, 'cmd'>): Promise<StreamSession> {
    await this.ready;
    const rec = this.mustGetContainer(id);
    const mon = this.monitors.get(id);
    if (mon) await mon.refresh();
    if (rec.state !== 'CONTAINER_RUNNING' || !mon || mon.finished) throw new ContainerNotRunningError(id, rec.state);
    return attachSession({
      monitor: mon,
      stdin: rec.config.stdin ? () => this.stdinHandle(rec) : undefined,
      closeStdin: rec.config.stdinOnce ? () => this.closeStdin(id) : undefined,
    }, opts);
  }

  /**
   * Pods share the host's network. The pod's own address comes first (an app bound to
   * 0.0.0.0 or to $(POD_IP) answers there); an app bound to 127.0.0.1 only is reached as
   * localhost would reach it inside a real pod.
   */
  async portForward(sandboxId: string, port: number): Promise<net.Socket> {
    await this.ready;
    const sandbox = this.sandboxes.get(sandboxId);
    if (!sandbox) throw new RuntimeNotFoundError('sandbox', sandboxId);
    try {
      return await connectTcp(sandbox.ip, port);
    } catch (err) {
      if (sandbox.ip === '127.0.0.1' || (err as NodeJS.ErrnoException).code !== 'ECONNREFUSED') throw err;
      return connectTcp('127.0.0.1', port);
    }
  }

  // ---- logs ----

  /**
   * CRI ReopenContainerLog, after the kubelet rotated the log. The output pump appends to the
   * log by path for every batch, so it already follows the rename: this copies what is pending
   * and creates the new file, so readers find it at once. As containerd: running containers only.
   */
  async reopenContainerLog(id: string): Promise<void> {
    await this.ready;
    const rec = this.mustGetContainer(id);
    if (rec.state !== 'CONTAINER_RUNNING') throw new ContainerNotRunningError(id, rec.state);
    await this.monitors.get(id)?.pump.pump();
    await writeFile(rec.logPath, '', { flag: 'a' });
  }

  // ---- stats ----

  /** CPU (utime+stime of the container's session, with its reaped children) and RSS from /proc. */
  async containerStats(id: string): Promise<ContainerStats | undefined> {
    await this.ready;
    const rec = this.containers.get(id);
    await this.monitors.get(id)?.refresh();
    if (!rec || rec.state !== 'CONTAINER_RUNNING' || !rec.process) return undefined;
    const members = await sessionMembers(rec.process.pid);
    let ticks = 0;
    let pages = 0;
    for (const p of members) {
      ticks += p.utime + p.stime + p.cutime + p.cstime;
      pages += p.rss;
    }
    return {
      containerId: id,
      cpuUsageCoreNanoSeconds: Math.round((ticks * 1e9) / clockTicksPerSecond()),
      memoryWorkingSetBytes: pages * pageSizeBytes(),
      timestamp: this.clock.now(),
    };
  }

  // ---- lifecycle ----

  /** Stops watching and copying output and ends exec sessions; containers keep running. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.ready.catch(() => undefined);
    await Promise.all([...this.monitors.values()].map((m) => m.close()));
    this.monitors.clear();
    this.spawner.close();
    for (const id of [...this.stdinHandles.keys()]) await this.closeStdin(id);
    for (const set of this.execChildren.values()) for (const c of set) if (c.pid) signalGroup(c.pid, 'SIGKILL');
    this.execChildren.clear();
  }

  /** Kills every running container (tests, and a node shutting down), then closes. */
  async stopAll(): Promise<void> {
    await this.ready;
    await Promise.all([...this.containers.values()]
      .filter((c) => c.state === 'CONTAINER_RUNNING')
      .map((c) => this.stopContainer(c.id, 0)));
    await this.close();
  }

  /** Pids of the running containers' main processes (for tests and diagnostics). */
  async containerPid(id: string): Promise<number | undefined> {
    await this.ready;
    const rec = this.containers.get(id);
    return rec?.state === 'CONTAINER_RUNNING' ? rec.process?.pid : undefined;
  }

  // ---- internals ----

  private async load(): Promise<void> {
    await this.paths.ensure();
    this.stateFs = fsFor(this.paths.rootDir);
    for (const s of await loadSandboxes(this.paths)) {
      this.sandboxes.set(s.id, s);
      if (!s.config.hostNetwork) this.podAddresses?.claim(s.ip);
    }
    for (const c of await loadContainers(this.paths)) {
      this.containers.set(c.id, c);
      await this.adopt(c);
    }
    if (this.paths.separateOutput) {
      // Memory-backed records are gone after a reboot, and so are their processes: their
      // output and working directories on disk are left over.
      const known = new Set(this.containers.keys());
      for (const id of await readdir(this.paths.outputContainersDir).catch(() => [] as string[])) {
        if (!known.has(id)) await rm(this.paths.outputDir(id), { recursive: true, force: true });
      }
    }
  }

  /** A container's directories, each with how it is written: its state, and its output when that lives apart (on disk). */
  private dirsOf(id: string): Array<{ dir: string; fs: StateFs }> {
    const state = { dir: this.paths.containerDir(id), fs: this.stateFs };
    return this.paths.separateOutput ? [state, { dir: this.paths.outputDir(id), fs: poolFs }] : [state];
  }

  /** Takes over a container recorded by an earlier runtime over the same directory. */
  private async adopt(rec: ContainerRecord): Promise<void> {
    const dir = this.paths.containerDir(rec.id);
    if (rec.state === 'CONTAINER_CREATED') {
      // A runtime stopped between spawning the shim and recording it.
      const pids = readPidsSync(dir);
      if (!pids) return;
      rec.shim = identifySync(pids.shim);
      rec.process = identifySync(pids.container);
      rec.state = 'CONTAINER_RUNNING';
      rec.startedAt ??= this.startTime(dir);
    }
    if (rec.state !== 'CONTAINER_RUNNING') return;
    if (!isAliveSync(rec.shim) && readExitStatusSync(dir) === undefined && isAliveSync(rec.process)) {
      // Its shim is gone, so its exit could not be recorded: end it rather than leave it unwatched.
      this.logger.warn('container lost its shim; killing it', { container: rec.id });
      await this.killContainerProcesses(rec);
    }
    this.logger.debug('adopting container', { container: rec.id, pid: rec.process?.pid });
    this.monitor(rec);
  }

  private monitor(rec: ContainerRecord): void {
    const dir = this.paths.containerDir(rec.id);
    const outputDir = this.paths.outputDir(rec.id);
    const pump = OutputPump.open(dir, outputDir, rec.logPath, this.clock, this.logger, this.stateFs);
    const mon = new ContainerMonitor(dir, outputDir, pump, rec.shim, rec.process, this.clock, this.logger, (info) => this.recordExit(rec, info));
    this.monitors.set(rec.id, mon);
    mon.start();
  }

  private async recordExit(rec: ContainerRecord, info: ExitInfo): Promise<void> {
    rec.state = 'CONTAINER_EXITED';
    rec.finishedAt = info.finishedAt;
    if (info.exitCode === undefined) {
      // The shim ended without recording the status (killed, or the host rebooted).
      rec.exitCode = 255;
      rec.reason = 'Error';
      rec.message = 'the container exit status was lost: its shim process ended first';
    } else {
      rec.exitCode = info.exitCode;
      rec.reason = info.exitCode === 0 ? 'Completed' : 'Error';
    }
    this.monitors.delete(rec.id);
    if (rec.shim) this.spawner.reap(rec.shim.pid);
    await this.closeStdin(rec.id);
    // As a pid namespace ends: no exec outlives the container.
    for (const c of this.execChildren.get(rec.id) ?? []) if (c.pid) signalGroup(c.pid, 'SIGKILL');
    if (this.containers.has(rec.id)) await this.save(rec);
    this.logger.debug('container exited', { container: rec.id, exitCode: rec.exitCode });
  }

  private async markStartFailed(rec: ContainerRecord, err: unknown): Promise<void> {
    rec.state = 'CONTAINER_EXITED';
    rec.exitCode = 128;
    rec.reason = 'StartError';
    rec.message = err instanceof Error ? err.message : String(err);
    rec.finishedAt = this.clock.now();
    await this.closeStdin(rec.id);
    await this.save(rec);
  }

  /** SIGKILL to the container's process group and to anything else left in its session. */
  private async killContainerProcesses(rec: ContainerRecord): Promise<void> {
    const leader = rec.process;
    if (!leader) return;
    if (await isAlive(leader)) signalContainer(leader.pid, 'SIGKILL');
    await killAndWait((await sessionMembers(leader.pid)).map((p) => ({ pid: p.pid, startTime: p.startTime })));
  }

  private async waitExit(mon: ContainerMonitor, ms: number): Promise<boolean> {
    let timer: { cancel(): void } | undefined;
    const timeout = new Promise<false>((resolve) => (timer = this.clock.setTimeout(() => resolve(false), ms)));
    const done = await Promise.race([mon.exited.then(() => true as const), timeout]);
    timer?.cancel();
    return done;
  }

  /**
   * When the shim wrote the pid file, just after the fork: the same (file system) clock as the
   * exit file's time, so startedAt <= finishedAt even for a container that ends at once.
   */
  private startTime(dir: string): number {
    const st = statSync(pidFile(dir), { throwIfNoEntry: false });
    return st ? Math.floor(st.mtimeMs) : this.clock.now();
  }

  /**
   * Resolves with the pids once the container has written them: on the directory watch's
   * event (no polling while a start is slow), with a poll as a fallback for file systems
   * without inotify.
   */
  private waitForPids(dir: string): Promise<{ shim: number; container: number } | undefined> {
    return new Promise((resolve) => {
      const deadline = Date.now() + START_DEADLINE_MS;
      let watcher: FSWatcher | undefined;
      let timer: NodeJS.Timeout | undefined;
      let done = false;
      const finish = (pids: { shim: number; container: number } | undefined) => {
        done = true;
        watcher?.close();
        clearTimeout(timer);
        resolve(pids);
      };
      const check = () => {
        if (done) return;
        const pids = readPidsSync(dir);
        if (pids) finish(pids);
      };
      try {
        // Only the pid file matters; the shim's output files appear first.
        watcher = watch(dir, (_event, file) => (file === null || file === 'pid') && check());
        watcher.on('error', () => undefined);
      } catch {
        watcher = undefined;
      }
      // With a watch the poll is only a safety net; without one it is how the start is seen.
      let delay = watcher ? 100 : 1;
      const poll = () => {
        check();
        if (done) return;
        if (Date.now() >= deadline) return finish(undefined);
        timer = setTimeout(poll, delay);
        delay = Math.min(delay * 2, watcher ? 400 : 4);
      };
      poll();
    });
  }

  private async execSpec(id: string, cmd: string[]): Promise<{ rec: ContainerRecord; spec: ExecSpec }> {
    await this.ready;
    const rec = this.mustGetContainer(id);
    const mon = this.monitors.get(id);
    if (mon) await mon.refresh();
    if (rec.state !== 'CONTAINER_RUNNING' || !mon || mon.finished) throw new ContainerNotRunningError(id, rec.state);
    const mapper = new MountMapper(rec.config.mounts);
    const { env, cwd } = rec.env && rec.cwd
      ? { env: rec.env, cwd: rec.cwd }
      : await containerProcessSpec(rec.config, this.sandboxes.get(rec.podSandboxId)?.config, this.paths.outputDir(id));
    let argv: string[];
    try {
      argv = resolveOnHost(cmd.map((a) => mapper.rewrite(a)), { image: rec.config.image, searchPath: env.PATH ?? '', busybox: hostBusybox() });
    } catch (err) {
      throw new ExecStartError(err instanceof Error ? err.message : String(err));
    }
    return { rec, spec: { argv, env, cwd } };
  }

  private trackExec(id: string, child: { pid?: number }): () => void {
    let set = this.execChildren.get(id);
    if (!set) this.execChildren.set(id, (set = new Set()));
    set.add(child);
    return () => {
      set.delete(child);
      if (set.size === 0 && this.execChildren.get(id) === set) this.execChildren.delete(id);
    };
  }

  private async stdinHandle(rec: ContainerRecord): Promise<FileHandle> {
    let h = this.stdinHandles.get(rec.id);
    if (!h) {
      // O_RDWR never blocks on a fifo, with or without a reader.
      h = await open(path.join(this.paths.containerDir(rec.id), 'stdin'), fsConstants.O_RDWR);
      this.stdinHandles.set(rec.id, h);
    }
    return h;
  }

  private async closeStdin(id: string): Promise<void> {
    const h = this.stdinHandles.get(id);
    this.stdinHandles.delete(id);
    await h?.close().catch(() => undefined);
  }

  private containersOf(sandboxId: string): ContainerRecord[] {
    return [...this.containers.values()].filter((c) => c.podSandboxId === sandboxId);
  }

  private mustGetContainer(id: string): ContainerRecord {
    const rec = this.containers.get(id);
    if (!rec) throw new RuntimeNotFoundError('container', id);
    return rec;
  }

  private save(rec: ContainerRecord): Promise<void> {
    return writeJsonAtomic(this.paths.containerFile(rec.id), rec, this.stateFs);
  }
}

/**
 * Signals a container's process group; just after the start, before setsid has made the
 * container a group leader (shim.ts), the group does not exist yet and the process itself is
 * signalled (it has not exec'd the command, so nothing else belongs to it).
 */
function signalContainer(pid: number, signal: NodeJS.Signals): void {
  if (signalGroup(pid, signal)) return;
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}

function stdinMode(config: ContainerConfig): StdinMode {
  if (!config.stdin) return 'none';
  return config.stdinOnce ? 'once' : 'keep';
}

function connectTcp(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
