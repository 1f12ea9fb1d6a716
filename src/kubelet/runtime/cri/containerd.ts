// The containerd Coxswain starts and supervises itself when no --container-runtime-endpoint is
// given (as k3s does): config under <dataDir>/containerd, its log in a file, readiness by the
// CRI Version call, restart with back-off if it dies, stop by PID (SIGTERM, then SIGKILL).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import type { Logger } from '../../../logger.js';
import { mountStateTmpfs, unmountStateTmpfs } from './state-tmpfs.js';
import { connectCri, CriUnsupportedError } from './client.js';
import {
  DEFAULT_CNI_BIN_DIR,
  DEFAULT_SANDBOX_IMAGE,
  managedContainerdPaths,
  renderContainerdConfig,
  type ManagedContainerdPaths,
  type Snapshotter,
} from './containerd-config.js';

export const CONTAINERD_PACKAGES_HINT = 'apt-get install -y containerd runc containernetworking-plugins iptables';

/** containerd or runc is not installed. */
export class ContainerdNotInstalledError extends Error {
  override readonly name = 'ContainerdNotInstalledError';
  constructor(readonly missing: string[]) {
    super(`${missing.join(' and ')} not found in PATH; the cri runtime needs containerd. On Debian/Ubuntu: ${CONTAINERD_PACKAGES_HINT}`);
  }
}

/** containerd did not become ready, or died at start. */
export class ContainerdStartError extends Error {
  override readonly name = 'ContainerdStartError';
  constructor(message: string, readonly logPath: string) {
    super(message);
  }
}

export interface ManagedContainerdOptions {
  dataDir: string;
  sandboxImage?: string;
  cniBinDir?: string;
  /** Default <dataDir>/cni/net.d. */
  cniConfDir?: string;
  logger: Logger;
  /** How long to wait for the first Version answer (default 30 s). */
  startTimeoutMs?: number;
  /** Called with a short line at each start-up step (for CLI progress). */
  onProgress?: (message: string) => void;
  /** Use a containerd left running by an earlier coxswain on the same data dir (default true). */
  adoptRunning?: boolean;
}

export type ManagedContainerdState = 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped' | 'failed';

export interface ManagedContainerd {
  /** `unix:///…/containerd.sock` */
  readonly endpoint: string;
  readonly paths: ManagedContainerdPaths;
  readonly snapshotter: Snapshotter;
  readonly state: ManagedContainerdState;
  /** The PID of the current containerd process. */
  readonly pid: number | undefined;
  /** Milliseconds from spawn to the first Version answer (0 when adopted). */
  readonly startupMs: number;
  /** SIGTERM, then SIGKILL after `graceMs` (default 10 s); idempotent. */
  stop(graceMs?: number): Promise<void>;
}

const RESTART_BACKOFF_MIN_MS = 1_000;
const RESTART_BACKOFF_MAX_MS = 30_000;
/** A run this long resets the back-off. */
const HEALTHY_RUN_MS = 60_000;

/** Looks a program up in PATH (and the sbin dirs a non-login root shell may lack). */
export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

const SYSTEM_SOCKETS = ['/run/containerd/containerd.sock', '/var/run/crio/crio.sock'];

/**
 * A CRI socket already on this machine (system containerd, then CRI-O), as `unix://…`, or
 * undefined. With `probe`, only one that answers a runtime.v1 Version counts.
 */
export async function findContainerdSocket(opts: { probe?: boolean; timeoutMs?: number } = {}): Promise<string | undefined> {
  for (const path of SYSTEM_SOCKETS) {
    try {
      if (!statSync(path).isSocket()) continue;
    } catch {
      continue;
    }
    const endpoint = `unix://${path}`;
    if (!opts.probe) return endpoint;
    try {
      const { client } = await connectCri(endpoint, { timeoutMs: opts.timeoutMs ?? 2_000 });
      client.close();
      return endpoint;
    } catch {
      // not a usable CRI runtime
    }
  }
  return undefined;
}

/**
 * Whether overlayfs mounts work under `dir` (not on overlay-on-overlay, some tmpfs/NFS setups,
 * or without mount rights); containerd's overlayfs snapshotter would fail there, so we fall
 * back to the native snapshotter (full copies; slower, always works).
 */
