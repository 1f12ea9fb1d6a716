import { test } from 'node:test';
import assert from 'node:assert/strict';
import { balancedResourceScore, NodeResourcesBalancedAllocation } from '../../../src/scheduler/plugins/balanced-allocation.js';
import { makeNode, makePod } from '../fixtures.js';
import { scoreAll } from './harness.js';

const rows = [
  { name: 'equal fractions score 100', requested: [1, 2], allocatable: [4, 8], want: 100 },
  { name: 'fractions 1 and 0 score 50', requested: [4, 0], allocatable: [4, 8], want: 50 },
  { name: 'fractions above 1 are capped', requested: [8, 4], allocatable: [4, 8], want: 75 },
  { name: 'a resource with no allocatable is ignored', requested: [1, 5], allocatable: [0, 8], want: 100 },
];
for (const row of rows) {
  test(`balancedResourceScore: ${row.name}`, () => assert.equal(balancedResourceScore(row.requested, row.allocatable), row.want));
}

test('NodeResourcesBalancedAllocation: prefers the node where cpu and memory stay balanced', () => {
  const nodes = [makeNode('cpu-heavy', { cpu: '4', memory: '8Gi' }), makeNode('even', { cpu: '4', memory: '8Gi' })];
  const existing = [makePod('e', { cpu: '3', nodeName: 'cpu-heavy' })];
  const scores = scoreAll(new NodeResourcesBalancedAllocation(), makePod('p', { cpu: '1', memory: '2Gi' }), { nodes, pods: existing });
  // cpu-heavy: cpu 4/4 = 1, memory 2/8 = .25 → std .375 → 62; even: .25 and .25 → 100.
  assert.deepEqual(scores, { 'cpu-heavy': 62, even: 100 });
});

test('NodeResourcesBalancedAllocation: best-effort pods skip it', () => {
  assert.deepEqual(scoreAll(new NodeResourcesBalancedAllocation(), makePod('p'), { nodes: [makeNode('n')] }), {});
});
