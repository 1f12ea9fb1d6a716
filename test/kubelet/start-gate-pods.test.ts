// The kubelet's start gate with pods: first starts go in turn, but a postStart hook (which may
// take long) does not hold the gate.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pods } from '../../src/client/resources.js';
import { boundPod, eventsOf, eventually, getPod, type Harness, startHarness } from './harness.js';

let h: Harness;
before(async () => {
  h = await startHarness({ kubelet: { podStartConcurrency: 1 } });
});
after(async () => {
  await h.stop();
});

test('a first start waiting on its postStart hook has left the gate: the next pod starts meanwhile', async () => {
  // The sleep handler waits on the harness's fake clock, so the hook lasts until the test moves it.
  await h.client.resource(pods, 'default').create(boundPod('hooked', 'node-a', {
    terminationGracePeriodSeconds: 30,
    containers: [{ name: 'app', image: 'busybox', lifecycle: { postStart: { sleep: { seconds: 20 } } } }],
  }));
  // (Polled without waiting for the kubelet to be idle: it is not, while the hook runs.)
  await eventually(async () => (await eventsOf(h, 'hooked')).some((e) => e.reason === 'Started'), 'the hooked container to start');
  await h.client.resource(pods, 'default').create(boundPod('next', 'node-a'));
  // With a gate of one, "next" can only start if "hooked" left the gate before its hook.
  await eventually(async () => (await getPod(h, 'next')).status?.phase === 'Running', 'the second pod Running while the first hook runs');
  assert.notEqual((await getPod(h, 'hooked')).status?.phase, 'Running', 'the hooked pod is still in its sync');
  await h.step(20_000, false);
  await eventually(async () => (await getPod(h, 'hooked')).status?.phase === 'Running', 'the hooked pod Running once its hook is done');
});
