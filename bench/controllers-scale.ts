// Controllers keep up (issue 4): 1,000 Deployments of 10 replicas created at once; how long
// until all 1,000 ReplicaSets and 10,000 pods exist, and what the controller manager costs.
//
// Layout, as upstream runs it: the API server (`coxswain up --controllers "" --no-scheduler`,
// sqlite, HTTPS) and the controller manager (`coxswain controller-manager --kubeconfig`, all
// controllers) are two child processes, so each one's RSS and CPU time come from its own
// /proc/<pid>. In one process the controllers' memory and CPU would be mixed with the API
// server's (and with this load generator's). CTRL_CM_INPROCESS=1 runs the controllers inside
// `up` instead (the `coxswain up` layout: no HTTP between them) for comparison; the
// controller-manager figures are then those of that one process.
//
// No scheduler and no nodes: the pods stay Pending. This process creates the Deployments over
// HTTPS with bounded concurrency and counts ReplicaSets and pods as they appear on watches,
// then checks the counts with a paginated list. Prints JSON; times out with a partial result.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiClient, type ResourceClient } from '../src/client/api-client.js';
import { HttpTransport } from '../src/client/http-transport.js';
import { loadKubeconfigFile } from '../src/client/kubeconfig.js';
import { deployments, events, pods, replicaSets, type ObjectWithMeta } from '../src/client/resources.js';
import { cpuSeconds, machineCpuSample, memoryMiB } from './cluster.js';
import { round, summarize } from './stats.js';

const DEPLOYMENTS = Number(process.env['CTRL_DEPLOYMENTS'] ?? 1000);
const REPLICAS = Number(process.env['CTRL_REPLICAS'] ?? 10);
const CREATORS = Number(process.env['CTRL_CREATORS'] ?? 32);
const TIMEOUT_MS = Number(process.env['CTRL_TIMEOUT_MS'] ?? 600_000);
/** After the last pod: how long to wait for every Deployment's status to count its replicas. */
const SETTLE_TIMEOUT_MS = Number(process.env['CTRL_SETTLE_TIMEOUT_MS'] ?? 60_000);
const IN_PROCESS = process.env['CTRL_CM_INPROCESS'] === '1';
/** After that: the longest wait for the controller manager to go quiet (its event writes drained). */
const QUIET_TIMEOUT_MS = Number(process.env['CTRL_QUIET_TIMEOUT_MS'] ?? 180_000);
/** `up` logs at warn by default, the standalone controller manager at info: use `up`'s. */
const CM_LOG_LEVEL = process.env['CTRL_CM_LOG_LEVEL'] ?? 'warn';
const NS = process.env['CTRL_NAMESPACE'] ?? 'default';
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const START_TIMEOUT_MS = 60_000;
const nodeFlags = (name: string) => process.env[name]?.split(' ').filter(Boolean) ?? [];

function deployment(i: number): Deployment {
  const labels = { app: `d-${i}` };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `d-${i}`, namespace: NS, labels },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [{
            name: 'main', image: 'busybox:1.36', command: ['sleep', '3600'],
            resources: { requests: { cpu: '10m', memory: '16Mi' } },
          }],
        },
      },
    },
  };
}

/** A child `coxswain …` process whose output we keep the tail of, for error messages. */
interface Child {
  proc: ChildProcess;
  pid: number;
  output(): string;
}

function startChild(args: string[], flagsEnv: string): Child {
  const proc = spawn(process.execPath, [...nodeFlags(flagsEnv), CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CI: '1' },
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-8192);
  };
  proc.stdout!.on('data', collect);
  proc.stderr!.on('data', collect);
  return { proc, pid: proc.pid!, output: () => output };
}

function waitForOutput(child: Child, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => finish(new Error(`timed out waiting for ${pattern}`)), START_TIMEOUT_MS);
    const poll = setInterval(() => pattern.test(child.output()) && finish(), 50);
    const onExit = (code: number | null) => finish(new Error(`exited with ${code}`));
    child.proc.once('exit', onExit);
    function finish(err?: Error) {
      clearTimeout(deadline);
      clearInterval(poll);
      child.proc.off('exit', onExit);
      if (err) reject(new Error(`${err.message}\n${child.output()}`));
      else resolve();
    }
  });
}

