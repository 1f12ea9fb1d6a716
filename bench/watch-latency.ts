// Watch delivery latency against the real `coxswain up`: 100 HTTPS watch streams on pods in
// one namespace, one writer creating then patching pods at a steady (open-loop) rate. Each
// write carries its send time in an annotation; each watcher records when the event arrives,
// all on this process's monotonic clock. Prints one JSON object.
// Run: npx tsc -p . ; node dist/bench/watch-latency.js
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { BenchClient, hostInfo, machineCpuSample, cpuSeconds, memoryMiB, startCluster, type BenchCluster } from './cluster.js';
import { podManifest } from './pod-body.js';
import { round, summarize } from './stats.js';

const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 100);
const RATE = Number(process.env.BENCH_WATCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_WATCH_SECONDS ?? 10);
const PODS = Number(process.env.BENCH_WATCH_PODS ?? 500);
const WRITER_SOCKETS = 16;
const DRAIN_TIMEOUT_MS = 15_000;

const NS = 'watch-bench';
const SENT_AT = 'bench.coxswain.dev/sent-at';
const WRITES = RATE * SECONDS;

interface Received {
  rv: number;
  sentAt: number;
  at: number;
}

/** One watch stream; records (resourceVersion, send time, receive time) per event. */
class Watcher {
  readonly events: Received[] = [];
  private res: IncomingMessage | undefined;
  private waiting: (() => void) | undefined;

  constructor(private readonly client: BenchClient, private readonly cluster: BenchCluster) {}

  open(fromRv: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          agent: this.client.agent,
          host: this.cluster.url.hostname,
          port: this.cluster.url.port,
          path: `/api/v1/namespaces/${NS}/pods?watch=1&resourceVersion=${fromRv}&allowWatchBookmarks=true&timeoutSeconds=300`,
          headers: { Accept: 'application/json' },
        },
        (res) => {
          if (res.statusCode !== 200) return reject(new Error(`watch answered ${res.statusCode}`));
          this.res = res;
          let buffered = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            const at = performance.now();
            buffered += chunk;
            let nl: number;
            while ((nl = buffered.indexOf('\n')) >= 0) {
              this.record(buffered.slice(0, nl), at);
              buffered = buffered.slice(nl + 1);
            }
          });
          resolve();
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  /** Pulls the two numbers out without a full parse, so the client's CPU does not skew timings. */
  private record(line: string, at: number): void {
    if (!line.startsWith('{"type":"ADDED"') && !line.startsWith('{"type":"MODIFIED"')) return;
    const rv = /"resourceVersion":"(\d+)"/.exec(line)?.[1];
    const sentAt = new RegExp(`"${SENT_AT}":"([\\d.]+)"`).exec(line)?.[1];
    if (rv === undefined || sentAt === undefined) return;
    this.events.push({ rv: Number(rv), sentAt: Number(sentAt), at });
    if (this.events.length >= WRITES) this.waiting?.();
  }

  /** Resolves once all writes were seen or the timeout passes. */
  drained(timeoutMs: number): Promise<void> {
    if (this.events.length >= WRITES) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.waiting = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  close(): void {
    this.res?.destroy();
    this.client.close();
  }
}

