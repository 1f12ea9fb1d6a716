import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/client/clock.js';
import { DueQueue } from '../../src/sim/due-queue.js';

test('runs entries in due order with one timer, skipping cancelled and replaced ones', () => {
  const clock = new FakeClock(0);
  const q = new DueQueue(clock);
  const ran: string[] = [];
  q.schedule('a', 300, () => ran.push('a'));
  q.schedule('b', 100, () => ran.push('b'));
  q.schedule('c', 200, () => ran.push('c'));
  q.schedule('a', 50, () => ran.push('a-early'));
  q.cancel('c');
  assert.equal(clock.pendingTimers, 1);
  clock.step(150);
  assert.deepEqual(ran, ['a-early', 'b']);
  clock.step(1000);
  assert.deepEqual(ran, ['a-early', 'b'], 'the replaced and the cancelled entries never run');
  assert.equal(q.size, 0);
});

test('entries scheduled from a running entry run when due; close drops everything', () => {
  const clock = new FakeClock(0);
  const q = new DueQueue(clock);
  let n = 0;
  const tick = () => {
    n++;
    q.schedule('tick', clock.now() + 10, tick);
  };
  q.schedule('tick', 10, tick);
  clock.step(55);
  assert.equal(n, 5);
  q.close();
  clock.step(100);
  assert.equal(n, 5);
  assert.equal(clock.pendingTimers, 0);
});
