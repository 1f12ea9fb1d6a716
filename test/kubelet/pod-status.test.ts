// generatePodStatus and computePhase: phases, container states and conditions from what runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container } from 'kubernetes-types/core/v1.js';
import { generatePodStatus } from '../../src/kubelet/pod-status.js';
import { container, pod, sandbox, state } from './fixtures.js';

const c: Container = { name: 'c', image: 'busybox' };
const NOW = Date.UTC(2024, 0, 1, 12);
const base = { now: NOW, runtimeName: 'sim', hostIP: '192.168.1.2' };

test('no container yet: Pending, waiting ContainerCreating, startTime and IPs set', () => {
  const s = generatePodStatus({ ...base, pod: pod(), state: state([sandbox('sb1')], []) });
  assert.equal(s.phase, 'Pending');
  assert.deepEqual(s.containerStatuses?.[0]?.state, { waiting: { reason: 'ContainerCreating' } });
  assert.equal(s.podIP, '10.0.0.5');
  assert.deepEqual(s.hostIPs, [{ ip: '192.168.1.2' }]);
  assert.equal(s.startTime, '2024-01-01T12:00:00Z');
  assert.equal(s.conditions?.find((x) => x.type === 'PodReadyToStartContainers')?.status, 'True');
});

test('running and ready: Running with Ready True; an unready probe makes it False', () => {
  const st = state([sandbox('sb1')], [container({ id: 'c1', spec: c, state: 'CONTAINER_RUNNING' })]);
  const s = generatePodStatus({ ...base, pod: pod(), state: st });
  assert.equal(s.phase, 'Running');
  assert.equal(s.containerStatuses?.[0]?.containerID, 'sim://c1');
  assert.equal(s.conditions?.find((x) => x.type === 'Ready')?.status, 'True');
  const unready = generatePodStatus({ ...base, pod: pod(), state: st, isReady: () => false });
  assert.equal(unready.containerStatuses?.[0]?.ready, false);
  assert.equal(unready.conditions?.find((x) => x.type === 'ContainersReady')?.reason, 'ContainersNotReady');
});

test('a container waiting to restart shows its waiting reason with the last run as lastState', () => {
  const st = state([sandbox('sb1')], [container({ id: 'c1', spec: c, state: 'CONTAINER_EXITED', exitCode: 2, restartCount: 3, reason: 'Error' })]);
  const s = generatePodStatus({ ...base, pod: pod(), state: st, waiting: new Map([['c', { reason: 'CrashLoopBackOff', message: 'back-off 40s …' }]]) });
  const cs = s.containerStatuses![0]!;
  assert.deepEqual(cs.state, { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s …' } });
  assert.equal(cs.lastState?.terminated?.exitCode, 2);
  assert.equal(cs.restartCount, 3);
  assert.equal(s.phase, 'Running', 'Always: a restarting pod is Running');
});

const phaseRows: [string, 'Always' | 'OnFailure' | 'Never', number, string][] = [
  ['Never, exit 0', 'Never', 0, 'Succeeded'],
  ['Never, exit 1', 'Never', 1, 'Failed'],
  ['OnFailure, exit 0', 'OnFailure', 0, 'Succeeded'],
  ['OnFailure, exit 1 (to be restarted)', 'OnFailure', 1, 'Running'],
  ['Always, exit 0 (to be restarted)', 'Always', 0, 'Running'],
];
for (const [name, policy, code, phase] of phaseRows) {
  test(`phase: ${name} → ${phase}`, () => {
    const st = state([sandbox('sb1', 'SANDBOX_NOTREADY')], [container({ id: 'c1', spec: c, state: 'CONTAINER_EXITED', exitCode: code })]);
    assert.equal(generatePodStatus({ ...base, pod: pod({ restartPolicy: policy }), state: st }).phase, phase);
  });
}

test('a pod killed for deletion gets a terminal phase (Failed when killed by signal)', () => {
  const st = state([sandbox('sb1', 'SANDBOX_NOTREADY')], [container({ id: 'c1', spec: c, state: 'CONTAINER_EXITED', exitCode: 143 })]);
  assert.equal(generatePodStatus({ ...base, pod: pod(), state: st, terminal: true }).phase, 'Failed');
});

test('conditions keep lastTransitionTime until they flip; PodScheduled and qosClass are kept', () => {
  const p = pod();
  const old = {
    phase: 'Running' as const,
    qosClass: 'BestEffort',
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: '2023-12-31T00:00:00Z' },
      { type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T11:00:00Z' },
      { type: 'ContainersReady', status: 'True', lastTransitionTime: '2024-01-01T11:00:00Z' },
    ],
  };
  const st = state([sandbox('sb1')], [container({ id: 'c1', spec: c, state: 'CONTAINER_RUNNING' })]);
  const same = generatePodStatus({ ...base, pod: { ...p, status: old }, state: st });
  assert.equal(same.conditions?.find((x) => x.type === 'Ready')?.lastTransitionTime, '2024-01-01T11:00:00Z');
  assert.deepEqual(same.conditions?.find((x) => x.type === 'PodScheduled'), old.conditions[0]);
  assert.equal(same.qosClass, 'BestEffort');
  const flipped = generatePodStatus({ ...base, pod: { ...p, status: old }, state: st, isReady: () => false });
  assert.equal(flipped.conditions?.find((x) => x.type === 'Ready')?.lastTransitionTime, '2024-01-01T12:00:00Z');
});

test('init containers not done: Pending, Initialized False naming them, app containers PodInitializing', () => {
  const init: Container = { name: 'setup', image: 'busybox' };
  const st = state([sandbox('sb1')], [container({ id: 'i1', spec: init, state: 'CONTAINER_RUNNING' })]);
  const s = generatePodStatus({ ...base, pod: pod({ initContainers: [init] }), state: st });
  assert.equal(s.phase, 'Pending');
  const initialized = s.conditions?.find((x) => x.type === 'Initialized');
  assert.equal(initialized?.status, 'False');
  assert.equal(initialized?.reason, 'ContainersNotInitialized');
  assert.equal(initialized?.message, 'containers with incomplete status: [setup]');
  assert.deepEqual(s.containerStatuses?.[0]?.state, { waiting: { reason: 'PodInitializing' } });
});
