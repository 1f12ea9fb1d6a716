import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeSelectorRequirement } from 'kubernetes-types/core/v1.js';
import { NodeAffinity } from '../../../src/scheduler/plugins/node-affinity.js';
import { makeNode, makePod } from '../fixtures.js';
import { filterAll, scoreAll } from './harness.js';

const nodes = [
  makeNode('small', { labels: { zone: 'a', cores: '4' } }),
  makeNode('big', { labels: { zone: 'b', cores: '64', gpu: 'yes' } }),
];
const no = "UnschedulableAndUnresolvable: node(s) didn't match Pod's node affinity/selector";
const required = (...exprs: NodeSelectorRequirement[]) => ({
  nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: exprs }] } },
});

const rows = [
  { name: 'no selector: all nodes', pod: makePod('p'), want: { small: '', big: '' } },
  { name: 'nodeSelector', pod: makePod('p', { nodeSelector: { zone: 'b' } }), want: { small: no, big: '' } },
  { name: 'In', pod: makePod('p', { affinity: required({ key: 'zone', operator: 'In', values: ['a', 'c'] }) }), want: { small: '', big: no } },
  { name: 'NotIn', pod: makePod('p', { affinity: required({ key: 'zone', operator: 'NotIn', values: ['a'] }) }), want: { small: no, big: '' } },
  { name: 'Exists', pod: makePod('p', { affinity: required({ key: 'gpu', operator: 'Exists' }) }), want: { small: no, big: '' } },
  { name: 'DoesNotExist', pod: makePod('p', { affinity: required({ key: 'gpu', operator: 'DoesNotExist' }) }), want: { small: '', big: no } },
  { name: 'Gt compares integers', pod: makePod('p', { affinity: required({ key: 'cores', operator: 'Gt', values: ['8'] }) }), want: { small: no, big: '' } },
  { name: 'Lt compares integers', pod: makePod('p', { affinity: required({ key: 'cores', operator: 'Lt', values: ['8'] }) }), want: { small: '', big: no } },
  { name: 'Gt on a non-integer label fails', pod: makePod('p', { affinity: required({ key: 'zone', operator: 'Gt', values: ['1'] }) }), want: { small: no, big: no } },
  {
    name: 'nodeSelector and affinity must both hold',
    pod: makePod('p', { nodeSelector: { zone: 'a' }, affinity: required({ key: 'gpu', operator: 'Exists' }) }), want: { small: no, big: no },
  },
  {
    name: 'terms are ORed',
    pod: makePod('p', {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }],
          },
        },
      },
    }),
    want: { small: '', big: '' },
  },
  {
    name: 'matchFields metadata.name narrows in PreFilter',
    pod: makePod('p', {
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['big'] }] }] } } },
    }),
    want: { small: no, big: '' },
  },
];
for (const row of rows) {
  test(`NodeAffinity filter: ${row.name}`, () => assert.deepEqual(filterAll(new NodeAffinity(), row.pod, { nodes }), row.want));
}

test('NodeAffinity score: preferred terms add their weights, normalized to 100', () => {
  const pod = makePod('p', {
    affinity: {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 20, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
          { weight: 80, preference: { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] } },
        ],
      },
    },
  });
  assert.deepEqual(scoreAll(new NodeAffinity(), pod, { nodes }), { small: 25, big: 100 });
});

test('NodeAffinity score: skipped without preferred terms', () => {
  assert.deepEqual(scoreAll(new NodeAffinity(), makePod('p'), { nodes }), {});
});
