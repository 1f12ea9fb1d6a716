// Issue 7: the floor under pod start-up on the cri runtime — what containerd, its shims, runc
// and the CNI plugins cost on this machine with no kubelet, API server or scheduler in the way.
// Starts the managed containerd exactly as `coxswain up --runtime cri` does (same pod network
// set-up, config, state tmpfs and images, src/kubelet/runtime/cri/), then drives our CriRuntime
// directly: for each level, N pods (RunPodSandbox → CreateContainer → StartContainer, the
// kubelet's order, with the configs the kubelet builds) all "created" at t0 and worked through
// `concurrency` pods at a time ("all": every pod at once; "all@G": every pod at once through
// CriRuntime's own limit of G sandbox creations at a time, "all@default" being what `coxswain
// up` runs with); then every sandbox is stopped and removed.
//
// Reports per level: wall time, per-pod latency from t0 (p50/p99, what the SLO would see if the
// kubelet worked at that concurrency) and per-pod service time, per-step times, and CPU seconds
// split by who spent them, read from cgroup v1 cpuacct (exact, children included even after
// they exit):
//   - containerd: its own threads (/proc/<pid>/stat utime+stime);
//   - cniAndShimStart: children containerd waited for (cutime+cstime): the CNI plugins and the
//     iptables they run, and each `containerd-shim-runc-v2 start`;
//   - shimsAndRunc: the rest of a cpuacct group containerd is moved into at start (shims are
//     re-parented away from containerd, but stay in its cgroup; runc runs under them);
//   - containers: the pods' cgroups (/coxswain/kubepods…: pause, sleep, and runc init once in
//     the container's cgroup);
//   - machine: every CPU of the machine (other users' work included: compare with uptime).
// CPU seconds per pod depend far less on what else runs than wall times do (they still rise
// some on a loaded machine: caches, steal); CPU s per pod × N / cores is a lower bound on the
// wall time of N pods at once. `steal` is the hypervisor's share of the machine meanwhile.
//
// Needs root, cgroup v1 cpuacct and the Debian packages. Takes the cri host lock. Stops
// containerd by PID, then removes what `coxswain reset` would (but the service proxy's chains,
// which it never makes). Prints one JSON object.
// Run: npx tsc -p . ; node dist/bench/cri-runtime-floor.js
// Env: CRI_FLOOR_PODS (100), CRI_FLOOR_LEVELS ("1,4,10,all,all@default"), CRI_FLOOR_TEARDOWN_CONCURRENCY (10);
// to measure what a choice saves: CRI_FLOOR_NO_PORTMAP=1 (conflist without portmap),
// CRI_FLOOR_STATE_ON_DISK=1 (containerd state on the data dir's file system, not a tmpfs).
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { createLogger } from '../src/logger.js';
import { connectCri } from '../src/kubelet/runtime/cri/client.js';
import { startManagedContainerd, type ManagedContainerd } from '../src/kubelet/runtime/cri/containerd.js';
import { CriRuntime, SANDBOX_CREATIONS_DEFAULT } from '../src/kubelet/runtime/cri/runtime.js';
import { installDefaultImages } from '../src/kubelet/runtime/cri/images/install-defaults.js';
import { BUSYBOX_IMAGE } from '../src/kubelet/runtime/cri/images/default-images.js';
import { NODE_DNS_ADDRESS, setUpPodNetwork, tearDownPodNetwork } from '../src/kubelet/runtime/cri/network/pod-network.js';
import { CNI_CONFLIST_NAME, CNI_NETWORK_NAME } from '../src/kubelet/runtime/cri/network/cni-config.js';
import { mountAt } from '../src/kubelet/runtime/cri/state-tmpfs.js';
import { DEFAULT_CGROUP_ROOT } from '../src/kubelet/runtime/cri/sandbox-config.js';
import { sandboxConfig } from '../src/kubelet/container-config.js';
import type { ContainerConfig, PodSandboxConfig } from '../src/kubelet/runtime/types.js';
import { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID } from '../src/kubelet/runtime/types.js';
import { removeAllPodCgroups } from '../src/kubelet/runtime/cri/sandbox-cgroups.js';
import { removeCniRules } from '../src/kubelet/runtime/cri/network/cni-iptables.js';
import { hostNet } from '../src/kubelet/runtime/cri/network/host-commands.js';
import { acquireCriHostLock } from '../test/e2e/cri-host-lock.js';
import { round, summarize } from './stats.js';

const PODS = Number(process.env.CRI_FLOOR_PODS ?? 100);
/**
 * "N": N pods at a time (the runtime not limiting); "all": every pod at once; "all@G": every
 * pod at once through CriRuntime's own limit of G sandbox creations at a time (default "all@D",
 * D = SANDBOX_CREATIONS_DEFAULT, is what `coxswain up` does).
 */
