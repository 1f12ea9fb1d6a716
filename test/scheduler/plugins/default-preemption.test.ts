import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { newDefaultFramework } from '../../../src/scheduler/default-profile.js';
import { Snapshot } from '../../../src/scheduler/framework/snapshot.js';
import { numCandidates } from '../../../src/scheduler/plugins/default-preemption.js';
import { pickOneNodeForPreemption } from '../../../src/scheduler/plugins/default-preemption/candidates.js';
import { newPodInfo } from '../../../src/scheduler/framework/pod-info.js';
import { schedulePod } from '../../../src/scheduler/schedule-one.js';
import { makeNode, makePod, seededRandom } from '../fixtures.js';

function preempt(nodes: ReturnType<typeof makeNode>[], existing: Pod[], pod: Pod) {
  const fw = newDefaultFramework({ args: { DefaultPreemption: { random: seededRandom(1) } } });
  const r = schedulePod(fw, new Snapshot({ nodes, pods: existing }), pod, { random: seededRandom(2) });
  assert.ok('failure' in r, 'the pod must not fit directly');
  return { node: r.nominatedNodeName, victims: (r.victims ?? []).map((v) => v.pod.metadata!.name).sort(), message: r.failure.message };
}

const t0 = '2024-01-01T00:00:00Z';
const t1 = '2024-01-01T01:00:00Z';
const rows = [
  {
    name: 'evicts only what is needed and reprieves the rest',
    nodes: [makeNode('n', { cpu: '3' })],
    existing: [makePod('l1', { cpu: '1', priority: 1, nodeName: 'n' }), makePod('l2', { cpu: '1', priority: 2, nodeName: 'n' }), makePod('l3', { cpu: '1', priority: 3, nodeName: 'n' })],
    pod: makePod('hi', { cpu: '1', priority: 10 }),
    want: { node: 'n', victims: ['l1'] },
  },
  {
    name: 'never evicts equal or higher priority pods',
    nodes: [makeNode('n', { cpu: '2' })],
    existing: [makePod('same', { cpu: '1', priority: 10, nodeName: 'n' }), makePod('low', { cpu: '1', priority: 1, nodeName: 'n' })],
    pod: makePod('hi', { cpu: '2', priority: 10 }),
    want: { node: '', victims: [] },
  },
  {
    name: 'prefers the node whose highest victim has the lowest priority',
    nodes: [makeNode('x', { cpu: '1' }), makeNode('y', { cpu: '1' })],
    existing: [makePod('vx', { cpu: '1', priority: 5, nodeName: 'x' }), makePod('vy', { cpu: '1', priority: 3, nodeName: 'y' })],
    pod: makePod('hi', { cpu: '1', priority: 10 }),
    want: { node: 'y', victims: ['vy'] },
  },
  {
    name: 'then fewer victims',
    nodes: [makeNode('x', { cpu: '2' }), makeNode('y', { cpu: '2' })],
    existing: [
      makePod('x1', { cpu: '1', priority: 3, nodeName: 'x' }), makePod('x2', { cpu: '1', priority: 3, nodeName: 'x' }),
      makePod('y1', { cpu: '2', priority: 3, nodeName: 'y' }),
    ],
    pod: makePod('hi', { cpu: '2', priority: 10 }),
    want: { node: 'y', victims: ['y1'] },
  },
  {
    name: 'then the most recently started victims',
    nodes: [makeNode('x', { cpu: '1' }), makeNode('y', { cpu: '1' })],
    existing: [makePod('old', { cpu: '1', priority: 3, nodeName: 'x', startTime: t0 }), makePod('new', { cpu: '1', priority: 3, nodeName: 'y', startTime: t1 })],
    pod: makePod('hi', { cpu: '1', priority: 10 }),
    want: { node: 'y', victims: ['new'] },
  },
];
for (const row of rows) {
  test(`DefaultPreemption: ${row.name}`, () => {
    const r = preempt(row.nodes, row.existing, row.pod);
    assert.deepEqual({ node: r.node, victims: r.victims }, row.want);
  });
}

test('DefaultPreemption: nodes rejected as unresolvable are not candidates', () => {
  const nodes = [makeNode('tainted', { cpu: '1', taints: [{ key: 'k', effect: 'NoSchedule' }] })];
  const r = preempt(nodes, [makePod('low', { cpu: '1', nodeName: 'tainted' })], makePod('hi', { cpu: '1', priority: 10 }));
  assert.equal(r.message, '0/1 nodes are available: 1 node(s) had untolerated taint {k: }. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.');
});

test('DefaultPreemption: evicting a lower-priority anti-affinity pod lets the pod in', () => {
  const nodes = [makeNode('n')];
  const existing = [makePod('hater', {
    priority: 1, nodeName: 'n', labels: { app: 'h' },
    affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' }] } },
  })];
  const r = preempt(nodes, existing, makePod('web', { labels: { app: 'web' }, priority: 10 }));
  assert.deepEqual({ node: r.node, victims: r.victims }, { node: 'n', victims: ['hater'] });
});

const numRows = [
  { name: 'all nodes when fewer than 100', nodes: 30, want: 30 },
  { name: 'at least 100', nodes: 500, want: 100 },
  { name: '10% of large clusters', nodes: 5000, want: 500 },
];
for (const row of numRows) {
  test(`DefaultPreemption numCandidates: ${row.name}`, () => assert.equal(numCandidates(row.nodes), row.want));
}

test('pickOneNodeForPreemption: fewer PDB violations win first', () => {
  const v = (p: number) => newPodInfo(makePod(`v${p}`, { priority: p }));
  const best = pickOneNodeForPreemption([
    { nodeName: 'a', victims: [v(1)], numPDBViolations: 1 },
    { nodeName: 'b', victims: [v(5), v(4)], numPDBViolations: 0 },
  ]);
  assert.equal(best?.nodeName, 'b');
});
