// Runs `coxswain up` as a child process, the way a user starts it, for end-to-end tests:
// waits until it says it is running, its kubeconfig exists and /readyz answers over TLS;
// stops it by its PID and checks that it exited and that nothing listens any more.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { removeMemoryDirsUnder } from '../../src/kubelet/volumes/empty-dir.js';
import { removeProcessRuntimeState } from '../../src/kubelet/runtime/process/state-dir.js';

/** dist/test/e2e/ → dist/src/cli/main.js */
export const COXSWAIN_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface RunningCoxswain {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly url: string;
  readonly kubeconfigPath: string;
  /** The CA that signed the serving certificate (from the kubeconfig). */
  readonly caPem: string;
  output(): { stdout: string; stderr: string };
  /** SIGTERM, then waits for the exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export interface FinishedCoxswain {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `coxswain up` to completion (for runs expected to fail at start-up). */
export function runCoxswainUp(dataDir: string, timeoutMs = 20_000): Promise<FinishedCoxswain> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [COXSWAIN_MAIN, 'up', '--data-dir', dataDir, '--port', '0', '--no-dns', '--ingress-http-port', '0', '--ingress-https-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c) => (stdout += c));
    child.stderr!.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`coxswain up did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface StartCoxswainOptions {
  timeoutMs?: number;
  /** More `coxswain up` flags, e.g. ['--sim-nodes', '3']. */
  args?: string[];
  /**
   * Run the local kubelet (default false: API and controller stories should not start host
   * processes for the pods they create).
   */
  kubelet?: boolean;
  /** Run cluster DNS (default false: it listens on a fixed address, which parallel clusters would share). */
  dns?: boolean;
}

/** Starts `coxswain up`; the second argument is a start-up timeout in ms or options. */
export async function startCoxswain(dataDir: string, options: number | StartCoxswainOptions = {}): Promise<RunningCoxswain> {
  const { timeoutMs = 30_000, args = [], kubelet = false, dns = false } = typeof options === 'number' ? { timeoutMs: options } : options;
  // Clusters of parallel tests would collide on the ingress controller's fixed ports.
  const ingressPorts = args.some((a) => a.startsWith('--ingress') || a === '--no-ingress') ? [] : ['--ingress-http-port', '0', '--ingress-https-port', '0'];
  const flags = [...(kubelet ? [] : ['--no-kubelet']), ...(dns ? [] : ['--no-dns']), ...ingressPorts, ...args];
  const child = spawn(process.execPath, [COXSWAIN_MAIN, 'up', '--data-dir', dataDir, '--port', '0', ...flags], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => (stdout += c));
  child.stderr!.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  // The last thing `up` prints is the API server's URL: from then on the kubeconfig written
  // for this run (not a previous run's, which names another port) is in place.
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`coxswain up did not start within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    const onData = () => {
      const m = /API server: (https:\/\/\S+)/.exec(stdout);
      if (m && stdout.includes('Press Ctrl-C to stop.')) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`coxswain up exited with ${code} while starting\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    });
  });

  const kubeconfigPath = join(dataDir, 'kubeconfig.yaml');
  if (!existsSync(kubeconfigPath)) throw new Error(`no kubeconfig at ${kubeconfigPath}`);
  const kubeconfig = parseYaml(readFileSync(kubeconfigPath, 'utf8')) as any;
  const cluster = kubeconfig.clusters[0].cluster;
  if (cluster.server !== url) throw new Error(`kubeconfig names ${cluster.server}, coxswain printed ${url}`);
  const caPem = Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8');
  const ready = await httpsGet(`${url}/readyz`, caPem);
  if (ready.status !== 200 || ready.body !== 'ok') throw new Error(`/readyz answered ${ready.status} ${ready.body}`);

  const pid = child.pid!;
  let stopping: Promise<number | null> | undefined;
  return {
    child,
    pid,
    url,
    kubeconfigPath,
    caPem,
    output: () => ({ stdout, stderr }),
    stop: () => {
      if (!stopping) {
        process.kill(pid, 'SIGTERM');
        stopping = exited;
      }
      return stopping;
    },
  };
}

export function httpsGet(url: string, caPem: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca: caPem }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/** Whether something accepts TCP connections at the URL's host and port. */
export function isListening(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Whether a process with this PID exists. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes a test's temporary directory holding a cluster's data dir at `<tmp>/data`, with the
 * memory-backed volumes of its pods, which live in /dev/shm (src/kubelet/volumes/empty-dir.ts).
 */
export async function removeClusterTmp(tmp: string): Promise<void> {
  await removeMemoryDirsUnder(join(tmp, 'data', 'kubelet', 'pods'));
  removeProcessRuntimeState(join(tmp, 'data'));
  await rm(tmp, { recursive: true, force: true });
}
