// Scheduler throughput in the shape of upstream scheduler_perf SchedulingBasic: in one process
// a real API server (sqlite store in a temp dir, plain HTTP on 127.0.0.1), 5,000 simulated
// nodes and the scheduler (both in-process clients, as under `coxswain up --sim-nodes`), then
// 10,000 pods created over HTTP as fast as the API accepts them (bounded concurrency).
// Measures pods bound per second from the first create to the last binding, p99 creation →
// binding (as seen on a separate HTTP watch), and memory. Prints JSON.
//
// SCHED_SPLIT=1 runs the API server (and its store) in a child process instead, as
// `coxswain server` and `coxswain sim` would be separate processes: the scheduler and the
// simulator then talk HTTP to it, and both cores are used. cpuMsPerPod then sums both.
//
// SCHED_PROFILE_DIR=<dir> writes CPU profiles of the measured phase only (main.cpuprofile and,
// split, server.cpuprofile): unlike --cpu-prof they leave out start-up and node registration.
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiServer } from '../src/apiserver/server.js';
import { ApiClient } from '../src/client/api-client.js';
import { inProcessClient } from '../src/client/connect.js';
import { HttpTransport } from '../src/client/http-transport.js';
import { pods } from '../src/client/resources.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { SimNodes } from '../src/sim/sim-nodes.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { round, summarize } from './stats.js';

const NODES = Number(process.env['SCHED_NODES'] ?? 5000);
const PODS = Number(process.env['SCHED_PODS'] ?? 10_000);
const CREATORS = Number(process.env['SCHED_CREATORS'] ?? 32);
const LEASE_MS = Number(process.env['SCHED_LEASE_MS'] ?? 10_000);
const TIMEOUT_MS = Number(process.env['SCHED_TIMEOUT_MS'] ?? 180_000);
/**
 * By default bound pods stay Pending, as in upstream's scheduler_perf, which runs no kubelets;
 * 1: the simulated kubelets also move every pod to Running (one status write per pod more).
 */
const SIM_PODS = process.env['SCHED_SIM_PODS'] === '1';
/** 0: no "Scheduled" event per pod. */
const EVENTS = process.env['SCHED_EVENTS'] !== '0';
const NS = 'default';

function pod(i: number): Pod {
  return {
    metadata: { name: `pod-${i}`, namespace: NS, labels: { app: 'bench' } },
    spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
  };
}

/**
 * A directory: CPU profiles of the measured phase only (first create to last binding), one
 * per process (main.cpuprofile, server.cpuprofile), without the set-up that --cpu-prof includes.
 */
const PROFILE_DIR = process.env['SCHED_PROFILE_DIR'];

let profiler: Session | undefined;
async function startProfile(): Promise<void> {
  if (!PROFILE_DIR || profiler) return;
  profiler = new Session();
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}
async function stopProfile(name: string): Promise<void> {
  if (!profiler) return;
  const { profile } = await profiler.post('Profiler.stop');
  profiler.disconnect();
  profiler = undefined;
  mkdirSync(PROFILE_DIR!, { recursive: true });
  writeFileSync(join(PROFILE_DIR!, `${name}.cpuprofile`), JSON.stringify(profile));
}

/** 1: the API server runs in a child process (see the header). */
const SPLIT = process.env['SCHED_SPLIT'] === '1';
const ROLE = process.env['SCHED_ROLE'] ?? 'main';

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);

interface ServerStats { cpuUs: number; rss: number; peakRss: number }

