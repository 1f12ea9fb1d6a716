import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computePodRequests } from '../../../src/scheduler/framework/pod-resources.js';
import { NodeResourcesFit } from '../../../src/scheduler/plugins/node-resources-fit.js';
import { makeNode, makePod } from '../fixtures.js';
import { filterAll, scoreAll } from './harness.js';

const node = makeNode('n', { cpu: '2', memory: '4Gi', pods: '3', extra: { 'example.com/gpu': '1' } });
const filterRows = [
  { name: 'fits', pod: makePod('p', { cpu: '1', memory: '1Gi' }), existing: [], want: '' },
  { name: 'insufficient cpu', pod: makePod('p', { cpu: '3' }), existing: [], want: 'Unschedulable: Insufficient cpu' },
  {
    name: 'cpu and memory both reported', pod: makePod('p', { cpu: '1500m', memory: '3Gi' }),
    existing: [makePod('e', { cpu: '1', memory: '2Gi', nodeName: 'n' })], want: 'Unschedulable: Insufficient cpu, Insufficient memory',
  },
  {
    name: 'too many pods even with no requests', pod: makePod('p'),
    existing: [1, 2, 3].map((i) => makePod(`e${i}`, { nodeName: 'n' })), want: 'Unschedulable: Too many pods',
  },
  {
    name: 'extended resource',
    pod: makePod('p', { containers: [{ name: 'c', resources: { requests: { 'example.com/gpu': '2' } } }] }), existing: [],
    want: 'Unschedulable: Insufficient example.com/gpu',
  },
  {
    name: 'extended resource that fits',
    pod: makePod('p', { cpu: '1', containers: [{ name: 'c', resources: { requests: { cpu: '1', 'example.com/gpu': '1' } } }] }), existing: [],
    want: '',
  },
  {
    name: 'init container larger than the containers counts',
    pod: makePod('p', { cpu: '100m', initContainers: [{ name: 'i', resources: { requests: { cpu: '2500m' } } }] }), existing: [],
    want: 'Unschedulable: Insufficient cpu',
  },
  {
    name: 'overhead counts', pod: makePod('p', { cpu: '1900m', overhead: { cpu: '200m' } }), existing: [],
    want: 'Unschedulable: Insufficient cpu',
  },
];
for (const row of filterRows) {
  test(`NodeResourcesFit filter: ${row.name}`, () => {
    assert.deepEqual(filterAll(new NodeResourcesFit(), row.pod, { nodes: [node], pods: row.existing }), { n: row.want });
  });
}

const requestRows = [
  { name: 'sum of containers', pod: makePod('p', { containers: [{ name: 'a', resources: { requests: { cpu: '100m' } } }, { name: 'b', resources: { requests: { cpu: '200m' } } }] }), cpu: 300 },
  { name: 'max of init containers', pod: makePod('p', { cpu: '100m', initContainers: [{ name: 'i1', resources: { requests: { cpu: '500m' } } }, { name: 'i2', resources: { requests: { cpu: '300m' } } }] }), cpu: 500 },
  {
    name: 'sidecars add to the containers and to later init steps',
    pod: makePod('p', {
      cpu: '100m',
      initContainers: [
        { name: 'side', restartPolicy: 'Always', resources: { requests: { cpu: '200m' } } },
        { name: 'init', resources: { requests: { cpu: '250m' } } },
      ],
    }),
    cpu: 450,
  },
  { name: 'plus overhead', pod: makePod('p', { cpu: '100m', overhead: { cpu: '50m' } }), cpu: 150 },
];
for (const row of requestRows) {
  test(`pod requests: ${row.name}`, () => assert.equal(computePodRequests(row.pod).requests.milliCPU, row.cpu));
}

test('pod requests: unset requests count as 100m / 200Mi for scoring only', () => {
  const r = computePodRequests(makePod('p'));
  assert.equal(r.requests.milliCPU, 0);
  assert.equal(r.nonZeroMilliCPU, 100);
  assert.equal(r.nonZeroMemory, 200 * 1024 * 1024);
});

test('NodeResourcesFit score: LeastAllocated favours the emptier node', () => {
  const nodes = [makeNode('empty', { cpu: '4', memory: '8Gi' }), makeNode('half', { cpu: '4', memory: '8Gi' })];
  const existing = [makePod('e', { cpu: '2', memory: '4Gi', nodeName: 'half' })];
  const scores = scoreAll(new NodeResourcesFit(), makePod('p', { cpu: '1', memory: '2Gi' }), { nodes, pods: existing });
  // empty: cpu (4−1)/4 = 75, memory (8−2)/8 = 75 → 75; half: (4−3)/4 = 25 both → 25.
  assert.deepEqual(scores, { empty: 75, half: 25 });
});

test('NodeResourcesFit: memory in bytes that are not whole KiB fits to the byte and scores as in bytes', () => {
  // The node counts memory in KiB internally: 1000-byte amounts are fractions of a KiB there.
  const small = makeNode('n', { cpu: '4', memory: '3000' });
  const existing = [makePod('e1', { memory: '1001', nodeName: 'n' }), makePod('e2', { memory: '999', nodeName: 'n' })];
  const fit = new NodeResourcesFit();
  assert.deepEqual(filterAll(fit, makePod('p', { memory: '1000' }), { nodes: [small], pods: existing }), { n: '' });
  assert.deepEqual(filterAll(fit, makePod('p', { memory: '1001' }), { nodes: [small], pods: existing }), { n: 'Unschedulable: Insufficient memory' });
  // 3000 − (2000 + 500) free of 3000 → memory 16; cpu (4000 − 100 − 100 − 100)/4000 → 92; mean 54.
  const nodes = [makeNode('n', { cpu: '4', memory: '3000' })];
  const withNonZeroCpu = [makePod('e1', { memory: '1001', cpu: '100m', nodeName: 'n' }), makePod('e2', { memory: '999', cpu: '100m', nodeName: 'n' })];
  assert.deepEqual(scoreAll(fit, makePod('p', { memory: '500', cpu: '100m' }), { nodes, pods: withNonZeroCpu }), { n: 54 });
});
