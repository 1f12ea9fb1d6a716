import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TaintToleration } from '../../../src/scheduler/plugins/taint-toleration.js';
import { makeNode, makePod } from '../fixtures.js';
import { filterAll, scoreAll } from './harness.js';

const nodes = [
  makeNode('clean'),
  makeNode('gpu', { taints: [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }] }),
  makeNode('evicting', { taints: [{ key: 'maint', effect: 'NoExecute' }] }),
  makeNode('soft', { taints: [{ key: 'spot', value: 'yes', effect: 'PreferNoSchedule' }] }),
];

const filterRows = [
  {
    name: 'untolerated NoSchedule and NoExecute reject; PreferNoSchedule does not',
    pod: makePod('p'),
    want: {
      clean: '', soft: '',
      gpu: 'UnschedulableAndUnresolvable: node(s) had untolerated taint {gpu: true}',
      evicting: 'UnschedulableAndUnresolvable: node(s) had untolerated taint {maint: }',
    },
  },
  {
    name: 'Equal toleration with the value admits',
    pod: makePod('p', { tolerations: [{ key: 'gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }] }),
    want: { clean: '', soft: '', gpu: '', evicting: 'UnschedulableAndUnresolvable: node(s) had untolerated taint {maint: }' },
  },
  {
    name: 'Equal toleration with another value does not',
    pod: makePod('p', { tolerations: [{ key: 'gpu', value: 'false' }] }),
    want: {
      clean: '', soft: '',
      gpu: 'UnschedulableAndUnresolvable: node(s) had untolerated taint {gpu: true}',
      evicting: 'UnschedulableAndUnresolvable: node(s) had untolerated taint {maint: }',
    },
  },
  { name: 'empty key with Exists tolerates everything', pod: makePod('p', { tolerations: [{ operator: 'Exists' }] }), want: { clean: '', soft: '', gpu: '', evicting: '' } },
];
for (const row of filterRows) {
  test(`TaintToleration filter: ${row.name}`, () => assert.deepEqual(filterAll(new TaintToleration(), row.pod, { nodes }), row.want));
}

test('TaintToleration score: untolerated PreferNoSchedule taints score lower', () => {
  const twoSoft = makeNode('two', { taints: [{ key: 'a', effect: 'PreferNoSchedule' }, { key: 'b', effect: 'PreferNoSchedule' }] });
  const scores = scoreAll(new TaintToleration(), makePod('p'), { nodes: [makeNode('clean'), nodes[3]!, twoSoft] });
  assert.deepEqual(scores, { clean: 100, soft: 50, two: 0 });
});

test('TaintToleration score: a PreferNoSchedule toleration restores the score', () => {
  const pod = makePod('p', { tolerations: [{ key: 'spot', operator: 'Exists', effect: 'PreferNoSchedule' }] });
  assert.deepEqual(scoreAll(new TaintToleration(), pod, { nodes: [makeNode('clean'), nodes[3]!] }), { clean: 100, soft: 100 });
});
