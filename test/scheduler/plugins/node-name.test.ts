import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeName } from '../../../src/scheduler/plugins/node-name.js';
import { makeNode, makePod } from '../fixtures.js';
import { filterAll } from './harness.js';

const nodes = [makeNode('a'), makeNode('b')];
const rows = [
  { name: 'no nodeName fits anywhere', pod: makePod('p'), want: { a: '', b: '' } },
  {
    name: 'nodeName fits only that node', pod: makePod('p', { nodeName: 'b' }),
    want: { a: "UnschedulableAndUnresolvable: node(s) didn't match the requested node name", b: '' },
  },
];
for (const row of rows) {
  test(`NodeName: ${row.name}`, () => assert.deepEqual(filterAll(new NodeName(), row.pod, { nodes }), row.want));
}
