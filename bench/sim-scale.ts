// `coxswain sim` at scale (issue 5, part 3: 5,000 nodes and 150,000 pods in one process).
// The API server (sqlite store in a temp dir, plain HTTP on 127.0.0.1) runs in a child
// process, as `coxswain server` would; this process runs 5,000 simulated nodes over HTTP, as
// `coxswain sim` would. Pods are created already bound (spec.nodeName set at create, round-robin
// over the nodes), so no scheduler is involved: only the simulator's work is measured.
//
// Measures: time from the first create until the simulator has reported every pod Running,
// the simulator process's RSS and heap (sampled: peak, and settled after the pods run), its
// CPU per pod, the server's RSS and CPU, and the simulator's steady-state CPU once every pod
// runs (lease renewals every 10 s for every node); then, as after a crash, a fresh simulator
// takes over every running pod (relist). Prints JSON.
//
// Env: SIM_PODS (default 150000), SIM_NODES (5000), SIM_CREATORS (64), SIM_STEADY_MS (30000),
// SIM_TIMEOUT_MS (1200000: the whole run), SIM_MAX_RSS_MB (12000: abort above this),
// SIM_RESTART (default 1: then a fresh simulator takes over the running pods; time and memory).
// Run with `node --expose-gc` for a settled heap figure after a full GC.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiServer } from '../src/apiserver/server.js';
import { ApiClient } from '../src/client/api-client.js';
import { HttpTransport } from '../src/client/http-transport.js';
import { pods } from '../src/client/resources.js';
import { SimNodes } from '../src/sim/sim-nodes.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { round } from './stats.js';

const NODES = Number(process.env['SIM_NODES'] ?? 5000);
const PODS = Number(process.env['SIM_PODS'] ?? 150_000);
const CREATORS = Number(process.env['SIM_CREATORS'] ?? 64);
const STEADY_MS = Number(process.env['SIM_STEADY_MS'] ?? 30_000);
const TIMEOUT_MS = Number(process.env['SIM_TIMEOUT_MS'] ?? 20 * 60_000);
const MAX_RSS = Number(process.env['SIM_MAX_RSS_MB'] ?? 12_000) * 2 ** 20;
const LEASE_MS = 10_000;
const ROLE = process.env['SIM_ROLE'] ?? 'main';
/** 0: skip the restart phase (a second simulator takes over the running pods). */
const RESTART = process.env['SIM_RESTART'] !== '0';
const NS = 'default';
const MB = 2 ** 20;

interface ServerStats { cpuUs: number; rss: number; peakRss: number }

const cpuUs = () => { const u = process.cpuUsage(); return u.user + u.system; };

let peakRss = 0;
let peakHeap = 0;
/** Peaks since the last reset (the restart phase). */
let phasePeakRss = 0;
let phasePeakHeap = 0;

/** The child: an API server until told to stop; reports CPU and memory on request. */
async function serve(): Promise<void> {
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 500);
  const dataDir = mkdtempSync(join(tmpdir(), 'coxswain-sim-bench-'));
  const store = new SqliteStore(join(dataDir, 'state.db'));
  const server = new ApiServer({
    store, port: 0, bindAddress: '127.0.0.1',
    authenticator: { authenticate: () => ({ name: 'bench-admin', groups: ['system:masters', 'system:authenticated'] }) },
  });
  const stop = async () => {
    clearInterval(sampler);
    await server.stop().catch(() => undefined);
    await store.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  };
  // The parent died without telling us: clean up rather than linger.
  process.on('disconnect', () => void stop().then(() => process.exit(1)));
  await server.start();
  process.on('message', (msg: string) => {
    const stats = (): ServerStats => ({ cpuUs: cpuUs(), rss: process.memoryUsage.rss(), peakRss });
    if (msg === 'stats') process.send!(stats());
    if (msg === 'stop') void stop().then(() => process.send!(stats(), () => process.exit(0)));
  });
  process.send!({ url: server.url });
}

