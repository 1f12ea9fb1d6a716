// Cluster DNS benchmark: queries per second and latency for cluster names.
//
// This process runs an in-memory API server (1,000 ClusterIP Services, 100 headless Services
// with 10 ready endpoints each) and the cluster DNS server on 127.0.0.1. A child process (this
// file again, with --load) sends UDP queries: a closed loop with 64 in flight (throughput,
// latency under saturation), then one at a time (service time). The mix is 70% A for a
// ClusterIP Service, 10% A for a headless Service, 10% SRV for a named port, 10% NXDOMAIN.
// Everything stays on loopback; each phase is bounded in count and time; the child is
// stopped by PID. Prints one JSON object.
// Run: npx tsc -p . ; node dist/bench/dns.js
import { fork } from 'node:child_process';
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { ApiServer } from '../src/apiserver/server.js';
import { inProcessClient } from '../src/client/connect.js';
import { endpointSlices, namespaces, services } from '../src/client/resources.js';
import { startClusterDNS } from '../src/dns/index.js';
import { MemoryStore } from '../src/store/memory.js';
import { hostInfo, machineCpuSample } from './cluster.js';
import { round, summarize, type LatencySummary } from './stats.js';

const CLUSTER_IP_SERVICES = Number(process.env.BENCH_DNS_SERVICES ?? 1000);
const HEADLESS_SERVICES = Number(process.env.BENCH_DNS_HEADLESS ?? 100);
const ENDPOINTS_PER_HEADLESS = 10;
const SATURATION_QUERIES = Number(process.env.BENCH_DNS_QUERIES ?? 300_000);
const SATURATION_SECONDS = Number(process.env.BENCH_DNS_SECONDS ?? 15);
const SERIAL_QUERIES = Number(process.env.BENCH_DNS_SERIAL ?? 5_000);
const WARMUP_QUERIES = 30_000;
const IN_FLIGHT = Number(process.env.BENCH_DNS_IN_FLIGHT ?? 64);
const SOCKETS = 4;
/** A query unanswered for this long counts as lost (UDP may drop under overload). */
const LOST_AFTER_MS = 1000;
const NS = 'bench';

interface LoadRequest {
  port: number;
  names: { name: string; type: 'A' | 'SRV'; rcode: number }[];
  phases: { label: string; count: number; inFlight: number; maxSeconds: number }[];
}

interface PhaseResult {
  label: string;
  answered: number;
  lost: number;
  wrongRcode: number;
  seconds: number;
  latencies: number[];
}

// ---------------------------------------------------------------- load generator (child)

async function runLoad(req: LoadRequest): Promise<PhaseResult[]> {
  const templates = req.names.map((n) => dnsPacket.encode({ type: 'query', id: 0, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: n.type, name: n.name, class: 'IN' }] }));
  const results: PhaseResult[] = [];
  const sockets = await Promise.all(Array.from({ length: SOCKETS }, () => new Promise<dgram.Socket>((resolve) => {
    const s = dgram.createSocket('udp4');
    s.bind(0, '127.0.0.1', () => resolve(s));
  })));
  for (const phase of req.phases) results.push(await loadPhase(req, templates, sockets, phase));
  for (const s of sockets) s.close();
  return results;
}

