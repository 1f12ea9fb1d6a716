// Store benchmark: SqliteStore against a raw better-sqlite3 baseline on the same disk.
// Prints one JSON object. Run: npx tsc -p . ; node dist/bench/store.js

import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/store/sqlite.js';

const N = Number(process.env.STORE_BENCH_N ?? 10_000);
const LIST_ROUNDS = 20;

/** A pod-sized JSON value (~1 KiB), as the API server would store. */
function podValue(i: number, generation = 1): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `pod-${i}`,
      namespace: 'default',
      uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      labels: { app: 'bench', tier: 'backend', index: String(i % 100) },
      annotations: { generation: String(generation) },
      creationTimestamp: '2024-01-01T00:00:00Z',
    },
    spec: {
      nodeName: 'node-1',
      containers: [
        {
          name: 'app',
          image: 'registry.example.com/team/app:1.2.3',
          args: ['--port=8080', '--verbose'],
          ports: [{ containerPort: 8080, protocol: 'TCP' }],
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
          env: Array.from({ length: 6 }, (_, e) => ({ name: `ENV_${e}`, value: `value-${e}-${i}` })),
        },
      ],
      restartPolicy: 'Always',
    },
    status: { phase: 'Running', podIP: `10.0.${(i >> 8) & 255}.${i & 255}` },
  });
}

const key = (i: number) => `/registry/pods/default/pod-${String(i).padStart(6, '0')}`;

interface Figures {
  ops: number;
  opsPerSec: number;
  p50us: number;
  p99us: number;
}

/** Times `op` once per index and summarises per-operation latency. */
async function measure(count: number, op: (i: number) => unknown): Promise<Figures> {
  const samples = new Float64Array(count);
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    const result = op(i);
    if (result instanceof Promise) await result;
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const totalSec = Number(process.hrtime.bigint() - start) / 1e9;
  samples.sort();
  const pct = (p: number) => round(samples[Math.min(count - 1, Math.floor(p * count))]!);
  return { ops: count, opsPerSec: Math.round(count / totalSec), p50us: pct(0.5), p99us: pct(0.99) };
}

const round = (x: number) => Math.round(x * 10) / 10;

function rawBaseline(dir: string): Record<string, Figures> {
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO kv (key, value) VALUES (?, ?)');
  const select = db.prepare('SELECT value FROM kv WHERE key = ?');
  const values = Array.from({ length: N }, (_, i) => podValue(i));
  const result = {
    // Autocommit: each insert is its own transaction, like each store write.
    insert: syncMeasure(N, (i) => insert.run(key(i), values[i]!)),
    pointRead: syncMeasure(N, (i) => select.get(key((i * 7919) % N))),
  };
  db.close();
  return result;
}

function syncMeasure(count: number, op: (i: number) => unknown): Figures {
  const samples = new Float64Array(count);
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    op(i);
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const totalSec = Number(process.hrtime.bigint() - start) / 1e9;
  samples.sort();
  const pct = (p: number) => round(samples[Math.min(count - 1, Math.floor(p * count))]!);
  return { ops: count, opsPerSec: Math.round(count / totalSec), p50us: pct(0.5), p99us: pct(0.99) };
}

async function storeFigures(dir: string): Promise<Record<string, Figures | number>> {
  const store = new SqliteStore(join(dir, 'state.db'), { compactInterval: 0 });
  const values = Array.from({ length: N }, (_, i) => podValue(i));
  const updated = Array.from({ length: N }, (_, i) => podValue(i, 2));
  const create = await measure(N, (i) => store.create(key(i), values[i]!));
  const midRevision = await store.currentRevision();
  const update = await measure(N, (i) => store.update(key(i), updated[i]!, i + 1));
  const get = await measure(N, (i) => store.get(key((i * 7919) % N)));
  // Other kinds under the same table, so the prefix range is a real range.
  for (let i = 0; i < 1000; i++) await store.create(`/registry/services/default/svc-${i}`, values[i]!);
  const list = await measure(LIST_ROUNDS, () => store.list('/registry/pods/'));
  const listPage = await measure(N / 500, (i) => store.list('/registry/pods/', { limit: 500, startAfter: i === 0 ? undefined : key(i * 500 - 1) }));
  const listAtRevision = await measure(5, () => store.list('/registry/pods/', { revision: midRevision }));
  const count = await measure(LIST_ROUNDS, () => store.count('/registry/pods/'));
  let replayed = 0;
  const watchReplay = await measure(5, async () => {
    const watch = await store.watch('/registry/pods/', midRevision, (events) => (replayed += events.length));
    await new Promise((resolve) => setImmediate(resolve));
    watch.cancel();
  });
  // Writes while a watch is open also read the previous value back for the event.
  let delivered = 0;
  const watch = await store.watch('/registry/pods/', await store.currentRevision(), (events) => (delivered += events.length));
  const updateWatched = await measure(N, (i) => store.update(key(i), values[i]!, midRevision + i + 1));
  await new Promise((resolve) => setImmediate(resolve));
  watch.cancel();
  const compact = await measure(1, () => store.compact(midRevision + N));
  await store.close();
  return { create, update, get, list10k: list, listPage500: listPage, listAtPastRevision10k: listAtRevision, count10k: count, watchReplay10k: watchReplay, updateWhileWatched: updateWatched, compact, replayedEvents: replayed, deliveredEvents: delivered };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'coxswain-store-bench-'));
  try {
    const raw = rawBaseline(dir);
    const store = await storeFigures(dir);
    const create = store.create as Figures;
    process.stdout.write(
      JSON.stringify({
        benchmark: 'store',
        keys: N,
        valueBytes: podValue(0).length,
        rawSqlite: raw,
        sqliteStore: store,
        createCostVsRawInsert: round(create.p50us / raw.insert!.p50us),
      }, null, 2) + '\n',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
