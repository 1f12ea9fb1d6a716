import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/client/clock.js';
import { WorkQueue } from '../../src/client/work-queue.js';
import { DelayingQueue } from '../../src/client/delaying-queue.js';
import { RateLimitingQueue } from '../../src/client/rate-limiting-queue.js';
import { BucketRateLimiter, ItemExponentialFailureRateLimiter, defaultControllerRateLimiter } from '../../src/client/rate-limiter.js';

/** Whether a promise has settled, without waiting for it. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
}

test('an item added twice while queued is handed out once', async () => {
  const q = new WorkQueue<string>();
  q.add('default/a');
  q.add('default/b');
  q.add('default/a');
  assert.equal(q.length, 2);
  assert.equal(await q.get(), 'default/a');
  assert.equal(await q.get(), 'default/b');
  assert.equal(q.length, 0);
});

test('a key being processed is not handed out again until done, then it is', async () => {
  const q = new WorkQueue<string>();
  q.add('k');
  const first = await q.get();
  assert.equal(first, 'k');
  q.add('k');
  q.add('k');
  assert.equal(q.length, 0, 're-added key waits for done()');
  const second = q.get();
  assert.equal(await settled(second), false, 'no second worker gets the key meanwhile');
  q.done('k');
  assert.equal(await second, 'k');
  q.done('k');
  assert.equal(q.length, 0, 'handed out once for the two re-adds');
});

test('a waiting get is answered by the next add', async () => {
  const q = new WorkQueue<string>();
  const waiting = q.get();
  assert.equal(await settled(waiting), false);
  q.add('x');
  assert.equal(await waiting, 'x');
});

test('shutDown: queued items are still handed out, then undefined; adds are ignored', async () => {
  const q = new WorkQueue<string>();
  q.add('a');
  q.shutDown();
  q.add('b');
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), undefined);
  const idle = new WorkQueue<string>();
  const waiting = idle.get();
  idle.shutDown();
  assert.equal(await waiting, undefined, 'an idle worker is released');
});

test('shutDownWithDrain waits for items being processed', async () => {
  const q = new WorkQueue<string>();
  q.add('a');
  await q.get();
  const drained = q.shutDownWithDrain();
  assert.equal(await settled(drained), false);
  q.done('a');
  await drained;
});

test('addAfter hands the item out once the fake clock passes the delay; the earlier time wins', async () => {
  const clock = new FakeClock();
  const q = new DelayingQueue<string>(clock);
  q.addAfter('a', 1000);
  q.addAfter('a', 300);
  q.addAfter('a', 5000);
  assert.equal(q.length, 0);
  assert.equal(q.waitingCount, 1);
  clock.step(299);
  assert.equal(q.length, 0);
  clock.step(1);
  assert.equal(q.length, 1);
  assert.equal(await q.get(), 'a');
  assert.equal(clock.pendingTimers, 0, 'the later duplicates left no timer');
});

test('shutDown cancels delayed items', () => {
  const clock = new FakeClock();
  const q = new DelayingQueue<string>(clock);
  q.addAfter('a', 1000);
  q.shutDown();
  assert.equal(clock.pendingTimers, 0);
  clock.step(2000);
  assert.equal(q.length, 0);
});

test('addRateLimited backs off per item exponentially from 5 ms; forget starts over', async () => {
  const clock = new FakeClock();
  const q = new RateLimitingQueue<string>({ clock });
  const readyAfter = async (key: string): Promise<number> => {
    const start = clock.now();
    q.addRateLimited(key);
    while (q.length === 0) clock.step(1);
    const got = await q.get();
    assert.equal(got, key);
    q.done(key);
    return clock.now() - start;
  };
  assert.deepEqual([await readyAfter('a'), await readyAfter('a'), await readyAfter('a'), await readyAfter('a')], [5, 10, 20, 40]);
  assert.equal(q.numRequeues('a'), 4);
  assert.equal(await readyAfter('b'), 5, 'other keys have their own back-off');
  q.forget('a');
  assert.equal(q.numRequeues('a'), 0);
  assert.equal(await readyAfter('a'), 5);
});

test('the per-item back-off is capped at 1000 s', () => {
  const rl = new ItemExponentialFailureRateLimiter<string>(5, 1_000_000);
  let last = 0;
  for (let i = 0; i < 100; i++) last = rl.when('x');
  assert.equal(last, 1_000_000);
});

test('the overall bucket allows a burst of 100, then 10 per second', () => {
  const clock = new FakeClock();
  const bucket = new BucketRateLimiter<string>(10, 100, clock);
  for (let i = 0; i < 100; i++) assert.equal(bucket.when(), 0);
  assert.equal(bucket.when(), 100);
  assert.equal(bucket.when(), 200);
  clock.step(1000);
  // Ten tokens came back and two were owed: eight are free.
  assert.equal(bucket.when(), 0);
});

test('the default controller rate limiter is the larger of the two', () => {
  const clock = new FakeClock();
  const rl = defaultControllerRateLimiter<string>(clock);
  for (let i = 0; i < 100; i++) assert.equal(rl.when(`k${i}`), 5);
  assert.equal(rl.when('k-over-burst'), 100, 'the bucket dominates past the burst');
  assert.equal(rl.numRequeues('k1'), 1);
  rl.forget('k1');
  assert.equal(rl.numRequeues('k1'), 0);
});
