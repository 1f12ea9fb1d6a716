// API latency benchmark against the real `coxswain up` (sqlite, HTTPS, client certificates):
// create / get / small-list latency at 50 concurrent keep-alive clients, then a full list of
// 10,000 pods in one namespace (plain JSON, no limit) and a kubectl-style paginated list.
// Prints one JSON object. Run: npx tsc -p . ; node dist/bench/api-latency.js
import { BenchClient, hostInfo, machineCpuSample, cpuSeconds, memoryMiB, runConcurrently, startCluster, type BenchCluster } from './cluster.js';
import { podManifest } from './pod-body.js';
import { round, summarize, type LatencySummary } from './stats.js';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50);
const CREATES = Number(process.env.BENCH_CREATES ?? 5_000);
const GETS = Number(process.env.BENCH_GETS ?? 10_000);
const SMALL_LISTS = Number(process.env.BENCH_SMALL_LISTS ?? 2_000);
const SMALL_LIST_SIZE = 10;
const FULL_LIST_PODS = Number(process.env.BENCH_FULL_LIST_PODS ?? 10_000);
const FULL_LIST_RUNS = Number(process.env.BENCH_FULL_LIST_RUNS ?? 10);
const PAGE_LIMIT = 500;
/** Open-loop phases: the same 50 clients, at a fixed aggregate rate below saturation. */
const CREATE_RATE = Number(process.env.BENCH_CREATE_RATE ?? 500);
const GET_RATE = Number(process.env.BENCH_GET_RATE ?? 1000);
const RATE_SECONDS = 5;
const SERIAL_OPS = 1000;
const PAGED_RUNS = 5;

const NS = 'bench';
const SMALL_NS = 'bench-small';
const WARM_NS = 'bench-warmup';
const RATE_NS = 'bench-rate';
/** What `kubectl get pods` sends (server-side printing). */
const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

interface Phase extends LatencySummary {
  opsPerSec: number;
  serverCpuPercent: number;
  /** Server CPU time per operation: the service cost, independent of queueing. */
  serverCpuMsPerOp: number;
  clientCpuPercent: number;
  /** All CPUs of the machine (server, this client and anything else running). */
  machineBusyPercent: number;
  stealPercent: number;
}

const podName = (i: number) => `pod-${String(i).padStart(5, '0')}`;
const podBodies = (ns: string, from: number, to: number) => Array.from({ length: to - from }, (_, i) => JSON.stringify(podManifest(podName(from + i), ns)));

/** Runs `count` requests across the clients and summarises their latency and throughput. */
async function phase(cluster: BenchCluster, clients: BenchClient[], count: number, op: (c: BenchClient, i: number) => Promise<number>): Promise<Phase> {
  const samples = new Float64Array(count);
  return measured(cluster, count, samples, () => runConcurrently(clients, count, async (c, i) => {
    samples[i] = await op(c, i);
  }));
}

/**
 * Open loop: request i is due at start + i / rate on client i mod n, whether or not earlier
 * ones returned (a client still busy sends as soon as it is free; `lateStarts` counts those).
 */
async function ratePhase(cluster: BenchCluster, clients: BenchClient[], rate: number, seconds: number, op: (c: BenchClient, i: number) => Promise<number>): Promise<Phase & { targetRate: number; lateStarts: number }> {
  const count = Math.round(rate * seconds);
  const samples = new Float64Array(count);
  let lateStarts = 0;
  const started = performance.now();
  const figures = await measured(cluster, count, samples, () => Promise.all(clients.map(async (c, k) => {
    for (let i = k; i < count; i += clients.length) {
      const wait = started + (i * 1000) / rate - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      else if (wait < -1) lateStarts++;
      samples[i] = await op(c, i);
    }
  })).then(() => (performance.now() - started) / 1000));
  return { ...figures, targetRate: rate, lateStarts };
}

async function measured(cluster: BenchCluster, count: number, samples: Float64Array, run: () => Promise<number>): Promise<Phase> {
  const cpu0 = cpuSeconds(cluster.pid);
  const client0 = process.cpuUsage();
  const machine = machineCpuSample();
  const seconds = await run();
  const { busyPercent, stealPercent } = machine();
  const cpu = cpuSeconds(cluster.pid) - cpu0;
  const client = process.cpuUsage(client0);
  return {
    ...summarize(samples),
    opsPerSec: Math.round(count / seconds),
    serverCpuPercent: Math.round((100 * cpu) / seconds),
    serverCpuMsPerOp: round((1000 * cpu) / count, 3),
    clientCpuPercent: Math.round((client.user + client.system) / 1e4 / seconds),
    machineBusyPercent: busyPercent,
    stealPercent,
  };
}

