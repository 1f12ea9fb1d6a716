// Event-loop stalls caused by SqliteStore writes: 5,000 pod-sized creates, each in its own
// macrotask (as requests arrive), timing how long each create() holds the event loop and
// sampling the loop's delay. WAL checkpoints used to run inside a commit every ~190 writes.
// Prints one JSON object. Run: npx tsc -p . ; node dist/bench/store-stalls.js
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SqliteStore } from '../src/store/sqlite.js';
import { hostInfo } from './cluster.js';

const N = Number(process.env.STORE_STALL_N ?? 5000);
const STALL_MS = 3;

/** A pod-sized JSON value (~1 KiB). */
function podValue(i: number): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: `pod-${i}`, namespace: 'default', uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, labels: { app: 'bench' } },
    spec: {
      nodeName: 'node-1',
      containers: [{
        name: 'app', image: 'registry.example.com/team/app:1.2.3',
        env: Array.from({ length: 12 }, (_, e) => ({ name: `ENV_${e}`, value: `value-${e}-${i}-${'x'.repeat(20)}` })),
      }],
    },
    status: { phase: 'Running' },
  });
}

const round = (x: number) => Math.round(x * 100) / 100;
const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'coxswain-store-stalls-'));
  const store = new SqliteStore(join(dir, 'state.db'), { compactInterval: 0 });
  const durations = new Float64Array(N);
  const loop = monitorEventLoopDelay({ resolution: 1 });
  try {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    loop.enable();
    for (let i = 0; i < N; i++) {
      await nextMacrotask();
      const start = performance.now();
      // The transaction runs synchronously inside create(); awaiting only collects the result.
      const created = store.create(`/registry/pods/default/pod-${String(i).padStart(6, '0')}`, podValue(i));
      durations[i] = performance.now() - start;
      await created;
    }
    loop.disable();
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const sorted = Float64Array.from(durations).sort();
    const stalls = durations.filter((d) => d > STALL_MS);
    process.stdout.write(JSON.stringify({
      benchmark: 'store-stalls',
      host: hostInfo(),
      creates: N,
      checkpointMode: (store as { checkpointMode?: string }).checkpointMode ?? 'sqlite-automatic',
      createsOver3ms: stalls.length,
      stallMsTotal: round(stalls.reduce((a, b) => a + b, 0)),
      createMs: { p50: round(sorted[Math.floor(N * 0.5)]!), p99: round(sorted[Math.floor(N * 0.99)]!), max: round(sorted[N - 1]!) },
      eventLoopDelayMs: { p99: round(loop.percentile(99) / 1e6), max: round(loop.max / 1e6) },
      mainThreadCpuUsPerCreate: round((cpu.user + cpu.system) / N),
      wallMs: Math.round(wallMs),
    }, null, 2) + '\n');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
