// Starts the real `coxswain up` (sqlite, HTTPS, client-certificate auth) as a child process
// on a temporary data dir, and talks to it with node's https over loopback.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { removeMemoryDirsUnder } from '../src/kubelet/volumes/empty-dir.js';
import { removeProcessRuntimeState } from '../src/kubelet/runtime/process/state-dir.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const START_TIMEOUT_MS = 60_000;

export interface ClusterCredentials {
  ca: string;
  cert: string;
  key: string;
}

export interface BenchCluster {
  readonly pid: number;
  readonly url: URL;
  readonly dataDir: string;
  readonly credentials: ClusterCredentials;
  /** Stops the child by PID (SIGTERM, then SIGKILL after 10 s) and removes the data dir. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Extra node flags for the server child, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/p']. */
  nodeArgs?: string[];
  /**
   * `coxswain up` flags. Default: the API server alone (no controllers, scheduler or kubelet),
   * so API benchmarks measure the API and the pods they create never run.
   */
  upArgs?: string[];
}

export const API_ONLY_ARGS = ['--controllers', '', '--no-scheduler', '--no-kubelet', '--no-ingress', '--no-dns'];

export async function startCluster(opts: StartOptions = {}): Promise<BenchCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'coxswain-bench-'));
  const extra = [...(opts.nodeArgs ?? []), ...(process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [])];
  const argv = [process.execPath, ...extra, CLI, 'up', '--data-dir', dataDir, '--port', '0', '--bind-address', '127.0.0.1', ...(opts.upArgs ?? API_ONLY_ARGS)];
  // taskset execs node in place, so the child's PID is the server's.
  const pin = pinning();
  const [command, ...args] = pin ? ['taskset', '-c', pin.server, ...argv] : argv;
  if (pin) spawnSync('taskset', ['-a', '-p', '-c', pin.client, String(process.pid)], { stdio: 'ignore' });
  const child = spawn(command!, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CI: '1' },
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-8192);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const stop = () => stopChild(child, dataDir);
  try {
    await waitFor(() => /Coxswain is running/.test(output), child, () => output);
    const credentials = readKubeconfig(join(dataDir, 'kubeconfig.yaml'));
    const url = new URL(credentials.server);
    const cluster: BenchCluster = { pid: child.pid!, url, dataDir, credentials, stop };
    const probe = new BenchClient(cluster, 1);
    const ready = await probe.request('GET', '/readyz');
    probe.close();
    if (ready.status !== 200) throw new Error(`readyz answered ${ready.status}`);
    return cluster;
  } catch (err) {
    await stop();
    throw new Error(`coxswain up did not start: ${(err as Error).message}\n${output}`);
  }
}

function readKubeconfig(path: string): ClusterCredentials & { server: string } {
  const config = parseYaml(readFileSync(path, 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  };
  const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
  return {
    server: config.clusters[0]!.cluster.server,
    ca: b64(config.clusters[0]!.cluster['certificate-authority-data']),
    cert: b64(config.users[0]!.user['client-certificate-data']),
    key: b64(config.users[0]!.user['client-key-data']),
  };
}

function waitFor(done: () => boolean, child: ChildProcess, output: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => finish(new Error('timed out')), START_TIMEOUT_MS);
    const poll = setInterval(() => done() && finish(), 50);
    const onExit = (code: number | null) => finish(new Error(`exited with ${code}: ${output()}`));
    child.once('exit', onExit);
    function finish(err?: Error) {
      clearTimeout(deadline);
      clearInterval(poll);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    }
  });
}