async function createNamespace(client: BenchClient, name: string): Promise<void> {
  await client.expect(201, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

/** Follows `continue` tokens at `limit` per page; returns the total time and item count. */
async function pagedList(client: BenchClient, accept: string): Promise<{ ms: number; requestMs: number; items: number; pages: number }> {
  const started = performance.now();
  let requestMs = 0;
  let cont = '';
  let items = 0;
  let pages = 0;
  do {
    const path = `/api/v1/namespaces/${NS}/pods?limit=${PAGE_LIMIT}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`;
    const reply = await client.expect(200, 'GET', path, undefined, { Accept: accept });
    requestMs += reply.ms;
    const page = JSON.parse(reply.body.toString('utf8')) as { items?: unknown[]; rows?: unknown[]; metadata: { continue?: string } };
    items += (page.items ?? page.rows ?? []).length;
    cont = page.metadata.continue ?? '';
    pages++;
  } while (cont);
  return { ms: performance.now() - started, requestMs, items, pages };
}

async function main(): Promise<void> {
  const hostAtStart = hostInfo();
  const cluster = await startCluster();
  const clients = Array.from({ length: CLIENTS }, () => new BenchClient(cluster, 1));
  try {
    const admin = clients[0]!;
    for (const ns of [NS, SMALL_NS, WARM_NS, RATE_NS]) await createNamespace(admin, ns);

    // Warm-up (JIT, TLS sessions on every connection, sqlite page cache); not reported.
    const warm = podBodies(WARM_NS, 0, 500);
    await runConcurrently(clients, warm.length, async (c, i) => void (await c.expect(201, 'POST', `/api/v1/namespaces/${WARM_NS}/pods`, warm[i])));
    await runConcurrently(clients, 1000, async (c, i) => void (await c.expect(200, 'GET', `/api/v1/namespaces/${WARM_NS}/pods/${podName(i % 500)}`)));
    for (const body of podBodies(SMALL_NS, 0, SMALL_LIST_SIZE)) await admin.expect(201, 'POST', `/api/v1/namespaces/${SMALL_NS}/pods`, body);

    const first = podBodies(NS, 0, CREATES);
    const create = await phase(cluster, clients, CREATES, async (c, i) => (await c.expect(201, 'POST', `/api/v1/namespaces/${NS}/pods`, first[i])).ms);
    const get = await phase(cluster, clients, GETS, async (c, i) => (await c.expect(200, 'GET', `/api/v1/namespaces/${NS}/pods/${podName((i * 7919) % CREATES)}`)).ms);
    const serial = [admin];
    const serialCreate = await phase(cluster, serial, SERIAL_OPS, async (c, i) => (await c.expect(201, 'POST', `/api/v1/namespaces/${RATE_NS}/pods`, JSON.stringify(podManifest(`serial-${i}`, RATE_NS)))).ms);
    const serialGet = await phase(cluster, serial, SERIAL_OPS, async (c, i) => (await c.expect(200, 'GET', `/api/v1/namespaces/${NS}/pods/${podName((i * 7919) % CREATES)}`)).ms);
    const rateBodies = Array.from({ length: CREATE_RATE * RATE_SECONDS }, (_, i) => JSON.stringify(podManifest(`rate-${i}`, RATE_NS)));
    const createAtRate = await ratePhase(cluster, clients, CREATE_RATE, RATE_SECONDS, async (c, i) => (await c.expect(201, 'POST', `/api/v1/namespaces/${RATE_NS}/pods`, rateBodies[i])).ms);
    const getAtRate = await ratePhase(cluster, clients, GET_RATE, RATE_SECONDS, async (c, i) => (await c.expect(200, 'GET', `/api/v1/namespaces/${NS}/pods/${podName((i * 7919) % CREATES)}`)).ms);
    const smallList = await phase(cluster, clients, SMALL_LISTS, async (c) => (await c.expect(200, 'GET', `/api/v1/namespaces/${SMALL_NS}/pods`)).ms);

    // Fill the namespace up to FULL_LIST_PODS; these creates run against a larger cache.
    const rest = podBodies(NS, CREATES, FULL_LIST_PODS);
    const createFill = await phase(cluster, clients, rest.length, async (c, i) => (await c.expect(201, 'POST', `/api/v1/namespaces/${NS}/pods`, rest[i])).ms);

    // Full list: one client, sequential, no limit (what an informer's initial list does).
    await admin.expect(200, 'GET', `/api/v1/namespaces/${NS}/pods`);
    const fullSamples: number[] = [];
    let fullBytes = 0;
    let fullItems = 0;
    const cpu0 = cpuSeconds(cluster.pid);
    const fullMachine = machineCpuSample();
    const fullStarted = performance.now();
    for (let r = 0; r < FULL_LIST_RUNS; r++) {
      const reply = await admin.expect(200, 'GET', `/api/v1/namespaces/${NS}/pods`);
      fullSamples.push(reply.ms);
      fullBytes = reply.body.length;
      if (r === 0) fullItems = (JSON.parse(reply.body.toString('utf8')) as { items: unknown[] }).items.length;
    }
    const fullCpu = cpuSeconds(cluster.pid) - cpu0;
    const fullCpuPercent = Math.round((100 * fullCpu) / ((performance.now() - fullStarted) / 1000));
    const fullSteal = fullMachine().stealPercent;

    // Like kubectl, each page is parsed before the next is asked for; `requestMs` leaves the
    // client's parsing out.
    const pagedJson: number[] = [];
    const pagedTable: number[] = [];
    const pagedJsonRequests: number[] = [];
    const pagedTableRequests: number[] = [];
    let pagedShape = { items: 0, pages: 0 };
    let tableShape = { items: 0, pages: 0 };
    for (let r = 0; r < PAGED_RUNS; r++) {
      const j = await pagedList(admin, 'application/json');
      pagedJson.push(j.ms);
      pagedJsonRequests.push(j.requestMs);
      pagedShape = { items: j.items, pages: j.pages };
      const t = await pagedList(admin, TABLE_ACCEPT);
      pagedTable.push(t.ms);
      pagedTableRequests.push(t.requestMs);
      tableShape = { items: t.items, pages: t.pages };
    }

    const result = {
      benchmark: 'api-latency',
      host: hostAtStart,
      transport: 'https, client certificate, keep-alive, one connection per client',
      datastore: 'sqlite',
      clients: CLIENTS,
      podBodyBytes: first[0]!.length,
      // Closed loop: 50 clients each send the next request as soon as the last returns, so
      // the server is saturated and latency ≈ clients / throughput (Little's law).
      create,
      get,
      // One client, one request at a time: the service time without queueing.
      serialCreate,
      serialGet,
      // Open loop: 50 clients at a fixed aggregate rate below saturation.
      createAtRate,
      getAtRate,
      smallList: { ...smallList, podsPerList: SMALL_LIST_SIZE },
      createUpTo10k: createFill,
      fullList: {
        ...summarize(fullSamples),
        pods: fullItems,
        responseMiB: round(fullBytes / 1048576),
        serverCpuPercent: fullCpuPercent,
        serverCpuMsPerList: round((1000 * fullCpu) / FULL_LIST_RUNS, 1),
        stealPercent: fullSteal,
      },
      pagedList: {
        limit: PAGE_LIMIT,
        json: { ...summarize(pagedJson), requestMsP50: summarize(pagedJsonRequests).p50ms, ...pagedShape },
        kubectlTable: { ...summarize(pagedTable), requestMsP50: summarize(pagedTableRequests).p50ms, ...tableShape },
      },
      serverMemoryAfter: memoryMiB(cluster.pid),
      targets: {
        createP99ms: { target: 10, actual: create.p99ms, met: create.p99ms <= 10 },
        createP99msAtRate: { target: 10, actual: createAtRate.p99ms, met: createAtRate.p99ms <= 10 },
        fullList10kP99ms: { target: 150, actual: summarize(fullSamples).p99ms, met: summarize(fullSamples).p99ms <= 150 },
      },
    };
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  } finally {
    for (const c of clients) c.close();
    await cluster.stop();
  }
}

await main();