function pod(i: number): Pod {
  return {
    metadata: { name: `pod-${i}`, namespace: NS, labels: { app: 'sim-bench' } },
    spec: {
      nodeName: `sim-node-${i % NODES}`,
      containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sleepUnref = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

async function main(): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  let aborted: string | undefined;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
    phasePeakRss = Math.max(phasePeakRss, m.rss);
    phasePeakHeap = Math.max(phasePeakHeap, m.heapUsed);
    if (m.rss > MAX_RSS && !aborted) aborted = `simulator RSS ${round(m.rss / MB, 0)} MB passed SIM_MAX_RSS_MB`;
    if (Date.now() > deadline && !aborted) aborted = `SIM_TIMEOUT_MS (${TIMEOUT_MS}) reached`;
  }, 200);

  const child: ChildProcess = fork(process.argv[1]!, [], { env: { ...process.env, SIM_ROLE: 'server' }, execArgv: process.execArgv });
  const childExited = new Promise<void>((r) => child.once('exit', () => r()));
  const ask = (msg: 'stats' | 'stop') => new Promise<ServerStats>((resolve, reject) => {
    child.once('message', (m) => resolve(m as ServerStats));
    child.once('exit', () => reject(new Error('API server child exited')));
    child.send(msg);
  });
  const serverUrl = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`API server child exited with ${code}`)));
  });

  const simTransport = new HttpTransport({ server: serverUrl, maxSockets: 64 });
  const createTransport = new HttpTransport({ server: serverUrl, maxSockets: CREATORS });
  let sim: SimNodes | undefined;
  let result: Record<string, unknown> = {};
  try {
    const rssIdle = process.memoryUsage.rss();
    const tSetup = performance.now();
    sim = new SimNodes(new ApiClient(simTransport), { count: NODES, leaseRenewIntervalMs: LEASE_MS, zones: ['zone-a', 'zone-b', 'zone-c'] });
    await sim.start();
    const nodesRegisteredMs = performance.now() - tSetup;
    const gc = (globalThis as { gc?: () => void }).gc;
    // A full GC (under --expose-gc) so that the baseline holds no registration garbage.
    gc?.();
    const memNodes = process.memoryUsage();

    // The pod creators share this process with the simulator: cpuMsPerPod counts both;
    // createCpuMsPerPod is the part spent while creates were still going on.
    const creator = new ApiClient(createTransport).resource(pods, NS);
    let next = 0;
    let createErrors = 0;
    const t0 = performance.now();
    const cpu0 = cpuUs();
    const server0 = (await ask('stats')).cpuUs;
    await Promise.all(Array.from({ length: CREATORS }, async () => {
      while (next < PODS && !aborted) {
        const i = next++;
        try {
          await creator.create(pod(i));
        } catch {
          createErrors++;
        }
      }
    }));
    const createdMs = performance.now() - t0;
    const cpuCreate = cpuUs() - cpu0;
    const startedAtCreateEnd = sim.stats.podsStarted;
    const want = PODS - createErrors;
    while (sim.stats.podsStarted < want && !aborted) await sleep(50);
    const allRunningMs = performance.now() - t0;
    const cpuRun = cpuUs() - cpu0;
    const serverRun = (await ask('stats')).cpuUs - server0;
    const memRunning = process.memoryUsage();

    // Steady state: every pod runs; only leases (and the odd node status) remain.
    const renewals0 = sim.stats.leaseRenewals;
    const s0 = cpuUs();
    const sv0 = (await ask('stats')).cpuUs;
    const ts = performance.now();
    while (performance.now() - ts < STEADY_MS && !aborted) await sleep(200);
    const steadyMs = performance.now() - ts;
    const steadyCpu = cpuUs() - s0;
    const serverSteady = await ask('stats');
    const steadyRenewals = sim.stats.leaseRenewals - renewals0;
    gc?.();
    const settled = process.memoryUsage();
    const podsForPerPod = Math.max(1, sim.trackedPods);
    const tracked = sim.trackedPods;
    const stats = { ...sim.stats };
    const runPeakRss = peakRss;
    const runPeakHeap = peakHeap;

    // A restart of the simulator: the nodes exist, every pod already runs. The new one must
    // list them all (paged, slimmed), take them up without writing any status again, and keep
    // its memory to what it holds after the first run.
    let restart: Record<string, unknown> | undefined;
    if (RESTART && !aborted) {
      await sim.stop();
      gc?.();
      const before = process.memoryUsage();
      phasePeakRss = before.rss;
      phasePeakHeap = before.heapUsed;
      const tr = performance.now();
      sim = new SimNodes(new ApiClient(simTransport), { count: NODES, leaseRenewIntervalMs: LEASE_MS, zones: ['zone-a', 'zone-b', 'zone-c'] });
      await sim.start();
      const nodesMs = performance.now() - tr;
      while (sim.trackedPods < want && !aborted) await sleep(50);
      const restartMs = performance.now() - tr;
      gc?.();
      const after = process.memoryUsage();
      restart = {
        nodesReRegisteredMs: round(nodesMs, 0),
        allPodsTrackedMs: round(restartMs, 0),
        tracked: sim.trackedPods,
        /** Status writes for pods that already ran: 0 expected. */
        repatched: sim.stats.podsStarted,
        rssMB: { before: round(before.rss / MB, 1), peak: round(phasePeakRss / MB, 1), settled: round(after.rss / MB, 1) },
        heapUsedMB: { before: round(before.heapUsed / MB, 1), peak: round(phasePeakHeap / MB, 1), settled: round(after.heapUsed / MB, 1) },
      };
    }

    result = {
      benchmark: 'sim-scale',
      nodes: NODES,
      pods: PODS,
      creators: CREATORS,
      aborted,
      createErrors,
      tracked,
      running: stats.podsStarted,
      setup: { nodesRegisteredMs: round(nodesRegisteredMs, 0) },
      createPhaseMs: round(createdMs, 0),
      createsPerSecond: round((PODS - createErrors) / (createdMs / 1000), 0),
      runningWhenCreatesEnded: startedAtCreateEnd,
      /** First create → the simulator has reported every pod Running. */
      allRunningMs: round(allRunningMs, 0),
      podsRunningPerSecond: round(stats.podsStarted / (allRunningMs / 1000), 0),
      /** This process (simulator and the pod creators) from first create to all Running. */
      cpuMsPerPod: round(cpuRun / 1000 / PODS, 3),
      createCpuMsPerPod: round(cpuCreate / 1000 / PODS, 3),
      serverCpuMsPerPod: round(serverRun / 1000 / PODS, 3),
      steady: {
        windowMs: round(steadyMs, 0),
        leaseRenewals: steadyRenewals,
        renewalsPerSecond: round(steadyRenewals / (steadyMs / 1000), 0),
        /** Share of one core used by the simulator with every pod running. */
        simCpuPercent: round((steadyCpu / 1000 / steadyMs) * 100, 1),
        serverCpuPercent: round(((serverSteady.cpuUs - sv0) / 1000 / steadyMs) * 100, 1),
      },
      simRssMB: {
        idle: round(rssIdle / MB, 1),
        afterNodes: round(memNodes.rss / MB, 1),
        allRunning: round(memRunning.rss / MB, 1),
        peak: round(runPeakRss / MB, 1),
        settled: round(settled.rss / MB, 1),
      },
      simHeapUsedMB: {
        afterNodes: round(memNodes.heapUsed / MB, 1),
        allRunning: round(memRunning.heapUsed / MB, 1),
        peak: round(runPeakHeap / MB, 1),
        settled: round(settled.heapUsed / MB, 1),
        settledAfterGc: Boolean(gc),
      },
      /** Per pod, above the nodes-only baseline. */
      simPerPodKB: {
        rssPeak: round((runPeakRss - memNodes.rss) / 1024 / podsForPerPod, 2),
        rssSettled: round((settled.rss - memNodes.rss) / 1024 / podsForPerPod, 2),
        heapSettled: round((settled.heapUsed - memNodes.heapUsed) / 1024 / podsForPerPod, 2),
      },
      serverRssMB: { peak: round(serverSteady.peakRss / MB, 1), end: round(serverSteady.rss / MB, 1) },
      serverPerPodKB: round(serverSteady.rss / 1024 / PODS, 2),
      sim: stats,
      restart,
      host: { cpus: os.cpus().length, totalMemMB: round(os.totalmem() / MB, 0), loadavg: os.loadavg().map((x) => round(x, 2)) },
    };
  } catch (err) {
    result = { benchmark: 'sim-scale', error: String(err), aborted };
  } finally {
    clearInterval(sampler);
    await sim?.stop();
    createTransport.close();
    simTransport.close();
    if (child.exitCode === null) {
      await Promise.race([ask('stop').catch(() => undefined), sleepUnref(30_000)]);
      // Still there after asking: stop it by its PID.
      if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
    }
    await childExited;
  }
  process.stdout.write(JSON.stringify(result) + '\n');
}

if (ROLE === 'server') await serve();
else await main();