async function startServer(): Promise<{ server: ApiServer; stop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'coxswain-sched-bench-'));
  const store = new SqliteStore(join(dataDir, 'state.db'));
  // Its own admission chain gives pods their tolerations and priority, as upstream's would.
  const server = new ApiServer({
    store,
    port: 0,
    bindAddress: '127.0.0.1',
    authenticator: { authenticate: () => ({ name: 'bench-admin', groups: ['system:masters', 'system:authenticated'] }) },
  });
  await server.start();
  return {
    server,
    async stop() {
      await server.stop();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

if (ROLE === 'server') {
  // The child of a split run: serve until told to stop; report CPU and memory on request.
  const { server, stop } = await startServer();
  const cpuUs = () => { const u = process.cpuUsage(); return u.user + u.system; };
  process.on('message', async (msg: string) => {
    const stats: ServerStats = { cpuUs: cpuUs(), rss: process.memoryUsage().rss, peakRss };
    // The first stats request marks the start of the measured phase, the second its end.
    if (msg === 'stats') {
      if (profiler) await stopProfile('server');
      else await startProfile();
      process.send!(stats);
    }
    if (msg === 'stop') void stop().then(() => {
      clearInterval(sampler);
      process.send!(stats, () => process.exit(0));
    });
  });
  process.send!({ url: server.url });
} else {
  await main();
}

async function main(): Promise<void> {
let local: Awaited<ReturnType<typeof startServer>> | undefined;
let child: ChildProcess | undefined;
let serverUrl: string;
const ask = (msg: 'stats' | 'stop') => new Promise<ServerStats>((resolve) => {
  child!.once('message', (m) => resolve(m as ServerStats));
  child!.send(msg);
});
if (SPLIT) {
  child = fork(process.argv[1]!, [], { env: { ...process.env, SCHED_ROLE: 'server' }, execArgv: process.execArgv });
  serverUrl = await new Promise<string>((resolve, reject) => {
    child!.once('message', (m) => resolve((m as { url: string }).url));
    child!.once('exit', (code) => reject(new Error(`API server child exited with ${code}`)));
  });
} else {
  local = await startServer();
  serverUrl = local.server.url;
}
const admin = { name: 'system:admin', groups: ['system:masters', 'system:authenticated'] };
const componentTransports: HttpTransport[] = [];
const componentClient = () => {
  if (local) return inProcessClient((r) => local.server.handleLocal(r), admin);
  const t = new HttpTransport({ server: serverUrl, maxSockets: 64 });
  componentTransports.push(t);
  return new ApiClient(t);
};

const tSetup = performance.now();
const sim = new SimNodes(componentClient(), {
  count: NODES, leaseRenewIntervalMs: LEASE_MS, zones: ['zone-a', 'zone-b', 'zone-c'],
  podStartDelayMs: SIM_PODS ? 0 : 24 * 3600_000,
});
await sim.start();
const nodesRegisteredMs = performance.now() - tSetup;
// As kube-scheduler, events go through a client of their own (its createClients' eventClient).
const scheduler = new Scheduler({ client: componentClient(), eventClient: componentClient(), recordScheduledEvents: EVENTS });
await scheduler.start();
while (scheduler.cache.snapshot.numNodes() < NODES) await new Promise((r) => setTimeout(r, 50));
const setupMs = performance.now() - tSetup;
const rssBeforePods = process.memoryUsage().rss;

// An independent observer: when did each pod first show up bound on a watch? It reads the
// stream with two regular expressions rather than a full parse (as bench/watch-latency.ts),
// so that measuring costs the process the scheduler runs in as little as possible.
const watchTransport = new HttpTransport({ server: serverUrl, maxSockets: 2 });
const observer = new ApiClient(watchTransport);
const createdAt = new Float64Array(PODS);
const boundAt = new Float64Array(PODS);
let boundCount = 0;
let lastBound = 0;
let allBound!: () => void;
const allBoundP = new Promise<void>((r) => (allBound = r));
const list = await observer.resource(pods, NS).list({ limit: 1 });
const POD_NAME = /"name":"pod-(\d+)"/;
const BOUND = /"nodeName":"/;
const watchRequest = http.get(`${serverUrl}/api/v1/namespaces/${NS}/pods?watch=1&resourceVersion=${list.metadata.resourceVersion}`);
const watching = new Promise<void>((resolve, reject) => {
  watchRequest.on('error', reject);
  watchRequest.on('response', (res) => {
    res.setEncoding('utf8');
    let buffered = '';
    res.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (!BOUND.test(line)) continue;
        const i = Number(POD_NAME.exec(line)?.[1]);
        if (!Number.isInteger(i) || i >= PODS || boundAt[i]) continue;
        boundAt[i] = lastBound = performance.now();
        if (++boundCount === PODS) allBound();
      }
    });
    res.on('end', resolve);
    res.on('error', resolve);
  });
});