function loadPhase(req: LoadRequest, templates: Buffer[], sockets: dgram.Socket[], phase: LoadRequest['phases'][number]): Promise<PhaseResult> {
  return new Promise((resolve) => {
    const latencies: number[] = [];
    let sent = 0;
    let lost = 0;
    let wrongRcode = 0;
    let finished = false;
    const started = performance.now();
    const deadline = started + phase.maxSeconds * 1000;
    const perSocket = Math.max(1, Math.floor(phase.inFlight / sockets.length));
    const active = phase.inFlight < sockets.length ? sockets.slice(0, phase.inFlight) : sockets;
    const pending = active.map(() => new Map<number, { at: number; expect: number }>());
    let nextId = 0;
    const send = (k: number) => {
      if (sent >= phase.count || performance.now() > deadline) return;
      const i = sent++;
      const which = (i * 7919) % templates.length;
      const q = Buffer.from(templates[which]!);
      let id = nextId = (nextId + 1) & 0xffff;
      while (pending[k]!.has(id)) id = nextId = (nextId + 1) & 0xffff;
      q.writeUInt16BE(id, 0);
      pending[k]!.set(id, { at: performance.now(), expect: req.names[which]!.rcode });
      active[k]!.send(q, req.port, '127.0.0.1');
    };
    const maybeDone = () => {
      if (finished) return;
      const outstanding = pending.reduce((n, m) => n + m.size, 0);
      if (outstanding === 0 && (sent >= phase.count || performance.now() > deadline)) {
        finished = true;
        clearInterval(sweeper);
        for (const s of active) s.removeAllListeners('message');
        resolve({ label: phase.label, answered: latencies.length, lost, wrongRcode, seconds: (performance.now() - started) / 1000, latencies });
      }
    };
    active.forEach((socket, k) => {
      socket.on('message', (msg) => {
        const p = pending[k]!.get(msg.readUInt16BE(0));
        if (!p) return;
        pending[k]!.delete(msg.readUInt16BE(0));
        latencies.push(performance.now() - p.at);
        if ((msg.readUInt16BE(2) & 0xf) !== p.expect) wrongRcode++;
        send(k);
        maybeDone();
      });
    });
    const sweeper = setInterval(() => {
      const now = performance.now();
      pending.forEach((m, k) => {
        for (const [id, p] of m) {
          if (now - p.at < LOST_AFTER_MS) continue;
          m.delete(id);
          lost++;
          send(k);
        }
      });
      maybeDone();
    }, 100);
    active.forEach((_, k) => {
      for (let j = 0; j < perSocket; j++) send(k);
    });
  });
}

if (process.argv.includes('--load')) {
  process.once('message', (req: LoadRequest) => {
    void runLoad(req).then((results) => {
      process.send!(results, () => process.exit(0));
    });
  });
} else {
  await main();
}

// ---------------------------------------------------------------- server side (parent)