const LEVELS = (process.env.CRI_FLOOR_LEVELS ?? '1,4,10,all,all@default').split(',').map((spec) => {
  const [n, gate] = spec.trim().split('@');
  return {
    spec: spec.trim(),
    concurrency: n === 'all' ? PODS : Number(n),
    sandboxGate: gate === undefined ? 0 : gate === 'default' ? SANDBOX_CREATIONS_DEFAULT : Number(gate),
  };
});
const TEARDOWN_CONCURRENCY = Number(process.env.CRI_FLOOR_TEARDOWN_CONCURRENCY ?? 10);
const CPUACCT = '/sys/fs/cgroup/cpuacct';
const CLOCK_TICK = 100;

/** utime+stime and cutime+cstime of a process, in seconds. */
function procCpu(pid: number): { self: number; children: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14-17 of the line (utime stime cutime cstime) are 11-14 after the comm.
  return { self: (Number(f[11]) + Number(f[12])) / CLOCK_TICK, children: (Number(f[13]) + Number(f[14])) / CLOCK_TICK };
}

/** cpuacct.usage of a v1 cgroup in seconds (0 when it does not exist yet). */
function cgroupCpu(group: string): number {
  try {
    return Number(readFileSync(path.join(CPUACCT, group, 'cpuacct.usage'), 'utf8')) / 1e9;
  } catch {
    return 0;
  }
}

/** The "cpu" line of /proc/stat: user nice system idle iowait irq softirq steal. */
function procStat(): number[] {
  return readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1, 9).map(Number);
}

/** How busy the whole machine was between two samples, and the hypervisor's steal, in %. */
function machineShare(a: number[], b: number[]): { busy: number; steal: number } {
  const d = b.map((x, i) => x - a[i]!);
  const total = d.reduce((x, y) => x + y, 0) || 1;
  return { busy: round((100 * (total - d[3]! - d[4]!)) / total, 1), steal: round((100 * d[7]!) / total, 1) };
}

interface CpuSample {
  containerd: { self: number; children: number };
  containerdGroup: number;
  containers: number;
  machine: number;
}

function uptime(): string {
  return execFileSync('uptime', { encoding: 'utf8' }).trim();
}

function busyboxPod(name: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: randomUUID(), labels: { 'bench.coxswain.dev/run': 'cri-runtime-floor' } },
    spec: {
      containers: [{ name: 'sleep', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sleep', '600'] }],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 1,
    },
    status: { qosClass: 'BestEffort' },
  };
}

function sleepContainer(pod: Pod): ContainerConfig {
  return {
    metadata: { name: 'sleep', attempt: 0 },
    image: BUSYBOX_IMAGE,
    command: ['sleep', '600'],
    args: [],
    envs: [{ key: 'KUBERNETES_SERVICE_HOST', value: '10.43.0.1' }, { key: 'KUBERNETES_SERVICE_PORT', value: '443' }],
    mounts: [],
    logPath: path.join('sleep', '0.log'),
    labels: {
      [LABEL_POD_NAME]: pod.metadata!.name!,
      [LABEL_POD_NAMESPACE]: pod.metadata!.namespace!,
      [LABEL_POD_UID]: pod.metadata!.uid!,
      [LABEL_CONTAINER_NAME]: 'sleep',
    },
    annotations: { 'io.kubernetes.container.restartCount': '0', 'io.kubernetes.pod.terminationGracePeriod': '1' },
  };
}

/** Runs `count` jobs, at most `concurrency` at a time, in index order. */
async function bounded(count: number, concurrency: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await job(next++);
  }));
}

interface PodTimes {
  began: number;
  sandboxMs: number;
  createMs: number;
  startMs: number;
  done: number;
}

/**
 * What `coxswain reset` removes, less the service proxy's KUBE-* chains (this bench makes
 * none, and another bench on the machine may own them): CNI chains, links and routes, pod
 * cgroups, mounts left under the data dir.
 */