async function main(): Promise<void> {
  const hostAtStart = hostInfo();
  const cluster = await startCluster();
  const writer = new BenchClient(cluster, WRITER_SOCKETS);
  const watchers: Watcher[] = [];
  try {
    await writer.expect(201, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    // Warm the writer's connections and the create/patch paths; these pods live elsewhere.
    await writer.expect(201, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `${NS}-warmup` } });
    await Promise.all(Array.from({ length: 200 }, (_, i) => writer.expect(201, 'POST', `/api/v1/namespaces/${NS}-warmup/pods`, podManifest(`warm-${i}`, `${NS}-warmup`))));

    const listed = JSON.parse((await writer.expect(200, 'GET', `/api/v1/namespaces/${NS}/pods`)).body.toString('utf8')) as { metadata: { resourceVersion: string } };
    for (let i = 0; i < WATCHERS; i++) watchers.push(new Watcher(new BenchClient(cluster, 1), cluster));
    await Promise.all(watchers.map((w) => w.open(listed.metadata.resourceVersion)));

    // Open loop: write i is due at start + i / RATE, whether or not earlier writes returned.
    const ackAt = new Map<number, number>();
    const writeLatency: number[] = [];
    const inflight: Promise<void>[] = [];
    let lateStarts = 0;
    const cpu0 = cpuSeconds(cluster.pid);
    const clientCpu0 = process.cpuUsage();
    const machine = machineCpuSample();
    const started = performance.now();
    for (let i = 0; i < WRITES; i++) {
      const due = started + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      else if (wait < -5) lateStarts++;
      inflight.push(write(writer, i, ackAt, writeLatency));
    }
    await Promise.all(inflight);
    await Promise.all(watchers.map((w) => w.drained(DRAIN_TIMEOUT_MS)));
    const elapsed = (performance.now() - started) / 1000;
    const serverCpuPercent = Math.round((100 * (cpuSeconds(cluster.pid) - cpu0)) / elapsed);
    const clientCpu = process.cpuUsage(clientCpu0);
    const clientCpuPercent = Math.round((clientCpu.user + clientCpu.system) / 1e4 / elapsed);

    const sinceSend: number[] = [];
    const sinceAck: number[] = [];
    let beforeAck = 0;
    let missing = 0;
    for (const w of watchers) {
      missing += WRITES - w.events.length;
      for (const e of w.events) {
        sinceSend.push(e.at - e.sentAt);
        const ack = ackAt.get(e.rv);
        if (ack === undefined) continue;
        sinceAck.push(Math.max(0, e.at - ack));
        if (e.at < ack) beforeAck++;
      }
    }
    const delivery = summarize(sinceAck);
    process.stdout.write(
      JSON.stringify({
        benchmark: 'watch-latency',
        host: hostAtStart,
        transport: 'https watch streams, client certificate, one connection per watcher',
        watchers: WATCHERS,
        writesPerSec: RATE,
        seconds: SECONDS,
        writes: WRITES,
        writeMix: { creates: Math.min(PODS, WRITES), mergePatches: Math.max(0, WRITES - PODS) },
        writerLateStarts: lateStarts,
        eventsDelivered: sinceSend.length,
        eventsMissing: missing,
        // Receive time − the writer's response time; an event that beats the response counts as 0.
        deliveryAfterAck: { ...delivery, eventsBeforeAck: beforeAck },
        // Receive time − send time: write latency plus fan-out.
        deliveryAfterSend: summarize(sinceSend),
        writeLatency: summarize(writeLatency),
        serverCpuPercent,
        clientCpuPercent,
        machine: machine(),
        serverMemoryAfter: memoryMiB(cluster.pid),
        targets: { watchDeliveryP99ms: { target: 20, actual: round(delivery.p99ms), met: delivery.p99ms <= 20 } },
      }, null, 2) + '\n',
    );
  } finally {
    for (const w of watchers) w.close();
    writer.close();
    await cluster.stop();
  }
}

async function write(writer: BenchClient, i: number, ackAt: Map<number, number>, latency: number[]): Promise<void> {
  const name = `pod-${String(i % PODS).padStart(5, '0')}`;
  const sentAt = performance.now().toFixed(3);
  const reply = i < PODS
    ? await writer.expect(201, 'POST', `/api/v1/namespaces/${NS}/pods`, podManifest(name, NS, { [SENT_AT]: sentAt }))
    : await writer.expect(200, 'PATCH', `/api/v1/namespaces/${NS}/pods/${name}`, { metadata: { annotations: { [SENT_AT]: sentAt } } }, {
        'Content-Type': 'application/merge-patch+json',
      });
  const ack = performance.now();
  latency.push(reply.ms);
  const rv = Number((JSON.parse(reply.body.toString('utf8')) as { metadata: { resourceVersion: string } }).metadata.resourceVersion);
  ackAt.set(rv, ack);
}

await main();
