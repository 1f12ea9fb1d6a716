// Long-lived client pieces own their timers: after stop() nothing is left scheduled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/client/clock.js';
import { SharedIndexInformer } from '../../src/client/shared-informer.js';
import type { ListerWatcher } from '../../src/client/list-watch.js';
import type { Watch, WatchEvent } from '../../src/client/watch.js';
import { RateLimitingQueue } from '../../src/client/rate-limiting-queue.js';

interface Obj { metadata: { name: string; namespace?: string; resourceVersion?: string } }

/** A lister-watcher from memory: a fixed list and a watch the test feeds. */
function memoryListerWatcher(items: Obj[]): ListerWatcher<Obj> & { push(ev: WatchEvent<Obj>): void; watches: number } {
  let feed: ((ev: WatchEvent<Obj> | undefined) => void) | undefined;
  const pending: (WatchEvent<Obj> | undefined)[] = [];
  const self = {
    watches: 0,
    list: async () => ({ metadata: { resourceVersion: '1' }, items }),
    watch: async (): Promise<Watch<Obj>> => {
      self.watches++;
      return {
        cancel: () => feed?.(undefined),
        async *[Symbol.asyncIterator]() {
          for (;;) {
            const ev = pending.shift() ?? (await new Promise<WatchEvent<Obj> | undefined>((r) => (feed = r)));
            feed = undefined;
            if (!ev) return;
            yield ev;
          }
        },
      };
    },
    push(ev: WatchEvent<Obj>) {
      if (feed) feed(ev);
      else pending.push(ev);
    },
  };
  return self;
}

test('an informer resyncs on the fake clock and leaves no timer after stop', async () => {
  const clock = new FakeClock();
  const lw = memoryListerWatcher([{ metadata: { name: 'a', namespace: 'ns', resourceVersion: '1' } }]);
  const informer = new SharedIndexInformer<Obj>(lw, { name: 'objs', clock, resyncPeriodMs: 30_000 });
  const updates: string[] = [];
  informer.addEventHandler({ onUpdate: (o, n) => updates.push(`${o.metadata.name}->${n.metadata.name}`) });
  informer.start();
  await informer.waitForSync();
  clock.step(29_999);
  assert.deepEqual(updates, []);
  clock.step(1);
  assert.deepEqual(updates, ['a->a']);
  lw.push({ type: 'MODIFIED', object: { metadata: { name: 'a', namespace: 'ns', resourceVersion: '2' } } });
  await new Promise((r) => setImmediate(r));
  assert.equal(updates.length, 2);
  assert.equal(informer.lister.get('ns', 'a')?.metadata.resourceVersion, '2');
  await informer.stop();
  assert.equal(clock.pendingTimers, 0);
  lw.push({ type: 'DELETED', object: { metadata: { name: 'a', namespace: 'ns', resourceVersion: '3' } } });
  assert.equal(informer.lister.get('ns', 'a')?.metadata.resourceVersion, '2', 'a stopped informer hears nothing');
});

test('a watch ERROR event makes the informer relist after a back-off on its clock', async () => {
  const clock = new FakeClock();
  let lists = 0;
  const inner = memoryListerWatcher([{ metadata: { name: 'a', resourceVersion: '1' } }]);
  const lw: ListerWatcher<Obj> = { list: () => { lists++; return inner.list(); }, watch: (o) => inner.watch(o) };
  const informer = new SharedIndexInformer<Obj>(lw, { name: 'objs', clock, backoff: { initialMs: 800, jitter: 0 } });
  informer.start();
  await informer.waitForSync();
  inner.push({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' } });
  await new Promise((r) => setImmediate(r));
  assert.equal(lists, 1);
  assert.equal(clock.nextDueIn, 800, 'waits 0.8 s before relisting, as upstream');
  clock.step(800);
  await new Promise((r) => setImmediate(r));
  assert.equal(lists, 2);
  await informer.stop();
  assert.equal(clock.pendingTimers, 0);
});

test('a rate-limited queue leaves no timer after shutDown', () => {
  const clock = new FakeClock();
  const q = new RateLimitingQueue<string>({ clock });
  q.addRateLimited('a');
  q.addAfter('b', 10_000);
  assert.equal(clock.pendingTimers, 2);
  q.shutDown();
  assert.equal(clock.pendingTimers, 0);
});