async function cleanUp(dataDir: string): Promise<string[]> {
  const net = hostNet();
  const done = [...(await removeCniRules(net, CNI_NETWORK_NAME)).map((c) => `iptables chain ${c}`), ...(await tearDownPodNetwork(dataDir, net))];
  const cgroups = await removeAllPodCgroups(DEFAULT_CGROUP_ROOT);
  if (cgroups) done.push(`${cgroups} cgroup(s) under ${DEFAULT_CGROUP_ROOT}`);
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m): m is string => !!m && m.startsWith(`${dataDir}/`));
  for (const m of mounts.sort((a, b) => b.length - a.length)) {
    try {
      execFileSync('umount', ['-l', m]);
      done.push(`mount ${m}`);
    } catch {
      // gone with its parent
    }
  }
  return done;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the cri runtime needs root');
  if (!existsSync(path.join(CPUACCT, 'cpuacct.usage'))) throw new Error(`${CPUACCT} missing: this bench reads cgroup v1 cpuacct`);
  const releaseHostLock = await acquireCriHostLock();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cx-cri-floor-'));
  const logger = createLogger('warn', { bench: 'cri-runtime-floor' });
  const benchGroup = `coxswain-cri-floor-${process.pid}`;
  const result: Record<string, unknown> = {
    benchmark: 'cri-runtime-floor',
    host: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, kernel: os.release(), uptimeBefore: uptime() },
    pods: PODS,
  };
  let managed: ManagedContainerd | undefined;
  let runtime: CriRuntime | undefined;
  let failed = false;
  const live = new Map<string, string>(); // pod name → sandbox id
  try {
    // As startCriRuntime: the host side of the pod network, then containerd.
    const cniConfDir = path.join(dataDir, 'cni', 'net.d');
    await setUpPodNetwork({ dataDir, cniConfDir });
    if (process.env.CRI_FLOOR_NO_PORTMAP === '1') {
      // What portmap costs pods without hostPorts: the same list without it.
      const file = path.join(cniConfDir, CNI_CONFLIST_NAME);
      const list = JSON.parse(readFileSync(file, 'utf8')) as { plugins: { type: string }[] };
      list.plugins = list.plugins.filter((p) => p.type !== 'portmap');
      writeFileSync(file, JSON.stringify(list, null, 2));
    }
    if (process.env.CRI_FLOOR_STATE_ON_DISK === '1') {
      // What the state tmpfs saves: a state dir that is not empty stays on disk (state-tmpfs.ts).
      const state = path.join(dataDir, 'containerd', 'state');
      mkdirSync(state, { recursive: true });
      writeFileSync(path.join(state, 'keep-on-disk'), '');
    }
    const t0 = performance.now();
    managed = await startManagedContainerd({ dataDir, cniConfDir, logger });
    const containerdPid = managed.pid!;
    mkdirSync(path.join(CPUACCT, benchGroup));
    // Shims and runc started from now on inherit the group.
    writeFileSync(path.join(CPUACCT, benchGroup, 'cgroup.procs'), String(containerdPid));
    result.containerd = { stateFs: mountAt(managed.paths.state)?.type ?? 'data dir', startupMs: Math.round(performance.now() - t0), snapshotter: managed.snapshotter, version: execFileSync('containerd', ['--version'], { encoding: 'utf8' }).trim() };
    result.cniPlugins = (JSON.parse(await readFile(path.join(cniConfDir, CNI_CONFLIST_NAME), 'utf8')) as { plugins: { type: string }[] }).plugins.map((p) => p.type);
    await installDefaultImages({ archiveDir: path.join(dataDir, 'images'), endpoint: managed.endpoint, snapshotter: managed.snapshotter });

    const pods = new Map<string, Pod>();
    const { client } = await connectCri(managed.endpoint);
    const newRuntime = (maxParallelSandboxCreations: number) => new CriRuntime({
      client,
      rootDir: path.join(dataDir, 'cri'),
      podSpec: async (meta) => pods.get(meta.name),
      maxParallelSandboxCreations,
    });
    const baseRuntime = newRuntime(0);
    runtime = baseRuntime;
    const ctx = { logRoot: path.join(dataDir, 'pod-logs'), clusterDNS: [NODE_DNS_ADDRESS], clusterDomain: 'cluster.local' };

    const sample = (): CpuSample => ({
      containerd: procCpu(containerdPid),
      containerdGroup: cgroupCpu(benchGroup),
      containers: cgroupCpu(DEFAULT_CGROUP_ROOT),
      machine: cgroupCpu(''),
    });
    const cpuBetween = (a: CpuSample, b: CpuSample, per: number) => {
      const containerd = b.containerd.self - a.containerd.self;
      const children = b.containerd.children - a.containerd.children;
      const group = b.containerdGroup - a.containerdGroup;
      const containers = b.containers - a.containers;
      const total = group + containers;
      const perPod = (x: number) => round(x / per, 4);
      return {
        seconds: {
          containerd: round(containerd, 2), cniAndShimStart: round(children, 2), shimsAndRunc: round(group - containerd - children, 2),
          containers: round(containers, 2), total: round(total, 2), machine: round(b.machine - a.machine, 2),
        },
        perPod: {
          containerd: perPod(containerd), cniAndShimStart: perPod(children), shimsAndRunc: perPod(group - containerd - children),
          containers: perPod(containers), total: perPod(total),
        },
        totalPerPod: total / per,
      };
    };

    const startPod = async (rt: CriRuntime, name: string): Promise<PodTimes> => {
      const pod = busyboxPod(name);
      pods.set(name, pod);
      const sandbox: PodSandboxConfig = sandboxConfig(pod, 0, ctx);
      const began = performance.now();
      const id = await rt.runPodSandbox(sandbox);
      live.set(name, id);
      const t1 = performance.now();
      const cid = await rt.createContainer(id, sleepContainer(pod), sandbox);
      const t2 = performance.now();
      await rt.startContainer(cid);
      const done = performance.now();
      return { began, sandboxMs: t1 - began, createMs: t2 - t1, startMs: done - t2, done };
    };
    const removeAll = async (): Promise<void> => {
      const entries = [...live];
      await bounded(entries.length, TEARDOWN_CONCURRENCY, async (i) => {
        const [name, id] = entries[i]!;
        await baseRuntime.stopPodSandbox(id);
        await baseRuntime.removePodSandbox(id);
        live.delete(name);
        pods.delete(name);
      });
    };

    // One pod first: the first sandbox creates the bridge and loads what stays loaded.
    const warm = await startPod(baseRuntime, 'floor-warmup');
    result.warmupPodMs = Math.round(warm.done - warm.began);
    await removeAll();

    const levels: unknown[] = [];
    for (const { spec, concurrency, sandboxGate } of LEVELS) {
      const rt = sandboxGate ? newRuntime(sandboxGate) : baseRuntime;
      const names = Array.from({ length: PODS }, (_, i) => `floor-${spec.replace('@', '-g')}-${i}`);
      const times: PodTimes[] = [];
      const before = sample();
      const machineBefore = procStat();
      const load = os.loadavg()[0];
      const start = performance.now();
      await bounded(PODS, concurrency, async (i) => {
        times[i] = await startPod(rt, names[i]!);
      });
      const wallS = (performance.now() - start) / 1000;
      const cpu = cpuBetween(before, sample(), PODS);
      const machine = machineShare(machineBefore, procStat());
      const tdBefore = sample();
      const tdStart = performance.now();
      await removeAll();
      const teardownWallS = (performance.now() - tdStart) / 1000;
      const teardownCpu = cpuBetween(tdBefore, sample(), PODS);
      levels.push({
        level: spec,
        concurrency,
        maxParallelSandboxCreations: sandboxGate || 'unlimited',
        loadAvg1mBefore: round(load ?? 0, 2),
        wallSeconds: round(wallS, 3),
        // As if all N were created at t0 and the kubelet worked at this concurrency.
        latencyFromT0: summarize(times.map((t) => t.done - start)),
        firstRunningMs: round(Math.min(...times.map((t) => t.done - start))),
        servicePerPod: summarize(times.map((t) => t.done - t.began)),
        steps: {
          runPodSandbox: summarize(times.map((t) => t.sandboxMs)),
          createContainer: summarize(times.map((t) => t.createMs)),
          startContainer: summarize(times.map((t) => t.startMs)),
        },
        cpu: cpu.seconds,
        machinePercent: machine,
        cpuPerPod: cpu.perPod,
        // CPU s per pod × N / cores: no schedule on this machine can start N pods faster.
        cpuBoundWallSecondsForN: round((cpu.totalPerPod * PODS) / os.cpus().length, 2),
        podsPerSecond: round(PODS / wallS, 1),
        teardown: { concurrency: TEARDOWN_CONCURRENCY, wallSeconds: round(teardownWallS, 3), cpu: teardownCpu.seconds, cpuPerPod: teardownCpu.perPod },
        uptimeAfter: uptime(),
      });
      process.stderr.write(`${spec}: ${round(wallS, 2)} s, ${round(cpu.totalPerPod, 3)} CPU s/pod\n`);
    }
    result.levels = levels;
  } catch (err) {
    failed = true;
    result.error = (err as Error).stack ?? String(err);
  } finally {
    // Sandboxes first (their shims and network namespaces), then containerd by PID, then reset.
    if (runtime) {
      await runtime.removeAll().catch((err: unknown) => { result.removeError = String(err); });
      await runtime.close();
    }
    await managed?.stop();
    result.reset = await cleanUp(dataDir).catch((err: unknown) => [`clean-up failed: ${(err as Error).message}`]);
    try {
      rmdirSync(path.join(CPUACCT, benchGroup));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') result.cgroupCleanup = String(err);
    }
    rmSync(dataDir, { recursive: true, force: true });
    await releaseHostLock();
    result.uptimeAfter = uptime();
  }
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  if (failed) process.exitCode = 1;
}

await main();
