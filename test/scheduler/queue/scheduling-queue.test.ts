import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulingQueue } from '../../../src/scheduler/queue/scheduling-queue.js';
import { EVENTS } from '../../../src/scheduler/queue/events.js';
import { makePod } from '../fixtures.js';
import { FakeClock } from './fake-clock.js';

function newQueue() {
  const clock = new FakeClock();
  return { clock, q: new SchedulingQueue({ clock }) };
}

test('queue: pops higher priority first, then the older pod', async () => {
  const { clock, q } = newQueue();
  q.add(makePod('low', { priority: 1 }));
  clock.advance(10);
  q.add(makePod('high-late', { priority: 100 }));
  clock.advance(10);
  q.add(makePod('low-late', { priority: 1 }));
  q.add(makePod('high-later', { priority: 100 }));
  const order = [];
  for (let i = 0; i < 4; i++) order.push((await q.pop())!.podInfo.pod.metadata!.name);
  assert.deepEqual(order, ['high-late', 'high-later', 'low', 'low-late']);
});

test('queue: pop waits for the next add', async () => {
  const { q } = newQueue();
  const p = q.pop();
  q.add(makePod('a'));
  assert.equal((await p)!.podInfo.key, 'default/a');
});

test('queue: close wakes waiting pops with undefined and stops timers', async () => {
  const { clock, q } = newQueue();
  q.run();
  assert.ok(clock.pendingTimers() > 0);
  const p = q.pop();
  q.close();
  q.close();
  assert.equal(await p, undefined);
  assert.equal(clock.pendingTimers(), 0);
});

const backoffRows = [
  { name: 'first attempt waits 1 s', attempts: 1, want: 1000 },
  { name: 'second attempt waits 2 s', attempts: 2, want: 2000 },
  { name: 'fourth attempt waits 8 s', attempts: 4, want: 8000 },
  { name: 'capped at 10 s', attempts: 5, want: 10_000 },
  { name: 'stays capped', attempts: 30, want: 10_000 },
];
for (const row of backoffRows) {
  test(`queue: back-off ${row.name}`, () => {
    const { q } = newQueue();
    assert.equal(q.backoffDuration({ podInfo: undefined!, timestamp: 0, attempts: row.attempts, unschedulablePlugins: new Set() }), row.want);
  });
}

test('queue: an unschedulable pod waits for a relevant event, then its back-off', async () => {
  const { clock, q } = newQueue();
  q.add(makePod('p'));
  const qp = (await q.pop())!;
  q.addUnschedulableIfNotPresent(qp, q.schedulingCycle, { unschedulablePlugins: ['NodeResourcesFit'] });
  assert.deepEqual(q.lengths(), { active: 0, backoff: 0, unschedulable: 1 });
  // A namespace change cannot help a pod that lacked room.
  q.moveAllToActiveOrBackoffQueue(EVENTS.NamespaceUpdate);
  assert.deepEqual(q.lengths(), { active: 0, backoff: 0, unschedulable: 1 });
  // A deleted pod frees room; the pod is still inside its 1 s back-off.
  q.moveAllToActiveOrBackoffQueue(EVENTS.AssignedPodDelete);
  assert.deepEqual(q.lengths(), { active: 0, backoff: 1, unschedulable: 0 });
  clock.advance(999);
  q.flushBackoffQCompleted();
  assert.equal(q.lengths().backoff, 1);
  clock.advance(1);
  q.flushBackoffQCompleted();
  assert.deepEqual(q.lengths(), { active: 1, backoff: 0, unschedulable: 0 });
});

test('queue: an event after the back-off moves the pod straight to activeQ', async () => {
  const { clock, q } = newQueue();
  q.add(makePod('p'));
  const qp = (await q.pop())!;
  q.addUnschedulableIfNotPresent(qp, q.schedulingCycle, { unschedulablePlugins: ['TaintToleration'] });
  clock.advance(5000);
  q.moveAllToActiveOrBackoffQueue(EVENTS.NodeUpdate);
  assert.deepEqual(q.lengths(), { active: 1, backoff: 0, unschedulable: 0 });
});

test('queue: a move request during the pod\'s cycle sends it to backoffQ, not unschedulablePods', async () => {
  const { q } = newQueue();
  q.add(makePod('p'));
  const qp = (await q.pop())!;
  const cycle = q.schedulingCycle;
  q.moveAllToActiveOrBackoffQueue(EVENTS.NodeAdd);
  q.addUnschedulableIfNotPresent(qp, cycle, { unschedulablePlugins: ['NodeResourcesFit'] });
  assert.deepEqual(q.lengths(), { active: 0, backoff: 1, unschedulable: 0 });
});

test('queue: unschedulable pods are retried after 5 minutes by the periodic flush', async () => {
  const { clock, q } = newQueue();
  q.run();
  q.add(makePod('p'));
  const qp = (await q.pop())!;
  q.addUnschedulableIfNotPresent(qp, q.schedulingCycle, { unschedulablePlugins: ['NodeAffinity'] });
  clock.advance(4 * 60_000);
  assert.equal(q.lengths().unschedulable, 1);
  clock.advance(90_000);
  assert.deepEqual(q.lengths(), { active: 1, backoff: 0, unschedulable: 0 });
  q.close();
});

test('queue: errors go to backoffQ and come back after the back-off', async () => {
  const { clock, q } = newQueue();
  q.run();
  q.add(makePod('p'));
  const qp = (await q.pop())!;
  q.addUnschedulableIfNotPresent(qp, q.schedulingCycle, { error: true });
  assert.equal(q.lengths().backoff, 1);
  clock.advance(1000);
  assert.equal(q.lengths().active, 1);
  q.close();
});

test('queue: updating an unschedulable pod\'s spec moves it; a status-only update does not', async () => {
  const { clock, q } = newQueue();
  const pod = makePod('p', { nodeSelector: { disk: 'ssd' } });
  q.add(pod);
  const qp = (await q.pop())!;
  q.addUnschedulableIfNotPresent(qp, q.schedulingCycle, { unschedulablePlugins: ['NodeAffinity'] });
  q.update(pod, { ...pod, status: { phase: 'Pending' } });
  assert.equal(q.lengths().unschedulable, 1);
  clock.advance(2000);
  q.update(pod, { ...pod, spec: { ...pod.spec!, nodeSelector: {} } });
  assert.deepEqual(q.lengths(), { active: 1, backoff: 0, unschedulable: 0 });
});

test('queue: delete removes the pod from every sub-queue and the nominator', async () => {
  const { q } = newQueue();
  const pod = makePod('p');
  q.add(pod);
  const qp = (await q.pop())!;
  q.addUnschedulableIfNotPresent(qp, q.schedulingCycle);
  q.nominator.add(qp.podInfo, 'node-a');
  assert.equal(q.nominator.podsForNode('node-a').length, 1);
  q.delete(pod);
  assert.deepEqual(q.lengths(), { active: 0, backoff: 0, unschedulable: 0 });
  assert.equal(q.nominator.podsForNode('node-a').length, 0);
});

test('queue: activate skips the back-off', async () => {
  const { q } = newQueue();
  const pod = makePod('p');
  q.add(pod);
  const qp = (await q.pop())!;
  q.addUnschedulableIfNotPresent(qp, q.schedulingCycle, { error: true });
  q.activate([pod]);
  assert.equal(q.lengths().active, 1);
});
