// End-to-end scheduling cycles over a 3-node snapshot: issue 5's "Done when" placements.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { newDefaultFramework } from '../../src/scheduler/default-profile.js';
import { Snapshot } from '../../src/scheduler/framework/snapshot.js';
import { numFeasibleNodesToFind, schedulePod, selectHost, type ScheduleResult } from '../../src/scheduler/schedule-one.js';
import { makeNode, makePod, seededRandom } from './fixtures.js';

const controlPlaneTaint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

function threeNodes(o: { taintFirst?: boolean; cpu?: string } = {}): Node[] {
  return ['node-a', 'node-b', 'node-c'].map((n, i) => makeNode(n, {
    cpu: o.cpu ?? '4',
    labels: { 'topology.kubernetes.io/zone': `zone-${i}`, disk: i === 2 ? 'ssd' : 'hdd' },
    taints: o.taintFirst && i === 0 ? [controlPlaneTaint] : undefined,
  }));
}

/** Schedules pods one after another, assuming each onto its node like the scheduler cache. */
function scheduleAll(nodes: Node[], pods: Pod[], existing: Pod[] = []): { placements: string[]; results: ScheduleResult[] } {
  const fw = newDefaultFramework({ args: { DefaultPreemption: { random: seededRandom(7) } } });
  const snapshot = new Snapshot({ nodes, pods: existing });
  const random = seededRandom(3);
  const placements: string[] = [];
  const results: ScheduleResult[] = [];
  let startIndex = 0;
  for (const pod of pods) {
    const r = schedulePod(fw, snapshot, pod, { random, startIndex });
    startIndex = r.nextStartIndex;
    results.push(r);
    if ('nodeName' in r) {
      snapshot.assumePod(pod, r.nodeName);
      placements.push(r.nodeName);
    } else placements.push('');
  }
  return { placements, results };
}

function count(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

test('schedulePod: six replicas of a Deployment spread two per node', () => {
  const pods = Array.from({ length: 6 }, (_, i) => makePod(`web-${i}`, { labels: { app: 'web' }, cpu: '100m', memory: '128Mi' }));
  const { placements } = scheduleAll(threeNodes(), pods);
  assert.deepEqual(count(placements), { 'node-a': 2, 'node-b': 2, 'node-c': 2 });
});

test('schedulePod: nodeSelector picks the only matching node', () => {
  const { placements } = scheduleAll(threeNodes(), [makePod('p', { nodeSelector: { disk: 'ssd' } })]);
  assert.deepEqual(placements, ['node-c']);
});

test('schedulePod: required node affinity with NotIn keeps pods off two zones', () => {
  const affinity = {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'NotIn', values: ['zone-0', 'zone-2'] }] }],
      },
    },
  };
  const pods = Array.from({ length: 3 }, (_, i) => makePod(`p${i}`, { affinity }));
  assert.deepEqual(scheduleAll(threeNodes(), pods).placements, ['node-b', 'node-b', 'node-b']);
});

test('schedulePod: a NoSchedule taint without toleration keeps pods off that node', () => {
  const pods = Array.from({ length: 6 }, (_, i) => makePod(`p${i}`, { cpu: '100m' }));
  const { placements } = scheduleAll(threeNodes({ taintFirst: true }), pods);
  assert.ok(!placements.includes('node-a'));
  assert.deepEqual(count(placements), { 'node-b': 3, 'node-c': 3 });
});

test('schedulePod: required anti-affinity on hostname places one per node, the fourth fails', () => {
  const affinity = {
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'kubernetes.io/hostname' }],
    },
  };
  const pods = Array.from({ length: 4 }, (_, i) => makePod(`db-${i}`, { labels: { app: 'db' }, affinity }));
  const { placements, results } = scheduleAll(threeNodes(), pods);
  assert.deepEqual([...placements.slice(0, 3)].sort(), ['node-a', 'node-b', 'node-c']);
  assert.equal(placements[3], '');
  const r = results[3]!;
  assert.ok('failure' in r);
  assert.equal(r.failure.message,
    "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.");
});

test('schedulePod: topology spread DoNotSchedule with maxSkew 1 across zones', () => {
  const nodes = [
    makeNode('n1', { labels: { 'topology.kubernetes.io/zone': 'a' } }),
    makeNode('n2', { labels: { 'topology.kubernetes.io/zone': 'a' } }),
    makeNode('n3', { labels: { 'topology.kubernetes.io/zone': 'b' } }),
  ];
  const spread = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 's' } } }];
  // Two pods already in zone a: the next must go to zone b.
  const existing = [makePod('e1', { labels: { app: 's' }, nodeName: 'n1' }), makePod('e2', { labels: { app: 's' }, nodeName: 'n2' })];
  const { placements } = scheduleAll(nodes, [makePod('new', { labels: { app: 's' }, spread })], existing);
  assert.deepEqual(placements, ['n3']);
});

