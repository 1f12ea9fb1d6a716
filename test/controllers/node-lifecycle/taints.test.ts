// Pure parts of the node lifecycle controllers: conditions → taints, toleration time, zone states
// and health observation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import {
  desiredNoExecuteKey, desiredNoScheduleKeys, reconcileTaints, tolerationTimeMs, TAINT_NOT_READY, TAINT_UNREACHABLE,
} from '../../../src/controllers/node-lifecycle/taints.js';
import { computeZoneState, summarizeZones, zoneRate } from '../../../src/controllers/node-lifecycle/zones.js';
import { observeHealth, unknownConditions } from '../../../src/controllers/node-lifecycle/node-health.js';

const node = (ready: string, extra: Partial<Node> = {}, zone = 'a'): Node => ({
  metadata: { name: 'n', labels: { 'topology.kubernetes.io/zone': zone }, creationTimestamp: '2024-01-01T00:00:00Z' },
  spec: {},
  status: { conditions: [{ type: 'Ready', status: ready, lastHeartbeatTime: '2024-01-01T00:00:10Z' }, { type: 'MemoryPressure', status: 'False' }] },
  ...extra,
});

test('conditions map to NoSchedule and NoExecute taint keys as upstream', () => {
  assert.deepEqual([...desiredNoScheduleKeys(node('Unknown'))], [TAINT_UNREACHABLE]);
  assert.deepEqual([...desiredNoScheduleKeys(node('False', { spec: { unschedulable: true } }))], [TAINT_NOT_READY, 'node.kubernetes.io/unschedulable']);
  assert.equal(desiredNoExecuteKey(node('True')), undefined);
  assert.equal(desiredNoExecuteKey(node('False')), TAINT_NOT_READY);
  assert.equal(desiredNoExecuteKey(node('Unknown')), TAINT_UNREACHABLE);
});

test('reconcileTaints keeps foreign taints, adds timeAdded to NoExecute, and reports no change as undefined', () => {
  const n = node('Unknown', { spec: { taints: [{ key: 'mine', effect: 'NoSchedule' }, { key: TAINT_NOT_READY, effect: 'NoExecute', timeAdded: 't0' }] } });
  const next = reconcileTaints(n, 'NoExecute', new Set([TAINT_UNREACHABLE]), 't1');
  assert.deepEqual(next, [{ key: 'mine', effect: 'NoSchedule' }, { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: 't1' }]);
  assert.equal(reconcileTaints({ ...n, spec: { taints: next } }, 'NoExecute', new Set([TAINT_UNREACHABLE]), 't2'), undefined);
});

test('toleration time: untolerated is now, tolerated forever is Infinity, else the shortest tolerationSeconds', () => {
  const taints = [{ key: TAINT_UNREACHABLE, effect: 'NoExecute' }];
  assert.equal(tolerationTimeMs(taints, []), 0);
  assert.equal(tolerationTimeMs(taints, [{ operator: 'Exists' }]), Infinity);
  assert.equal(tolerationTimeMs(taints, [
    { key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
  ]), 30_000);
  assert.equal(tolerationTimeMs(taints, [{ key: TAINT_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]), 0);
});

test('zone states and rates as upstream', () => {
  assert.equal(computeZoneState(0, 3, 0.55), 'FullDisruption');
  assert.equal(computeZoneState(2, 3, 0.55), 'PartialDisruption');
  assert.equal(computeZoneState(2, 2, 0.55), 'Normal', 'needs more than two not-ready nodes');
  assert.equal(computeZoneState(5, 1, 0.55), 'Normal');
  const rates = { primary: 0.1, secondary: 0.01, largeClusterThreshold: 50 };
  assert.equal(zoneRate('PartialDisruption', 10, rates), 0);
  assert.equal(zoneRate('PartialDisruption', 100, rates), 0.01);
  assert.equal(zoneRate('FullDisruption', 100, rates), 0.1);
  const s = summarizeZones([node('Unknown', {}, 'a'), node('True', {}, 'b')], 0.55);
  assert.equal(s.allDisrupted, false);
  assert.equal(summarizeZones([node('Unknown', {}, 'a'), node('False', {}, 'b')], 0.55).allDisrupted, true);
});

test('health: a new lease renewTime or Ready heartbeat moves the probe time; quiet nodes get Unknown conditions', () => {
  const n = node('True');
  const h0 = observeHealth(undefined, n, undefined, 1000);
  assert.equal(h0.probeTimestamp, 1000);
  const same = observeHealth(h0, n, undefined, 5000);
  assert.equal(same.probeTimestamp, 1000);
  const renewed = observeHealth(h0, n, { spec: { renewTime: '2024-01-01T00:00:20.000000Z' } }, 6000);
  assert.equal(renewed.probeTimestamp, 6000);
  const conds = unknownConditions(n, Date.UTC(2024, 0, 1, 0, 1))!;
  const ready = conds.find((c) => c.type === 'Ready')!;
  assert.deepEqual([ready.status, ready.reason, ready.message, ready.lastHeartbeatTime], ['Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.', '2024-01-01T00:00:10Z']);
  assert.equal(conds.find((c) => c.type === 'DiskPressure')?.reason, 'NodeStatusNeverUpdated');
  assert.equal(unknownConditions({ ...n, status: { conditions: conds } }, 0), undefined);
});
