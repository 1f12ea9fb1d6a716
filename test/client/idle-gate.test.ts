import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { IdleGate } from '../../src/client/idle-gate.js';

/** A gate whose load is whatever the test says, in windows of 5 ms. */
function gateWithLoad(load: { value: number }, maxWaitMs = 10_000): IdleGate {
  return new IdleGate({ windowMs: 5, maxWaitMs, utilization: () => load.value });
}

const settled = async (p: Promise<void>) => {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

test('a waiter goes ahead at once while the loop has spare time', async () => {
  const gate = gateWithLoad({ value: 0.3 });
  assert.equal(await settled(gate.wait()), true);
  assert.equal(gate.waiting, 0);
});

test('a waiter is held while the loop is saturated and released when it has spare time', async () => {
  const load = { value: 1 };
  const gate = gateWithLoad(load);
  const waited = gate.wait();
  assert.equal(await settled(waited), false);
  assert.equal(gate.waiting, 1);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(await settled(waited), false, 'still held while busy');
  load.value = 0.5;
  const t0 = performance.now();
  await waited;
  assert.ok(performance.now() - t0 < 1000);
  assert.equal(gate.waiting, 0);
});

test('nothing is held longer than maxWaitMs after the moment it names', async () => {
  const gate = gateWithLoad({ value: 1 }, 60);
  const t0 = performance.now();
  await gate.wait();
  const held = performance.now() - t0;
  assert.ok(held >= 55 && held < 1000, `held ${held} ms`);
  // A moment already older than maxWaitMs goes ahead at once, however busy the loop.
  assert.equal(await settled(gate.wait(performance.now() - 100)), true);
});

test('the real event loop counts as busy while it spins, and as idle while it waits', async () => {
  const gate = new IdleGate({ windowMs: 20, maxWaitMs: 5000 });
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(await settled(gate.wait()), true, 'an idle loop lets waiters through');
  const end = performance.now() + 100;
  while (performance.now() < end) { /* saturate the loop for five windows */ }
  const waited = gate.wait();
  assert.equal(await settled(waited), false, 'a spinning loop holds waiters');
  await waited;
});
