// Userspace service proxy (issue 8): programming latency at 1,000 Services and forwarding
// throughput against a direct connection.
//
// An in-process API server (memory store, process mode's loopback service range 127.43.0.0/16)
// and the proxy in this process, talking in-process. Phases:
//  1. create N Services (each with one EndpointSlice to a shared backend on 127.0.0.1), 16 at a
//     time: proxy programming latency (informer event → listener bound, measured by the proxy)
//     and create-to-ready (API request sent → listener bound);
//  2. with N Services in place: endpoint changes (a slice's port flips) and Service port
//     changes (listener rebound), measured the same way;
//  3. throughput: short TCP connections (connect, 64-byte request, reply, close) at 32
//     concurrent clients and one bulk stream, through a ClusterIP and directly to the backend.
// Loopback only; bounded in count and time (BENCH_PROXY_TIMEOUT_MS); prints one JSON object.
// Run: npx tsc -p . ; node dist/bench/proxy-userspace.js
import net from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { ApiServer } from '../src/apiserver/server.js';
import { ApiClient } from '../src/client/api-client.js';
import { InProcessTransport } from '../src/client/in-process-transport.js';
import { endpointSlices, services } from '../src/client/resources.js';
import { startServiceProxy, type ProgrammedEvent } from '../src/proxy/index.js';
import { MemoryStore } from '../src/store/memory.js';
import { createLogger } from '../src/logger.js';
import { round, summarize } from './stats.js';

const SERVICES = Number(process.env['BENCH_PROXY_SERVICES'] ?? 1000);
const CHANGES = Number(process.env['BENCH_PROXY_CHANGES'] ?? 200);
const CREATORS = 16;
const CONNECTIONS = Number(process.env['BENCH_PROXY_CONNECTIONS'] ?? 5000);
const CONN_CLIENTS = 32;
const BULK_MB = Number(process.env['BENCH_PROXY_BULK_MB'] ?? 256);
const TIMEOUT_MS = Number(process.env['BENCH_PROXY_TIMEOUT_MS'] ?? 180_000);
const NS = 'default';
const PORT = 8080;

/** The programmed event of each Service, awaited by key. */
class ProgrammedWaiter {
  private readonly waiting = new Map<string, { resolve: (e: ProgrammedEvent) => void; listening: boolean }>();
  failedBinds = 0;
  onProgrammed = (e: ProgrammedEvent) => {
    this.failedBinds += e.failed;
    const w = this.waiting.get(e.service);
    // A Service's listeners count, not an earlier sync for its slice alone.
    if (w && (!w.listening || e.listeners > 0)) {
      this.waiting.delete(e.service);
      w.resolve(e);
    }
  };
  /** Registers interest before the change is made, so a fast proxy is not missed. */
  expect(service: string, listening = true): Promise<ProgrammedEvent> {
    return new Promise((resolve) => this.waiting.set(`${NS}/${service}`, { resolve, listening }));
  }
}

async function runConcurrently(n: number, workers: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: workers }, async () => {
    while (next < n) await fn(next++);
  }));
}

