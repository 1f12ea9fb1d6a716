import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeUnschedulable } from '../../../src/scheduler/plugins/node-unschedulable.js';
import { makeNode, makePod } from '../fixtures.js';
import { filterAll } from './harness.js';

const nodes = [makeNode('open'), makeNode('cordoned', { unschedulable: true })];
const rows = [
  { name: 'cordoned node rejects', pod: makePod('p'), want: { open: '', cordoned: 'UnschedulableAndUnresolvable: node(s) were unschedulable' } },
  {
    name: 'toleration for node.kubernetes.io/unschedulable admits', want: { open: '', cordoned: '' },
    pod: makePod('p', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }),
  },
  { name: 'tolerate-everything admits', pod: makePod('p', { tolerations: [{ operator: 'Exists' }] }), want: { open: '', cordoned: '' } },
  {
    name: 'a NoExecute toleration does not', want: { open: '', cordoned: 'UnschedulableAndUnresolvable: node(s) were unschedulable' },
    pod: makePod('p', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoExecute' }] }),
  },
];
for (const row of rows) {
  test(`NodeUnschedulable: ${row.name}`, () => assert.deepEqual(filterAll(new NodeUnschedulable(), row.pod, { nodes }), row.want));
}
