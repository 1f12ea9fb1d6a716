import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitErrorMessage, newDiagnosis } from '../../../src/scheduler/framework/fit-error.js';
import { Status } from '../../../src/scheduler/framework/status.js';

test('FitError message: reasons counted per node and sorted bytewise', () => {
  const d = newDiagnosis();
  d.nodeToStatus.set('a', Status.unschedulable('Insufficient cpu', 'Insufficient memory'));
  d.nodeToStatus.set('b', Status.unschedulable('Insufficient cpu'));
  d.nodeToStatus.set('c', Status.unresolvable('node(s) had untolerated taint {k: v}'));
  assert.equal(fitErrorMessage(3, d), '0/3 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {k: v}, 2 Insufficient cpu.');
});

test('FitError message: nodes not listed take the absent-nodes status', () => {
  const d = newDiagnosis();
  d.nodeToStatus.set('a', Status.unschedulable('Too many pods'));
  d.nodeToStatus.setAbsentNodesStatus(Status.unresolvable("node(s) didn't satisfy plugin(s) [NodeAffinity]"));
  assert.equal(fitErrorMessage(4, d), "0/4 nodes are available: 1 Too many pods, 3 node(s) didn't satisfy plugin(s) [NodeAffinity].");
});

test('FitError message: a PreFilter rejection is stated once, without a histogram', () => {
  const d = newDiagnosis();
  d.preFilterMsg = 'pod has unbound immediate PersistentVolumeClaims';
  d.nodeToStatus.setAbsentNodesStatus(Status.unresolvable(d.preFilterMsg));
  d.postFilterMsg = 'preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.';
  assert.equal(fitErrorMessage(2, d),
    '0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.');
});
