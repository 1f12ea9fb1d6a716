// Pure scheduling-cycle throughput: schedulePod with the default profile over 5,000 nodes,
// simple pods (100m CPU, 128Mi), each placement assumed into the snapshot like the scheduler
// cache does. No API server, no queue: the algorithm alone. Prints JSON.
import { performance } from 'node:perf_hooks';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { newDefaultFramework } from '../src/scheduler/default-profile.js';
import { Snapshot } from '../src/scheduler/framework/snapshot.js';
import { schedulePod } from '../src/scheduler/schedule-one.js';
import { round, summarize } from './stats.js';

const NODES = Number(process.env['SCHED_NODES'] ?? 5000);
const PODS = Number(process.env['SCHED_PODS'] ?? 10000);

function node(i: number): Node {
  const alloc = { cpu: '32', memory: '256Gi', pods: '110' };
  return {
    metadata: { name: `node-${i}`, labels: { 'kubernetes.io/hostname': `node-${i}`, 'topology.kubernetes.io/zone': `zone-${i % 3}` } },
    status: { allocatable: alloc, capacity: alloc },
  };
}

function pod(i: number): Pod {
  return {
    metadata: { name: `pod-${i}`, namespace: 'default', labels: { app: 'bench' }, uid: `uid-${i}` },
    spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
  };
}

const fw = newDefaultFramework();
const snapshot = new Snapshot({ nodes: Array.from({ length: NODES }, (_, i) => node(i)) });
const rss0 = process.memoryUsage().rss;
const latencies: number[] = [];
let startIndex = 0;
let failures = 0;
const t0 = performance.now();
for (let i = 0; i < PODS; i++) {
  const p = pod(i);
  const s = performance.now();
  const r = schedulePod(fw, snapshot, p, { startIndex });
  startIndex = r.nextStartIndex;
  if ('nodeName' in r) snapshot.assumePod(p, r.nodeName);
  else failures++;
  latencies.push(performance.now() - s);
}
const elapsedMs = performance.now() - t0;
process.stdout.write(JSON.stringify({
  benchmark: 'scheduler-core',
  nodes: NODES,
  pods: PODS,
  failures,
  podsPerSecond: round(PODS / (elapsedMs / 1000), 0),
  cycle: summarize(latencies),
  rssMB: round(process.memoryUsage().rss / 2 ** 20, 1),
  rssGrowthMB: round((process.memoryUsage().rss - rss0) / 2 ** 20, 1),
}) + '\n');