test('schedulePod: unplaceable pod gets the upstream FailedScheduling message', () => {
  const pod = makePod('big', { cpu: '8' });
  const { results } = scheduleAll(threeNodes({ taintFirst: true }), [pod]);
  const r = results[0]!;
  assert.ok('failure' in r);
  assert.equal(r.failure.message,
    '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. ' +
    'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.');
});

test('schedulePod: unplaceable by taints and selector only: preemption is not helpful anywhere', () => {
  const pod = makePod('p', { nodeSelector: { disk: 'nvme' } });
  const { results } = scheduleAll(threeNodes(), [pod]);
  const r = results[0]!;
  assert.ok('failure' in r);
  assert.equal(r.failure.message,
    "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.");
});

test('schedulePod: a high-priority pod preempts lower-priority pods on a full cluster', () => {
  const nodes = threeNodes({ cpu: '2' });
  const existing: Pod[] = [];
  for (const n of ['node-a', 'node-b', 'node-c']) {
    existing.push(makePod(`low-${n}-1`, { cpu: '1', priority: 10, nodeName: n }));
    existing.push(makePod(`low-${n}-2`, { cpu: '1', priority: n === 'node-b' ? 5 : 10, nodeName: n }));
  }
  const { results } = scheduleAll(nodes, [makePod('high', { cpu: '1', priority: 1000 })], existing);
  const r = results[0]!;
  assert.ok('failure' in r);
  assert.equal(r.failure.message, '0/3 nodes are available: 3 Insufficient cpu.');
  // Minimal damage: one victim, and the one with the lowest priority (on node-b).
  assert.equal(r.nominatedNodeName, 'node-b');
  assert.deepEqual(r.victims?.map((v) => v.key), ['default/low-node-b-2']);
});

test('schedulePod: preemptionPolicy Never is not eligible to preempt', () => {
  const nodes = [makeNode('n', { cpu: '1' })];
  const { results } = scheduleAll(nodes, [makePod('high', { cpu: '1', priority: 1000, preemptionPolicy: 'Never' })], [makePod('low', { cpu: '1', nodeName: 'n' })]);
  const r = results[0]!;
  assert.ok('failure' in r);
  assert.equal(r.failure.message, '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.');
});

test('schedulePod: no nodes at all', () => {
  const r = schedulePod(newDefaultFramework(), new Snapshot({ nodes: [] }), makePod('p'));
  assert.ok('error' in r);
  assert.equal(r.error.message(), 'no nodes available to schedule pods');
});

const feasibleRows: { name: string; percentage: number | undefined; nodes: number; want: number }[] = [
  { name: 'small clusters are searched whole', percentage: undefined, nodes: 50, want: 50 },
  { name: 'at least 100 nodes', percentage: undefined, nodes: 150, want: 100 },
  { name: 'adaptive: 50% − 1000/125 = 42% of 1000', percentage: undefined, nodes: 1000, want: 420 },
  { name: 'adaptive: 5000 nodes gives 10%', percentage: undefined, nodes: 5000, want: 500 },
  { name: 'adaptive floor 5%', percentage: undefined, nodes: 10000, want: 500 },
  { name: 'explicit percentage', percentage: 20, nodes: 1000, want: 200 },
  { name: 'explicit 100%', percentage: 100, nodes: 1000, want: 1000 },
];
for (const row of feasibleRows) {
  test(`numFeasibleNodesToFind: ${row.name}`, () => {
    assert.equal(numFeasibleNodesToFind(row.percentage, row.nodes), row.want);
  });
}

test('schedulePod: the scan start rotates and stops after enough feasible nodes', () => {
  const nodes = Array.from({ length: 300 }, (_, i) => makeNode(`n${i}`));
  const fw = newDefaultFramework();
  const snapshot = new Snapshot({ nodes });
  const r = schedulePod(fw, snapshot, makePod('p'), { startIndex: 250, random: seededRandom(1) });
  assert.ok('nodeName' in r);
  // 300 nodes: 50% − 300/125 = 48% → 144 feasible nodes are enough; the next scan starts after them.
  assert.equal(r.feasibleNodes, 144);
  assert.equal(r.nextStartIndex, (250 + 144) % 300);
});

test('selectHost: the highest total wins, and ties are split by one uniform draw', () => {
  const scores = [
    { name: 'a', totalScore: 5 }, { name: 'b', totalScore: 9 }, { name: 'c', totalScore: 9 },
    { name: 'd', totalScore: 3 }, { name: 'e', totalScore: 9 },
  ];
  // Three nodes tie at 9: the draw's thirds pick the first, second and third of them.
  assert.equal(selectHost(scores, () => 0), 'b');
  assert.equal(selectHost(scores, () => 0.34), 'c');
  assert.equal(selectHost(scores, () => 0.99), 'e');
  assert.equal(selectHost([{ name: 'only', totalScore: 0 }], () => 0.5), 'only');
  let draws = 0;
  selectHost(scores, () => (draws++, 0.5));
  assert.equal(draws, 1);
});