/** SIGTERM by PID, SIGKILL after 10 s; the CPU profile (if any) is written on SIGTERM. */
async function stopChild(child: Child | undefined): Promise<void> {
  if (!child || child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.proc.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => child.proc.exitCode === null && process.kill(child.pid, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Peak and latest VmRSS of a process, sampled (VmHWM from the kernel is the true peak). */
class RssSampler {
  private timer: NodeJS.Timeout;
  peakMiB = 0;
  constructor(private readonly pid: number) {
    this.timer = setInterval(() => this.sample(), 250);
  }
  sample(): { rssMiB: number; hwmMiB: number } {
    const m = memoryMiB(this.pid);
    this.peakMiB = Math.max(this.peakMiB, m.rssMiB);
    return m;
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * Names of one resource's objects in NS as a watch reports them, from a listed
 * resourceVersion on; `onEvent` sees every listed or watched object. Re-watches from the last
 * resourceVersion if the server ends the stream; relists on an ERROR (e.g. 410 Expired).
 */
class NameCounter<T extends ObjectWithMeta> {
  readonly names = new Set<string>();
  /** Watch events by type: how many writes the controllers made to this resource. */
  readonly eventCounts: Record<string, number> = {};
  private stopped = false;
  private cancel: (() => void) | undefined;
  readonly done: Promise<void>;

  constructor(private readonly resource: ResourceClient<T>, private readonly onEvent: (obj: T, counter: NameCounter<T>) => void) {
    // A watch broken by the server stopping at the end is not a result.
    this.done = this.run().catch(() => undefined);
  }

  private async run(): Promise<void> {
    let rv = await this.relist();
    while (!this.stopped) {
      const watch = await this.resource.watch({ resourceVersion: rv, timeoutSeconds: 3600 });
      this.cancel = () => watch.cancel();
      if (this.stopped) watch.cancel();
      for await (const ev of watch) {
        if (ev.type === 'ERROR') {
          rv = await this.relist();
          break;
        }
        const obj = ev.object as T;
        rv = obj.metadata?.resourceVersion ?? rv;
        this.eventCounts[ev.type] = (this.eventCounts[ev.type] ?? 0) + 1;
        if (ev.type === 'DELETED') continue;
        if (ev.type !== 'BOOKMARK') this.see(obj);
      }
    }
  }

  private async relist(): Promise<string> {
    const list = await this.resource.listAll({ pageSize: 500 });
    for (const obj of list.items) this.see(obj);
    return list.metadata.resourceVersion ?? '0';
  }

  private see(obj: T): void {
    this.names.add(obj.metadata!.name!);
    this.onEvent(obj, this);
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
  }
}

/** A promise that resolves when `check()` first holds after `poke()`; or never. */
function milestone(check: () => boolean): { poke(): void; at: number | undefined; reached: Promise<void> } {
  let resolve!: () => void;
  const m = {
    at: undefined as number | undefined,
    reached: new Promise<void>((r) => (resolve = r)),
    poke() {
      if (m.at === undefined && check()) {
        m.at = performance.now();
        resolve();
      }
    },
  };
  return m;
}

/** Resolves 'done' once `pid` used < 0.02 CPU seconds in one second, or 'timeout'. */
async function waitForQuiet(pid: number, limitMs: number): Promise<'done' | 'timeout'> {
  const deadline = performance.now() + limitMs;
  let last = cpuSeconds(pid);
  while (performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = cpuSeconds(pid);
    if (now - last < 0.02) return 'done';
    last = now;
  }
  return 'timeout';
}

const timeout = (ms: number) => new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref());
const since = (t0: number, t: number | undefined) => (t === undefined ? null : round((t - t0) / 1000, 2));

// --- start the cluster -------------------------------------------------------------------
const hostAtStart = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version, loadavgAtStart: os.loadavg().map((x) => round(x, 2)) };
const dataDir = mkdtempSync(join(tmpdir(), 'coxswain-ctrl-bench-'));
let server: Child | undefined;
let cm: Child | undefined;
const cleanup = async () => {
  await stopChild(cm);
  await stopChild(server);
  rmSync(dataDir, { recursive: true, force: true });
};
process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

try {
  server = startChild(
    ['up', '--data-dir', dataDir, '--port', '0', '--bind-address', '127.0.0.1', '--no-scheduler', '--no-kubelet', '--no-ingress', '--no-dns',
      ...(IN_PROCESS ? [] : ['--controllers', ''])],
    'BENCH_SERVER_NODE_ARGS',
  );
  await waitForOutput(server, /Coxswain is running/);
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  if (!IN_PROCESS) {
    cm = startChild(['controller-manager', '--kubeconfig', kubeconfig, '--log-level', CM_LOG_LEVEL], 'BENCH_CM_NODE_ARGS');
    await waitForOutput(cm, /controller-manager running against/);
  }
  const cmPid = cm?.pid ?? server.pid;
  const transportOpts = loadKubeconfigFile(kubeconfig);
  const creatorTransport = new HttpTransport({ ...transportOpts, maxSockets: CREATORS, userAgent: 'bench-creator' });
  const observerTransport = new HttpTransport({ ...transportOpts, maxSockets: 8, userAgent: 'bench-observer' });
  const creator = new ApiClient(creatorTransport).resource(deployments, NS);
  const observer = new ApiClient(observerTransport);

  // Let the start-up settle so the idle figures are not mid-initialisation.
  await new Promise((r) => setTimeout(r, 2000));
  const cmIdle = memoryMiB(cmPid);
  const serverIdle = memoryMiB(server.pid);
  const cmCpu0 = cpuSeconds(cmPid);
  const serverCpu0 = cpuSeconds(server.pid);
  const cmRss = new RssSampler(cmPid);
  const serverRss = new RssSampler(server.pid);
  const machine = machineCpuSample();
  const rvAtStart = (await observer.resource(events, NS).list({ limit: 1 })).metadata.resourceVersion ?? '0';

  const expectedPods = DEPLOYMENTS * REPLICAS;
  const allRs = milestone(() => rsCounter.names.size >= DEPLOYMENTS);
  const allPods = milestone(() => podCounter.names.size >= expectedPods);
  const settledDeployments = new Set<string>();
  const allSettled = milestone(() => settledDeployments.size >= DEPLOYMENTS);
  let firstRsAt: number | undefined;
  let firstPodAt: number | undefined;
  const rsCounter = new NameCounter<ReplicaSet>(observer.resource(replicaSets, NS), () => {
    firstRsAt ??= performance.now();
    allRs.poke();
  });
  const podCounter = new NameCounter<Pod>(observer.resource(pods, NS), () => {
    firstPodAt ??= performance.now();
    allPods.poke();
  });
  // A Deployment has settled when its controller has seen this generation and counts every replica.
  const deploymentCounter = new NameCounter<Deployment>(observer.resource(deployments, NS), (d) => {
    const s = d.status;
    if (s && s.replicas === REPLICAS && (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1)) settledDeployments.add(d.metadata!.name!);
    allSettled.poke();
  });
  // Progress samples every 5 s: how the counts and the controller manager's memory grow.
  const progress: { s: number; rs: number; pods: number; settled: number; cmRssMiB: number; serverRssMiB: number }[] = [];

  // --- create the Deployments ------------------------------------------------------------
  const t0 = performance.now();
  const progressTimer = setInterval(() => progress.push({
    s: round((performance.now() - t0) / 1000, 1), rs: rsCounter.names.size, pods: podCounter.names.size,
    settled: settledDeployments.size, cmRssMiB: cmRss.sample().rssMiB, serverRssMiB: serverRss.sample().rssMiB,
  }), 5000);
  let next = 0;
  let createErrors = 0;
  let firstCreateError: string | undefined;
  const createMs: number[] = [];
  await Promise.all(Array.from({ length: CREATORS }, async () => {
    while (next < DEPLOYMENTS) {
      const i = next++;
      try {
        const started = performance.now();
        await creator.create(deployment(i));
        createMs.push(performance.now() - started);
      } catch (err) {
        createErrors++;
        firstCreateError ??= (err as Error).message;
      }
    }
  }));
  const createdAt = performance.now();

  const outcome = await Promise.race([Promise.all([allRs.reached, allPods.reached]).then(() => 'done' as const), timeout(Math.max(0, TIMEOUT_MS - (performance.now() - t0)))]);
  const cmAtPods = { ...cmRss.sample(), cpuSeconds: round(cpuSeconds(cmPid) - cmCpu0, 2) };
  const serverAtPods = { ...serverRss.sample(), cpuSeconds: round(cpuSeconds(server.pid) - serverCpu0, 2) };
  const settleOutcome = outcome === 'done' ? await Promise.race([allSettled.reached.then(() => 'done' as const), timeout(SETTLE_TIMEOUT_MS)]) : 'skipped';
  // Quiet: the controller manager used under 2% of a CPU over the last second, i.e. it has
  // also written the Events it queued while creating pods (they are sent one at a time).
  const quietOutcome = outcome === 'done' ? await waitForQuiet(cmPid, Math.min(QUIET_TIMEOUT_MS, Math.max(0, TIMEOUT_MS - (performance.now() - t0)))) : 'skipped';
  const quietAt = quietOutcome === 'done' ? performance.now() - 1000 : undefined;
  clearInterval(progressTimer);
  const machineCpu = machine();
  const cmEnd = { ...cmRss.sample(), cpuSeconds: round(cpuSeconds(cmPid) - cmCpu0, 2) };
  const serverEnd = { ...serverRss.sample(), cpuSeconds: round(cpuSeconds(server.pid) - serverCpu0, 2) };
  cmRss.stop();
  serverRss.stop();
  rsCounter.stop();
  podCounter.stop();
  deploymentCounter.stop();

  // The watches' counts, checked against what a paginated list says (and how many Events the
  // controllers recorded on the way: each is an API write too).
  const [listedRs, listedPods, listedEvents] = await Promise.all([
    observer.resource(replicaSets, NS).listAll({ pageSize: 500 }),
    observer.resource(pods, NS).listAll({ pageSize: 500 }),
    observer.resource(events, NS).listAll({ pageSize: 500 }),
  ]);
  creatorTransport.close();
  observerTransport.close();

  const podsSeconds = allPods.at !== undefined ? (allPods.at - t0) / 1000 : undefined;
  const podsFromFirst = allPods.at !== undefined && firstPodAt !== undefined ? (allPods.at - firstPodAt) / 1000 : undefined;
  const result = {
    benchmark: 'controllers-scale',
    layout: IN_PROCESS ? 'controllers inside `coxswain up` (one process)' : 'API server and controller manager as two processes over HTTPS',
    deployments: DEPLOYMENTS,
    replicasEach: REPLICAS,
    creators: CREATORS,
    namespace: NS,
    timedOut: outcome === 'timeout',
    createErrors,
    firstCreateError: firstCreateError ?? null,
    /** Seconds from the first Deployment create. */
    seconds: {
      createDeployments: round((createdAt - t0) / 1000, 2),
      firstReplicaSet: since(t0, firstRsAt),
      allReplicaSets: since(t0, allRs.at),
      firstPod: since(t0, firstPodAt),
      allPods: since(t0, allPods.at),
      allDeploymentStatusesSettled: since(t0, allSettled.at),
      controllerManagerQuiet: since(t0, quietAt),
    },
    settleOutcome,
    quietOutcome,
    /** Latency of each Deployment create (HTTPS, 32 in flight): how the API server kept up meanwhile. */
    deploymentCreateLatency: summarize(createMs),
    counts: {
      replicaSetsSeen: rsCounter.names.size,
      podsSeen: podCounter.names.size,
      deploymentsSettled: settledDeployments.size,
      replicaSetsListed: listedRs.items.length,
      podsListed: listedPods.items.length,
      eventsListed: listedEvents.items.length,
    },
    /** Writes seen on the watches (ADDED = creates, MODIFIED = updates, mostly status). */
    watchEvents: { deployments: deploymentCounter.eventCounts, replicaSets: rsCounter.eventCounts, pods: podCounter.eventCounts },
    /** Every write the store took during the run (resourceVersion is one global revision). */
    storeWrites: Number(listedEvents.metadata.resourceVersion) - Number(rvAtStart),
    deploymentsCreatedPerSecond: round(DEPLOYMENTS / ((createdAt - t0) / 1000), 1),
    /** Pods that exist ÷ seconds from the first Deployment create to the last pod. */
    podsCreatedPerSecond: podsSeconds ? round(podCounter.names.size / podsSeconds, 1) : round(podCounter.names.size / ((performance.now() - t0) / 1000), 1),
    /** The same from the first pod to the last: the controllers' own pace. */
    podsCreatedPerSecondFromFirstPod: podsFromFirst ? round((podCounter.names.size - 1) / podsFromFirst, 1) : null,
    controllerManager: {
      pid: cmPid,
      separateProcess: !IN_PROCESS,
      idle: cmIdle,
      atAllPods: cmAtPods,
      /** When quiet (or at the settle/timeout if it never went quiet). */
      end: cmEnd,
      peakSampledRssMiB: cmRss.peakMiB,
      /** Kernel high-water mark of RSS over the process's life. */
      peakRssMiB: cmEnd.hwmMiB,
      cpuMsPerPod: round((cmEnd.cpuSeconds * 1000) / Math.max(1, podCounter.names.size), 3),
    },
    apiServer: {
      pid: server.pid,
      idle: serverIdle,
      atAllPods: serverAtPods,
      end: serverEnd,
      peakSampledRssMiB: serverRss.peakMiB,
      peakRssMiB: serverEnd.hwmMiB,
      cpuMsPerPod: round((serverEnd.cpuSeconds * 1000) / Math.max(1, podCounter.names.size), 3),
    },
    progress,
    host: { ...hostAtStart, loadavgAtEnd: os.loadavg().map((x) => round(x, 2)), machineCpu },
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} catch (err) {
  process.stderr.write(`controllers-scale failed: ${(err as Error).stack ?? String(err)}\n`);
  if (cm) process.stderr.write(`controller manager output:\n${cm.output()}\n`);
  if (server) process.stderr.write(`server output:\n${server.output()}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