const createTransport = new HttpTransport({ server: serverUrl, maxSockets: CREATORS });
const creator = new ApiClient(createTransport).resource(pods, NS);
let next = 0;
let createErrors = 0;
const serverCpu0 = child ? (await ask('stats')).cpuUs : 0;
await startProfile();
const t0 = performance.now();
const cpu0 = process.cpuUsage();
await Promise.all(Array.from({ length: CREATORS }, async () => {
  while (next < PODS) {
    const i = next++;
    createdAt[i] = performance.now();
    try {
      await creator.create(pod(i));
    } catch {
      createErrors++;
    }
  }
}));
const createdMs = performance.now() - t0;
const timedOut = await Promise.race([
  allBoundP.then(() => false),
  new Promise<boolean>((r) => setTimeout(() => r(true), TIMEOUT_MS).unref()),
]);
const elapsedMs = lastBound - t0;
const cpu = process.cpuUsage(cpu0);
const serverEnd = child ? await ask('stats') : undefined;
await stopProfile('main');
const serverCpuUs = serverEnd ? serverEnd.cpuUs - serverCpu0 : 0;
const latencies: number[] = [];
for (let i = 0; i < PODS; i++) if (boundAt[i]) latencies.push(boundAt[i]! - createdAt[i]!);

const result = {
  benchmark: 'scheduler-throughput',
  nodes: NODES,
  pods: PODS,
  creators: CREATORS,
  leaseRenewIntervalMs: LEASE_MS,
  simPodLifecycle: SIM_PODS,
  scheduledEvents: EVENTS,
  bound: boundCount,
  createErrors,
  timedOut,
  setup: { nodesRegisteredMs: round(nodesRegisteredMs, 0), readyMs: round(setupMs, 0) },
  createPhaseMs: round(createdMs, 0),
  createsPerSecond: round(PODS / (createdMs / 1000), 0),
  podsBoundPerSecond: round(boundCount / (elapsedMs / 1000), 0),
  firstCreateToLastBindMs: round(elapsedMs, 0),
  creationToBinding: summarize(latencies),
  /** CPU time of the whole process (server, scheduler, simulator, clients) per pod: load-independent. */
  cpuMsPerPod: round((cpu.user + cpu.system + serverCpuUs) / 1000 / PODS, 3),
  split: SPLIT,
  ...(serverEnd && {
    /** Split runs: the API server process's share of cpuMsPerPod, and its memory. */
    serverCpuMsPerPod: round(serverCpuUs / 1000 / PODS, 3),
    serverRssMB: { peak: round(serverEnd.peakRss / 2 ** 20, 1), end: round(serverEnd.rss / 2 ** 20, 1) },
  }),
  host: { cpus: os.cpus().length, loadavg: os.loadavg().map((x) => round(x, 2)) },
  /** eventsDropped: Scheduled events the recorder dropped (its queue of 1,000 was full); upstream writes them all. */
  scheduler: {
    ...scheduler.stats,
    algorithmMs: round(scheduler.stats.algorithmMs, 0),
    /** Mean time of one scheduling algorithm run (filter, score, select) over 5,000 nodes. */
    algorithmUsPerPod: round((scheduler.stats.algorithmMs * 1000) / Math.max(1, scheduler.stats.scheduled), 1),
    eventsDropped: scheduler.eventsDropped,
  },
  sim: sim.stats,
  rssMB: { beforePods: round(rssBeforePods / 2 ** 20, 1), peak: round(peakRss / 2 ** 20, 1), end: round(process.memoryUsage().rss / 2 ** 20, 1) },
  heapUsedMB: round(process.memoryUsage().heapUsed / 2 ** 20, 1),
  targetPodsPerSecond: 1000,
  met: boundCount === PODS && boundCount / (elapsedMs / 1000) >= 1000,
};

watchRequest.destroy();
await watching.catch(() => undefined);
await scheduler.stop();
await sim.stop();
createTransport.close();
watchTransport.close();
for (const t of componentTransports) t.close();
if (local) await local.stop();
if (child) await ask('stop');
clearInterval(sampler);
process.stdout.write(JSON.stringify(result) + '\n');
}