async function main(): Promise<void> {
  const host = hostInfo();
  const store = new MemoryStore();
  const api = new ApiServer({ store, port: 0, authenticator: { authenticate: () => ({ name: 'bench', groups: ['system:masters'] }) } });
  await api.start();
  const client = inProcessClient((r) => api.handleLocal(r), { name: 'bench', groups: ['system:masters'] });
  let dns: Awaited<ReturnType<typeof startClusterDNS>> | undefined;
  try {
    await client.resource(namespaces).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const svcs = client.resource(services, NS);
    const slices = client.resource(endpointSlices, NS);
    const created = performance.now();
    for (let i = 0; i < CLUSTER_IP_SERVICES; i++) {
      const ip = `10.43.${100 + Math.floor(i / 250)}.${(i % 250) + 1}`;
      await svcs.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}`, namespace: NS }, spec: { clusterIP: ip, clusterIPs: [ip], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
    }
    for (let i = 0; i < HEADLESS_SERVICES; i++) {
      await svcs.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: `hl-${i}`, namespace: NS }, spec: { clusterIP: 'None', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
      await slices.create({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: `hl-${i}-x`, namespace: NS, labels: { 'kubernetes.io/service-name': `hl-${i}` } },
        addressType: 'IPv4',
        endpoints: Array.from({ length: ENDPOINTS_PER_HEADLESS }, (_, j) => ({ addresses: [`10.42.${i % 250}.${j + 1}`], conditions: { ready: true }, hostname: `hl-${i}-${j}` })),
        ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
      });
    }
    const objectsSeconds = (performance.now() - created) / 1000;

    const syncStarted = performance.now();
    dns = await startClusterDNS(client, { listen: [{ address: '127.0.0.1', port: 0 }], upstreams: [] });
    const syncSeconds = (performance.now() - syncStarted) / 1000;
    const port = dns.addresses[0]!.port;

    const names: LoadRequest['names'] = [];
    for (let i = 0; i < 70; i++) names.push({ name: `svc-${(i * 13) % CLUSTER_IP_SERVICES}.${NS}.svc.cluster.local`, type: 'A', rcode: 0 });
    for (let i = 0; i < 10; i++) names.push({ name: `hl-${(i * 7) % HEADLESS_SERVICES}.${NS}.svc.cluster.local`, type: 'A', rcode: 0 });
    for (let i = 0; i < 10; i++) names.push({ name: `_http._tcp.svc-${(i * 31) % CLUSTER_IP_SERVICES}.${NS}.svc.cluster.local`, type: 'SRV', rcode: 0 });
    for (let i = 0; i < 10; i++) names.push({ name: `missing-${i}.${NS}.svc.cluster.local`, type: 'A', rcode: 3 });

    const phases: LoadRequest['phases'] = [
      { label: 'warmup', count: WARMUP_QUERIES, inFlight: IN_FLIGHT, maxSeconds: 10 },
      { label: 'saturation', count: SATURATION_QUERIES, inFlight: IN_FLIGHT, maxSeconds: SATURATION_SECONDS },
      { label: 'serial', count: SERIAL_QUERIES, inFlight: 1, maxSeconds: 10 },
    ];
    const cpu0 = process.cpuUsage();
    const machine = machineCpuSample();
    const results = await runChild({ port, names, phases }, 10 + SATURATION_SECONDS + 10 + 30);
    const cpu = process.cpuUsage(cpu0);
    const { busyPercent, stealPercent } = machine();

    const phase = (label: string) => {
      const r = results.find((x) => x.label === label)!;
      const summary: LatencySummary = summarize(r.latencies);
      return { ...summary, qps: Math.round(r.answered / r.seconds), answered: r.answered, lost: r.lost, wrongRcode: r.wrongRcode, seconds: round(r.seconds) };
    };
    const saturation = phase('saturation');
    const serial = phase('serial');
    const totalQueries = results.reduce((n, r) => n + r.answered + r.lost, 0);
    const totalSeconds = results.reduce((n, r) => n + r.seconds, 0);
    const result = {
      benchmark: 'dns',
      host,
      transport: 'UDP on 127.0.0.1; load generator in a child process on the same machine',
      names: { clusterIPServices: CLUSTER_IP_SERVICES, headlessServices: HEADLESS_SERVICES, endpointsPerHeadless: ENDPOINTS_PER_HEADLESS },
      mix: '70% A ClusterIP, 10% A headless (10 IPs), 10% SRV named port, 10% NXDOMAIN',
      setup: { createObjectsSeconds: round(objectsSeconds), startAndSyncSeconds: round(syncSeconds) },
      saturation: { ...saturation, inFlight: IN_FLIGHT },
      serial,
      serverCpuPercent: Math.round((100 * (cpu.user + cpu.system)) / 1e6 / totalSeconds),
      serverCpuMicrosPerQuery: round((cpu.user + cpu.system) / totalQueries, 2),
      machineBusyPercent: busyPercent,
      stealPercent,
      serverMemoryMiB: round(process.memoryUsage().rss / 1048576, 1),
      targets: {
        clusterQps: { target: 20_000, actual: saturation.qps, met: saturation.qps >= 20_000 },
        serialP99ms: { target: 1, actual: serial.p99ms, met: serial.p99ms <= 1 },
      },
    };
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  } finally {
    await dns?.stop();
    await api.stop();
    await store.close();
  }
}

/** Runs the load generator in a child process; kills it by PID if it overruns. */
function runChild(req: LoadRequest, timeoutSeconds: number): Promise<PhaseResult[]> {
  return new Promise((resolve, reject) => {
    const child = fork(process.argv[1]!, ['--load'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const timer = setTimeout(() => {
      if (child.pid) process.kill(child.pid, 'SIGKILL');
      reject(new Error('load generator overran'));
    }, timeoutSeconds * 1000);
    child.once('message', (results) => {
      clearTimeout(timer);
      resolve(results as PhaseResult[]);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`load generator exited with ${code}`));
    });
    child.send(req);
  });
}