async function stopChild(child: ChildProcess, dataDir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(child.pid!, 'SIGTERM');
    const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  // Pods' secret and projected volumes live in /dev/shm, outside the data dir.
  await removeMemoryDirsUnder(join(dataDir, 'kubelet', 'pods'));
  removeProcessRuntimeState(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
}

export interface Reply {
  status: number;
  body: Buffer;
  /** Wall time from sending the request to the last byte of the response. */
  ms: number;
}

/** One benchmark client: an https keep-alive agent with its own pool of `sockets` connections. */
export class BenchClient {
  readonly agent: https.Agent;

  constructor(private readonly cluster: BenchCluster, sockets = 1) {
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets: sockets,
      ca: cluster.credentials.ca,
      cert: cluster.credentials.cert,
      key: cluster.credentials.key,
    });
  }

  request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const req = https.request(
        {
          agent: this.agent,
          host: this.cluster.url.hostname,
          port: this.cluster.url.port,
          method,
          path,
          headers: {
            Accept: 'application/json',
            ...(payload !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), ms: performance.now() - started }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Like request(), but fails unless the status is the expected one. */
  async expect(status: number, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply> {
    const reply = await this.request(method, path, body, headers);
    if (reply.status !== status) {
      throw new Error(`${method} ${path}: expected ${status}, got ${reply.status}: ${reply.body.toString('utf8').slice(0, 500)}`);
    }
    return reply;
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * CPU seconds (user + system) the process has used so far, from /proc/<pid>/stat; with `tid`,
 * those of that one thread (its main thread: tid = pid).
 */
export function cpuSeconds(pid: number, tid?: number): number {
  const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 (1-based) of the full line: 11 and 12 after the comm.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * CPU seconds used so far by each of the process's threads, summed by thread name (`node` is the
 * main thread, the event loop; `libuv-worker` the thread pool; `V8Worker` the engine's
 * compiler and garbage-collector helpers). Threads that ended meanwhile are not counted.
 */
export function threadCpuSeconds(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = tid === String(pid) ? 'main' : readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      out[name] = (out[name] ?? 0) + cpuSeconds(pid, Number(tid));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** Resident set size figures of a process, from /proc/<pid>/status, in MiB. */
export function memoryMiB(pid: number): { rssMiB: number; hwmMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: Math.round(kib('VmRSS') / 102.4) / 10, hwmMiB: Math.round(kib('VmHWM') / 102.4) / 10 };
}

/** Runs `count` operations over `clients` concurrent workers; each worker takes the next index. */
export async function runConcurrently(clients: BenchClient[], count: number, op: (client: BenchClient, i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      while (next < count) await op(client, next++);
    }),
  );
  return (performance.now() - started) / 1000;
}

/**
 * Unless BENCH_PIN=0, with two or more CPUs the server gets CPU 0 and this load generator the
 * others, so the two do not take turns on one core and the figures are about the server.
 */
export function pinning(): { server: string; client: string } | undefined {
  const n = os.cpus().length;
  if (process.env.BENCH_PIN === '0' || n < 2 || !existsSync('/usr/bin/taskset')) return undefined;
  return { server: '0', client: n === 2 ? '1' : `1-${n - 1}` };
}

export interface HostInfo {
  cpus: number;
  cpuModel: string;
  node: string;
  pinned: { server: string; client: string } | null;
  loadAvg1m: number;
}

/** What the figures were measured on: the load generator shares the machine with the server. */
export function hostInfo(): HostInfo {
  const cpus = os.cpus();
  return { cpus: cpus.length, cpuModel: cpus[0]?.model ?? 'unknown', node: process.version, pinned: pinning() ?? null, loadAvg1m: round2(os.loadavg()[0]!) };
}

/**
 * Starts a sample of machine-wide CPU use; the returned function gives, since then, how busy
 * all CPUs were and how much time the hypervisor stole (both in % of all CPU time).
 */
export function machineCpuSample(): () => { busyPercent: number; stealPercent: number } {
  const read = () => readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  const before = read();
  return () => {
    const d = read().map((x, i) => x - before[i]!);
    const total = d.reduce((a, b) => a + b, 0) || 1;
    // user nice system idle iowait irq softirq steal ...
    const idle = d[3]! + d[4]!;
    return { busyPercent: Math.round((100 * (total - idle)) / total), stealPercent: round2((100 * d[7]!) / total) };
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