export function overlaySupported(dir: string): boolean {
  mkdirSync(dir, { recursive: true });
  const probe = mkdtempSync(join(dir, 'overlay-probe-'));
  try {
    for (const d of ['lower', 'upper', 'work', 'merged']) mkdirSync(join(probe, d));
    const opts = `lowerdir=${join(probe, 'lower')},upperdir=${join(probe, 'upper')},workdir=${join(probe, 'work')}`;
    const mounted = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', opts, join(probe, 'merged')], { stdio: 'ignore' }).status === 0;
    if (mounted) spawnSync('umount', [join(probe, 'merged')], { stdio: 'ignore' });
    return mounted;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The containerd left running with our config (pid file + its command line), if any. */
function runningManagedPid(paths: ManagedContainerdPaths): number | undefined {
  try {
    const pid = Number(readFileSync(paths.pidFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0 || !pidAlive(pid)) return undefined;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.includes(paths.config) ? pid : undefined;
  } catch {
    return undefined;
  }
}

function logTail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export async function startManagedContainerd(opts: ManagedContainerdOptions): Promise<ManagedContainerd> {
  const log = opts.logger.child({ component: 'containerd' });
  const progress = opts.onProgress ?? (() => {});
  const missing = ['containerd', 'runc'].filter((b) => !findExecutable(b));
  if (missing.length) throw new ContainerdNotInstalledError(missing);
  const containerdBin = findExecutable('containerd')!;

  const paths = managedContainerdPaths(opts.dataDir);
  const cniBinDir = opts.cniBinDir ?? DEFAULT_CNI_BIN_DIR;
  const cniConfDir = opts.cniConfDir ?? join(opts.dataDir, 'cni', 'net.d');
  if (!existsSync(join(cniBinDir, 'bridge'))) {
    log.warn('CNI plugins not found; pods without hostNetwork will fail', { cniBinDir, hint: CONTAINERD_PACKAGES_HINT });
  }
  for (const d of [paths.dir, paths.root, paths.state, dirname(paths.socket), cniConfDir]) mkdirSync(d, { recursive: true, mode: 0o711 });

  const snapshotter: Snapshotter = overlaySupported(paths.dir) ? 'overlayfs' : 'native';
  if (snapshotter === 'native') log.warn('overlayfs does not work under the data dir; using the native snapshotter', { dir: paths.dir });
  writeFileSync(
    paths.config,
    renderContainerdConfig({ paths, sandboxImage: opts.sandboxImage ?? DEFAULT_SANDBOX_IMAGE, cniBinDir, cniConfDir, snapshotter }),
  );
  // The snapshotter is recorded for `ctr images import`, which must unpack into the same one.
  writeFileSync(join(paths.dir, 'snapshotter'), `${snapshotter}\n`);

  const endpoint = `unix://${paths.socket}`;
  const startTimeoutMs = opts.startTimeoutMs ?? 30_000;
  let state: ManagedContainerdState = 'starting';
  let child: ChildProcess | undefined;
  let pid: number | undefined;
  let startupMs = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  let adoptPoll: NodeJS.Timeout | undefined;
  let backoffMs = RESTART_BACKOFF_MIN_MS;
  let stopping: Promise<void> | undefined;
  let exitWaiters: (() => void)[] = [];

  const onExited = (code: number | null, signal: NodeJS.Signals | null, startedAt: number): void => {
    pid = undefined;
    child = undefined;
    for (const w of exitWaiters) w();
    exitWaiters = [];
    if (state === 'stopping' || state === 'stopped' || state === 'starting') return;
    if (Date.now() - startedAt > HEALTHY_RUN_MS) backoffMs = RESTART_BACKOFF_MIN_MS;
    log.warn('containerd exited; restarting', { code, signal, inMs: backoffMs, log: paths.log });
    state = 'restarting';
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (state !== 'restarting') return;
      spawnContainerd();
      void waitReady(startTimeoutMs).then(
        () => {
          if (state === 'restarting') state = 'running';
          log.info('containerd restarted', { pid });
        },
        (err: unknown) => log.error('containerd did not come back', { err: String(err) }),
      );
    }, backoffMs);
    backoffMs = Math.min(backoffMs * 2, RESTART_BACKOFF_MAX_MS);
  };

  const spawnContainerd = (): void => {
    const logFd = openSync(paths.log, 'a');
    const startedAt = Date.now();
    // Own process group: a Ctrl-C on coxswain's terminal must not kill containerd before
    // coxswain stops it in order.
    const c = spawn(containerdBin, ['--config', paths.config], { stdio: ['ignore', logFd, logFd], detached: true });
    closeSync(logFd);
    child = c;
    pid = c.pid;
    if (pid !== undefined) writeFileSync(paths.pidFile, `${pid}\n`);
    c.on('error', (err) => log.error('containerd could not be started', { err: String(err) }));
    c.on('exit', (code, signal) => onExited(code, signal, startedAt));
    log.info('containerd started', { pid, config: paths.config });
  };

  const waitReady = async (timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      if (pid === undefined) throw new ContainerdStartError(`containerd exited during start-up; see ${paths.log}:\n${logTail(paths.log)}`, paths.log);
      if (existsSync(paths.socket)) {
        try {
          const { client } = await connectCri(endpoint, { timeoutMs: 2_000 });
          client.close();
          return;
        } catch (err) {
          // CRI plugin failed to load: containerd is up but will never serve CRI.
          if (err instanceof CriUnsupportedError) throw new ContainerdStartError(`${err.message}; see ${paths.log}`, paths.log);
          last = err;
        }
      }
      if (Date.now() > deadline) {
        throw new ContainerdStartError(
          `containerd did not answer on ${endpoint} within ${Math.round(timeoutMs / 1000)} s${last instanceof Error ? ` (${last.message})` : ''}; see ${paths.log}:\n${logTail(paths.log)}`,
          paths.log,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const adopted = opts.adoptRunning !== false ? runningManagedPid(paths) : undefined;
  if (adopted !== undefined) {
    pid = adopted;
    progress(`Using the running containerd (pid ${adopted})`);
    log.info('adopting running containerd', { pid });
    await waitReady(startTimeoutMs);
    // Not our child: notice its death by polling.
    adoptPoll = setInterval(() => {
      if (pid !== undefined && !pidAlive(pid)) {
        clearInterval(adoptPoll);
        adoptPoll = undefined;
        onExited(null, null, 0);
      }
    }, 1_000);
    adoptPoll.unref();
  } else {
    progress('Starting containerd');
    const t0 = Date.now();
    const stateMount = mountStateTmpfs(paths.state);
    if (stateMount.result === 'failed' || stateMount.result === 'not-empty') {
      log.info('containerd state stays on the data dir file system (slower pod start-up)', { state: paths.state, reason: stateMount.error ?? stateMount.result });
    }
    spawnContainerd();
    try {
      await waitReady(startTimeoutMs);
    } catch (err) {
      state = 'failed';
      const p = pid;
      if (p !== undefined) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      throw err;
    }
    startupMs = Date.now() - t0;
  }
  state = 'running';
  progress(`containerd is ready (${endpoint})`);

  const waitExit = (ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      const target = pid;
      const gone = (): boolean => target === undefined || pid !== target || !pidAlive(target);
      if (gone()) return resolve(true);
      let poll: NodeJS.Timeout | undefined;
      const finish = (ok: boolean): void => {
        clearTimeout(timer);
        if (poll) clearInterval(poll);
        resolve(ok);
      };
      const timer = setTimeout(() => finish(gone()), ms);
      exitWaiters.push(() => finish(true));
      // An adopted process has no exit event: poll.
      if (!child) poll = setInterval(() => gone() && finish(true), 50);
    });

  const stop = (graceMs = 10_000): Promise<void> => {
    stopping ??= (async () => {
      state = 'stopping';
      if (restartTimer) clearTimeout(restartTimer);
      if (adoptPoll) clearInterval(adoptPoll);
      const p = pid;
      if (p !== undefined) {
        try {
          process.kill(p, 'SIGTERM');
        } catch {
          // already gone
        }
        if (!(await waitExit(graceMs))) {
          log.warn('containerd did not stop after SIGTERM; killing', { pid: p });
          try {
            process.kill(p, 'SIGKILL');
          } catch {
            // already gone
          }
          await waitExit(5_000);
        }
      }
      rmSync(paths.pidFile, { force: true });
      // Pods that still run keep their shims (and the tmpfs) until `coxswain reset`.
      if (unmountStateTmpfs(paths.state)) log.debug('containerd state tmpfs unmounted', { state: paths.state });
      state = 'stopped';
      log.info('containerd stopped', { pid: p });
    })();
    return stopping;
  };

  return {
    endpoint,
    paths,
    snapshotter,
    get state() {
      return state;
    },
    get pid() {
      return pid;
    },
    get startupMs() {
      return startupMs;
    },
    stop,
  };
}
