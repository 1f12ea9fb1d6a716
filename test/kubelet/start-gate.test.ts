import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StartGate } from '../../src/kubelet/start-gate.js';

const tick = () => new Promise((r) => setImmediate(r));

test('admits up to its limit, then one per release in arrival order; a release twice counts once', async () => {
  const gate = new StartGate(2);
  const admitted: string[] = [];
  const releases = new Map<string, () => void>();
  const enter = (name: string) => gate.acquire().then((release) => {
    admitted.push(name);
    releases.set(name, release);
  });
  for (const n of ['a', 'b', 'c', 'd', 'e']) void enter(n);
  await tick();
  assert.deepEqual(admitted, ['a', 'b']);
  assert.equal(gate.queued, 3);

  releases.get('b')!();
  releases.get('b')!();
  await tick();
  assert.deepEqual(admitted, ['a', 'b', 'c'], 'a double release must not admit two');

  // A newcomer queues behind those already waiting, even right after a release.
  releases.get('a')!();
  void enter('f');
  await tick();
  assert.deepEqual(admitted, ['a', 'b', 'c', 'd']);
  for (const n of ['c', 'd']) releases.get(n)!();
  await tick();
  assert.deepEqual(admitted, ['a', 'b', 'c', 'd', 'e', 'f']);
  assert.equal(gate.queued, 0);

  // Once everything is released the full limit is free again.
  for (const n of ['e', 'f']) releases.get(n)!();
  admitted.length = 0;
  for (const n of ['g', 'h', 'i']) void enter(n);
  await tick();
  assert.deepEqual(admitted, ['g', 'h']);
});