function sliceFor(name: string, port: number): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${name}-x`, namespace: NS, labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    ports: [{ name: 'tcp', port, protocol: 'TCP' }],
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true }, nodeName: 'bench-node' }],
  };
}

/** A TCP server that answers each request chunk with "ok" and swallows bulk data. */
async function startBackend(): Promise<net.Server> {
  const server = net.createServer((s) => {
    s.on('data', (d) => {
      if (d.length <= 64) s.write('ok');
    });
    s.on('error', () => s.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

/** One short connection: connect, send 64 bytes, read the reply, close. Returns ms. */
function oneShot(host: string, port: number): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port, noDelay: true });
    s.once('connect', () => s.write(Buffer.alloc(64, 97)));
    s.once('data', () => {
      s.end();
      resolve(performance.now() - t0);
    });
    s.once('error', reject);
  });
}

async function shortConnections(host: string, port: number) {
  const samples = new Float64Array(CONNECTIONS);
  const t0 = performance.now();
  await runConcurrently(CONNECTIONS, CONN_CLIENTS, async (i) => {
    samples[i] = await oneShot(host, port);
  });
  const seconds = (performance.now() - t0) / 1000;
  return { connectionsPerSec: Math.round(CONNECTIONS / seconds), ...summarize(samples) };
}

/** Writes BULK_MB through one connection and waits for the backend to have read it all. */
async function bulk(host: string, port: number, received: () => number): Promise<{ mbPerSec: number }> {
  const total = BULK_MB * 1024 * 1024;
  const start = received();
  const chunk = Buffer.alloc(256 * 1024, 98);
  const t0 = performance.now();
  const s = net.connect({ host, port });
  await new Promise<void>((r) => s.once('connect', () => r()));
  for (let sent = 0; sent < total; sent += chunk.length) {
    if (!s.write(chunk)) await new Promise<void>((r) => s.once('drain', () => r()));
  }
  while (received() - start < total) await new Promise((r) => setTimeout(r, 5));
  const seconds = (performance.now() - t0) / 1000;
  s.destroy();
  return { mbPerSec: round(BULK_MB / seconds, 1) };
}

async function main(): Promise<Record<string, unknown>> {
  const store = new MemoryStore();
  const server = new ApiServer({
    store,
    port: 0,
    serviceClusterIPRange: '127.43.0.0/16',
    authenticator: { authenticate: () => ({ name: 'bench', groups: ['system:masters'] }) },
  });
  await server.start();
  const client = new ApiClient(new InProcessTransport((r) => server.handleLocal(r), { name: 'bench', groups: ['system:masters'] }));
  const waiter = new ProgrammedWaiter();
  const proxy = await startServiceProxy(client, { mode: 'userspace', nodeName: 'bench-node', nodeAddresses: ['127.0.0.1'], logger: createLogger('warn'), onProgrammed: waiter.onProgrammed });
  const backend = await startBackend();
  let bulkReceived = 0;
  backend.on('connection', (s) => s.on('data', (d: Buffer) => (bulkReceived += d.length)));
  const backendPort = (backend.address() as net.AddressInfo).port;
  const svcApi = client.resource(services, NS);
  const sliceApi = client.resource(endpointSlices, NS);
  const result: Record<string, unknown> = { services: SERVICES, host: { cpus: os.cpus().length, loadavg: os.loadavg().map((x) => round(x)) } };
  try {
    await proxy.waitForIdle();
    const name = (i: number) => `svc-${String(i).padStart(5, '0')}`;

    // 1. Creation.
    const createToReady = new Float64Array(SERVICES);
    const proxyLatency = new Float64Array(SERVICES);
    const t0 = performance.now();
    await runConcurrently(SERVICES, CREATORS, async (i) => {
      const n = name(i);
      await sliceApi.create(sliceFor(n, backendPort));
      const programmed = waiter.expect(n);
      const sent = performance.now();
      await svcApi.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: n, namespace: NS }, spec: { ports: [{ name: 'tcp', port: PORT }] } } satisfies Service);
      const e = await programmed;
      createToReady[i] = performance.now() - sent;
      proxyLatency[i] = e.latencyMs;
    });
    result['create'] = {
      seconds: round((performance.now() - t0) / 1000),
      programmingLatency: summarize(proxyLatency),
      createToReady: summarize(createToReady),
      listeners: proxy.stats().listeners,
      /** Listeners that could not bind at once (address in use by something else); retried. */
      failedBinds: waiter.failedBinds,
    };

    // 2. Changes with every Service in place.
    const spare = await startBackend();
    const sparePort = (spare.address() as net.AddressInfo).port;
    const endpointChange = new Float64Array(CHANGES);
    const endpointProxy = new Float64Array(CHANGES);
    for (let k = 0; k < CHANGES; k++) {
      const n = name(Math.floor((k * SERVICES) / CHANGES));
      const cur = await sliceApi.get(`${n}-x`);
      const programmed = waiter.expect(n);
      const sent = performance.now();
      await sliceApi.update({ ...cur, ports: [{ name: 'tcp', port: sparePort, protocol: 'TCP' }] });
      const e = await programmed;
      endpointChange[k] = performance.now() - sent;
      endpointProxy[k] = e.latencyMs;
    }
    const portChange = new Float64Array(CHANGES);
    const portProxy = new Float64Array(CHANGES);
    for (let k = 0; k < CHANGES; k++) {
      const n = name(Math.floor((k * SERVICES) / CHANGES));
      const cur = await svcApi.get(n);
      const programmed = waiter.expect(n);
      const sent = performance.now();
      await svcApi.update({ ...cur, spec: { ...cur.spec, ports: [{ name: 'tcp', port: PORT + 1 }] } });
      const e = await programmed;
      portChange[k] = performance.now() - sent;
      portProxy[k] = e.latencyMs;
    }
    spare.close();
    result['endpointChange'] = { programmingLatency: summarize(endpointProxy), updateToReady: summarize(endpointChange) };
    result['servicePortChange'] = { programmingLatency: summarize(portProxy), updateToReady: summarize(portChange) };

    // 3. Throughput, through a ClusterIP that points at the backend, and directly.
    const target = name(SERVICES - 1);
    const clusterIP = (await svcApi.get(target)).spec!.clusterIP!;
    await oneShot(clusterIP, PORT);
    result['throughput'] = {
      shortConnections: { direct: await shortConnections('127.0.0.1', backendPort), proxied: await shortConnections(clusterIP, PORT) },
      bulk: { direct: await bulk('127.0.0.1', backendPort, () => bulkReceived), proxied: await bulk(clusterIP, PORT, () => bulkReceived) },
    };
    result['rssMiB'] = Math.round(process.memoryUsage().rss / 1048576);
    result['proxyStats'] = { listeners: proxy.stats().listeners, syncs: proxy.stats().syncs };
  } finally {
    await proxy.stop();
    backend.close();
    await server.stop();
    await store.close();
  }
  return result;
}

const timer = setTimeout(() => {
  process.stdout.write(`${JSON.stringify({ error: `timed out after ${TIMEOUT_MS} ms` })}\n`);
  process.exit(1);
}, TIMEOUT_MS);
timer.unref();
main().then(
  (r) => {
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
