// One conformance suite for every Store backend (memory, sqlite, later etcd): each test
// gets a fresh, empty store and checks one behaviour of the etcd-shaped contract.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CompactedError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionMismatchError,
  type Store,
  type WatchEvent,
} from '../../src/store/types.js';

export type StoreFactory = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

const PODS = '/registry/pods/';
const pod = (name: string) => `${PODS}default/${name}`;

/** Collects watch events and lets a test wait for a number of them (bounded, not a sleep). */
class EventCollector {
  readonly events: WatchEvent[] = [];
  batches = 0;
  private waiters: { n: number; resolve: () => void }[] = [];

  readonly handler = (events: WatchEvent[]): void => {
    this.batches++;
    this.events.push(...events);
    this.waiters = this.waiters.filter((w) => {
      if (this.events.length < w.n) return true;
      w.resolve();
      return false;
    });
  };

  waitFor(n: number, timeoutMs = 5000): Promise<void> {
    if (this.events.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${n} events; got ${this.events.length}`)),
        timeoutMs,
      );
      this.waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  summary(): string[] {
    return this.events.map((e) => `${e.type} ${e.kv.key} @${e.kv.modRevision}`);
  }
}

export function runStoreConformance(name: string, makeStore: StoreFactory): void {
  describe(`Store conformance: ${name}`, () => {
    /** Runs a test body against a fresh store and always cleans up. */
    const withStore = (body: (store: Store) => Promise<void>) => async () => {
      const { store, cleanup } = await makeStore();
      try {
        await body(store);
      } finally {
        await cleanup();
      }
    };

    it('starts empty at revision 0', withStore(async (store) => {
      assert.equal(await store.currentRevision(), 0);
      assert.equal(await store.compactedRevision(), 0);
      assert.deepEqual(await store.list(''), { kvs: [], revision: 0, remaining: 0 });
      assert.equal(await store.count(''), 0);
    }));

    it('create stores a key at a new revision; get returns it', withStore(async (store) => {
      const a = await store.create(pod('a'), '{"n":1}');
      assert.deepEqual(a, { key: pod('a'), value: '{"n":1}', createRevision: 1, modRevision: 1 });
      assert.deepEqual(await store.get(pod('a')), a);
      assert.equal(await store.currentRevision(), 1);
      assert.equal(await store.get(pod('missing')), undefined);
    }));

    it('create of an existing key fails with KeyExistsError and writes nothing', withStore(async (store) => {
      await store.create(pod('a'), 'v1');
      await assert.rejects(store.create(pod('a'), 'v2'), (err: unknown) => {
        assert.ok(err instanceof KeyExistsError);
        assert.equal(err.key, pod('a'));
        return true;
      });
      assert.equal((await store.get(pod('a')))?.value, 'v1');
      assert.equal(await store.currentRevision(), 1);
    }));

    it('revisions grow by one per write across keys and kinds of write', withStore(async (store) => {
      const revs = [
        (await store.create(pod('a'), '1')).modRevision,
        (await store.create(pod('b'), '1')).modRevision,
        (await store.update(pod('a'), '2', 1)).modRevision,
        (await store.delete(pod('b'))).modRevision,
        (await store.create('/registry/services/default/s', '1')).modRevision,
      ];
      assert.deepEqual(revs, [1, 2, 3, 4, 5]);
      assert.equal(await store.currentRevision(), 5);
    }));

    it('update with the current modRevision replaces the value and keeps createRevision', withStore(async (store) => {
      const created = await store.create(pod('a'), 'v1');
      await store.create(pod('other'), 'x');
      const updated = await store.update(pod('a'), 'v2', created.modRevision);
      assert.deepEqual(updated, { key: pod('a'), value: 'v2', createRevision: 1, modRevision: 3 });
      assert.deepEqual(await store.get(pod('a')), updated);
      const again = await store.update(pod('a'), 'v3', updated.modRevision);
      assert.equal(again.createRevision, 1);
      assert.equal(again.modRevision, 4);
    }));

    it('update with a stale modRevision fails with RevisionMismatchError carrying the current value', withStore(async (store) => {
      await store.create(pod('a'), 'v1');
      const current = await store.update(pod('a'), 'v2', 1);
      await assert.rejects(store.update(pod('a'), 'v3', 1), (err: unknown) => {
        assert.ok(err instanceof RevisionMismatchError);
        assert.equal(err.key, pod('a'));
        assert.deepEqual(err.current, current);
        return true;
      });
      assert.deepEqual(await store.get(pod('a')), current);
      assert.equal(await store.currentRevision(), 2);
    }));

    it('update of a missing key fails with KeyNotFoundError', withStore(async (store) => {
      await assert.rejects(store.update(pod('nope'), 'v', 1), (err: unknown) => {
        assert.ok(err instanceof KeyNotFoundError);
        assert.equal(err.key, pod('nope'));
        return true;
      });
      assert.equal(await store.currentRevision(), 0);
    }));

    it('unguarded delete removes the key and returns its last value at the deletion revision', withStore(async (store) => {
      await store.create(pod('a'), 'v1');
      await store.update(pod('a'), 'v2', 1);
      const deleted = await store.delete(pod('a'));
      assert.deepEqual(deleted, { key: pod('a'), value: 'v2', createRevision: 1, modRevision: 3 });
      assert.equal(await store.get(pod('a')), undefined);
      assert.equal(await store.count(PODS), 0);
      assert.equal(await store.currentRevision(), 3);
    }));

    it('guarded delete succeeds on a match and fails with RevisionMismatchError otherwise', withStore(async (store) => {
      await store.create(pod('a'), 'v1');
      const current = await store.update(pod('a'), 'v2', 1);
      await assert.rejects(store.delete(pod('a'), 1), (err: unknown) => {
        assert.ok(err instanceof RevisionMismatchError);
        assert.deepEqual(err.current, current);
        return true;
      });
      assert.deepEqual(await store.get(pod('a')), current);
      const deleted = await store.delete(pod('a'), current.modRevision);
      assert.equal(deleted.modRevision, 3);
      assert.equal(await store.get(pod('a')), undefined);
    }));

    it('delete of a missing key fails with KeyNotFoundError, guarded or not', withStore(async (store) => {
      await assert.rejects(store.delete(pod('nope')), KeyNotFoundError);
      await assert.rejects(store.delete(pod('nope'), 7), KeyNotFoundError);
      assert.equal(await store.currentRevision(), 0);
    }));

    it('a key re-created after deletion gets a new createRevision', withStore(async (store) => {
      await store.create(pod('a'), 'v1');
      await store.delete(pod('a'));
      const again = await store.create(pod('a'), 'v2');
      assert.deepEqual(again, { key: pod('a'), value: 'v2', createRevision: 3, modRevision: 3 });
      await assert.rejects(store.update(pod('a'), 'v3', 1), RevisionMismatchError);
    }));

    it('list returns the keys under a prefix in key order, and only those', withStore(async (store) => {
      for (const key of [pod('c'), '/registry/podsx/default/x', pod('a'), '/registry/pods', pod('b'), '/registry/services/default/s']) {
        await store.create(key, key);
      }
      const result = await store.list(PODS);
      assert.deepEqual(result.kvs.map((kv) => kv.key), [pod('a'), pod('b'), pod('c')]);
      assert.deepEqual(result.kvs.map((kv) => kv.value), [pod('a'), pod('b'), pod('c')]);
      assert.equal(result.revision, 6);
      assert.equal(result.remaining, 0);
      assert.equal((await store.list('/registry/podsx/')).kvs.length, 1);
      assert.equal((await store.list('/registry/')).kvs.length, 6);
      assert.equal((await store.list('')).kvs.length, 6);
      assert.equal((await store.list('/registry/nothing/')).kvs.length, 0);
      assert.equal(await store.count(PODS), 3);
      assert.equal(await store.count('/registry/'), 6);
      assert.equal(await store.count('/registry/nothing/'), 0);
    }));

    it('list pages with limit and startAfter, reporting the keys remaining', withStore(async (store) => {
      const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
      for (const n of names) await store.create(pod(n), n);
      await store.create('/registry/podsx/default/z', 'z');

      const first = await store.list(PODS, { limit: 3 });
      assert.deepEqual(first.kvs.map((kv) => kv.value), ['a', 'b', 'c']);
      assert.equal(first.remaining, 4);
      const second = await store.list(PODS, { limit: 3, startAfter: pod('c') });
      assert.deepEqual(second.kvs.map((kv) => kv.value), ['d', 'e', 'f']);
      assert.equal(second.remaining, 1);
      const last = await store.list(PODS, { limit: 3, startAfter: pod('f') });
      assert.deepEqual(last.kvs.map((kv) => kv.value), ['g']);
      assert.equal(last.remaining, 0);
      const exact = await store.list(PODS, { limit: 7 });
      assert.equal(exact.kvs.length, 7);
      assert.equal(exact.remaining, 0);
      // startAfter between keys, and limit 0 meaning "all".
      const between = await store.list(PODS, { startAfter: pod('bb'), limit: 0 });
      assert.deepEqual(between.kvs.map((kv) => kv.value), ['c', 'd', 'e', 'f', 'g']);
      assert.equal(between.remaining, 0);
    }));

    it('list at a past revision shows the state as of that revision', withStore(async (store) => {
      await store.create(pod('a'), 'a1'); // 1
      await store.create(pod('b'), 'b1'); // 2
      await store.create(pod('c'), 'c1'); // 3
      await store.update(pod('a'), 'a2', 1); // 4
      await store.delete(pod('b')); // 5
      await store.create(pod('d'), 'd1'); // 6
      await store.create(pod('b'), 'b2'); // 7

      const at3 = await store.list(PODS, { revision: 3 });
      assert.equal(at3.revision, 3);
      assert.deepEqual(at3.kvs, [
        { key: pod('a'), value: 'a1', createRevision: 1, modRevision: 1 },
        { key: pod('b'), value: 'b1', createRevision: 2, modRevision: 2 },
        { key: pod('c'), value: 'c1', createRevision: 3, modRevision: 3 },
      ]);
      const at5 = await store.list(PODS, { revision: 5 });
      assert.deepEqual(at5.kvs.map((kv) => `${kv.value}@${kv.modRevision}`), ['a2@4', 'c1@3']);
      const at6 = await store.list(PODS, { revision: 6 });
      assert.deepEqual(at6.kvs.map((kv) => kv.value), ['a2', 'c1', 'd1']);

      const page = await store.list(PODS, { revision: 3, limit: 2 });
      assert.deepEqual(page.kvs.map((kv) => kv.value), ['a1', 'b1']);
      assert.equal(page.remaining, 1);
      const next = await store.list(PODS, { revision: 3, limit: 2, startAfter: pod('b') });
      assert.deepEqual(next.kvs.map((kv) => kv.value), ['c1']);
      assert.equal(next.remaining, 0);

      const now = await store.list(PODS, { revision: 7 });
      assert.deepEqual(now.kvs.map((kv) => kv.value), ['a2', 'b2', 'c1', 'd1']);
      assert.deepEqual(now.kvs.find((kv) => kv.value === 'b2'), { key: pod('b'), value: 'b2', createRevision: 7, modRevision: 7 });
      await assert.rejects(store.list(PODS, { revision: 8 }));
    }));

    it('watch from now delivers creates, updates and deletes with previous values', withStore(async (store) => {
      await store.create(pod('old'), 'o');
      const collector = new EventCollector();
      const watch = await store.watch(PODS, await store.currentRevision(), collector.handler);
      await store.create(pod('a'), 'v1');
      await store.update(pod('a'), 'v2', 2);
      await store.delete(pod('a'));
      await collector.waitFor(3);
      assert.deepEqual(collector.events, [
        { type: 'put', kv: { key: pod('a'), value: 'v1', createRevision: 2, modRevision: 2 } },
        {
          type: 'put',
          kv: { key: pod('a'), value: 'v2', createRevision: 2, modRevision: 3 },
          prevKv: { key: pod('a'), value: 'v1', createRevision: 2, modRevision: 2 },
        },
        {
          type: 'delete',
          kv: { key: pod('a'), value: 'v2', createRevision: 2, modRevision: 4 },
          prevKv: { key: pod('a'), value: 'v2', createRevision: 2, modRevision: 3 },
        },
      ]);
      watch.cancel();
    }));

    it('watch from an older revision replays retained history, then continues live', withStore(async (store) => {
      await store.create(pod('a'), 'v1'); // 1
      await store.create(pod('b'), 'b1'); // 2
      await store.update(pod('a'), 'v2', 1); // 3
      await store.delete(pod('b')); // 4
      const collector = new EventCollector();
      const watch = await store.watch(PODS, 1, collector.handler);
      await store.create(pod('c'), 'c1'); // 5
      await collector.waitFor(4);
      assert.deepEqual(collector.summary(), [
        `put ${pod('b')} @2`,
        `put ${pod('a')} @3`,
        `delete ${pod('b')} @4`,
        `put ${pod('c')} @5`,
      ]);
      assert.equal(collector.events[0]!.prevKv, undefined);
      assert.deepEqual(collector.events[1]!.prevKv, { key: pod('a'), value: 'v1', createRevision: 1, modRevision: 1 });
      assert.deepEqual(collector.events[2]!.kv, { key: pod('b'), value: 'b1', createRevision: 2, modRevision: 4 });
      assert.deepEqual(collector.events[2]!.prevKv, { key: pod('b'), value: 'b1', createRevision: 2, modRevision: 2 });
      watch.cancel();
    }));

    it('watch delivers only keys under its prefix, in replay and live', withStore(async (store) => {
      await store.create(pod('a'), '1'); // 1
      await store.create('/registry/podsx/default/a', '1'); // 2
      const collector = new EventCollector();
      const watch = await store.watch(PODS, 0, collector.handler);
      await store.create('/registry/podsx/default/b', '1'); // 3
      await store.create('/registry/services/default/s', '1'); // 4
      await store.create(pod('b'), '1'); // 5
      await collector.waitFor(2);
      assert.deepEqual(collector.summary(), [`put ${pod('a')} @1`, `put ${pod('b')} @5`]);
      watch.cancel();
    }));

    it('a watch started while writes are in flight sees every later write exactly once', withStore(async (store) => {
      for (let i = 0; i < 20; i++) await store.create(pod(`before-${String(i).padStart(2, '0')}`), 'x');
      const from = 10;
      const collector = new EventCollector();
      const writes: Promise<unknown>[] = [];
      let watchPromise: Promise<{ cancel(): void }> | undefined;
      for (let i = 0; i < 20; i++) {
        writes.push(store.create(pod(`during-${String(i).padStart(2, '0')}`), 'x'));
        if (i === 7) watchPromise = store.watch(PODS, from, collector.handler);
      }
      await Promise.all(writes);
      const watch = await watchPromise!;
      for (let i = 0; i < 5; i++) await store.create(pod(`after-${i}`), 'x');
      const expected = Array.from({ length: 45 - from }, (_, i) => from + 1 + i);
      await collector.waitFor(expected.length);
      assert.deepEqual(collector.events.map((e) => e.kv.modRevision), expected);
      watch.cancel();
    }));

    it('a watch from a future revision skips the writes up to it', withStore(async (store) => {
      await store.create(pod('a'), '1'); // 1
      const collector = new EventCollector();
      const watch = await store.watch(PODS, 3, collector.handler);
      await store.create(pod('b'), '1'); // 2
      await store.create(pod('c'), '1'); // 3
      await store.create(pod('d'), '1'); // 4
      await collector.waitFor(1);
      assert.deepEqual(collector.summary(), [`put ${pod('d')} @4`]);
      watch.cancel();
    }));

    it('cancel stops delivery', withStore(async (store) => {
      const cancelled = new EventCollector();
      const fence = new EventCollector();
      const watch = await store.watch(PODS, 0, cancelled.handler);
      const fenceWatch = await store.watch(PODS, 0, fence.handler);
      await store.create(pod('a'), '1');
      await cancelled.waitFor(1);
      watch.cancel();
      await store.create(pod('b'), '1');
      await fence.waitFor(2);
      assert.deepEqual(cancelled.summary(), [`put ${pod('a')} @1`]);
      fenceWatch.cancel();
    }));

    it('writes in one burst reach a watcher in revision order', withStore(async (store) => {
      const collector = new EventCollector();
      const watch = await store.watch('', 0, collector.handler);
      await Promise.all(Array.from({ length: 50 }, (_, i) => store.create(pod(`p${i}`), String(i))));
      await collector.waitFor(50);
      assert.deepEqual(collector.events.map((e) => e.kv.modRevision), Array.from({ length: 50 }, (_, i) => i + 1));
      watch.cancel();
    }));

    it('compaction forgets old history: old watches and lists fail with CompactedError', withStore(async (store) => {
      await store.create(pod('a'), 'a1'); // 1
      await store.create(pod('b'), 'b1'); // 2
      await store.update(pod('a'), 'a2', 1); // 3
      await store.delete(pod('b')); // 4
      await store.create(pod('c'), 'c1'); // 5
      await store.update(pod('c'), 'c2', 5); // 6
      await store.compact(4);
      assert.equal(await store.compactedRevision(), 4);

      await assert.rejects(store.watch(PODS, 3, () => {}), (err: unknown) => {
        assert.ok(err instanceof CompactedError);
        assert.equal(err.requested, 3);
        assert.equal(err.compacted, 4);
        return true;
      });
      await assert.rejects(store.list(PODS, { revision: 2 }), CompactedError);

      // The compacted revision itself and everything after stay readable.
      const at4 = await store.list(PODS, { revision: 4 });
      assert.deepEqual(at4.kvs, [{ key: pod('a'), value: 'a2', createRevision: 1, modRevision: 3 }]);
      const at5 = await store.list(PODS, { revision: 5 });
      assert.deepEqual(at5.kvs.map((kv) => kv.value), ['a2', 'c1']);
      const collector = new EventCollector();
      const watch = await store.watch(PODS, 4, collector.handler);
      await collector.waitFor(2);
      assert.deepEqual(collector.summary(), [`put ${pod('c')} @5`, `put ${pod('c')} @6`]);
      assert.deepEqual(collector.events[1]!.prevKv, { key: pod('c'), value: 'c1', createRevision: 5, modRevision: 5 });
      watch.cancel();

      // Current state is untouched, and a later update still reports the pre-compaction value.
      assert.deepEqual((await store.list(PODS)).kvs.map((kv) => kv.value), ['a2', 'c2']);
      const live = new EventCollector();
      const liveWatch = await store.watch(PODS, 6, live.handler);
      await store.update(pod('a'), 'a3', 3);
      await live.waitFor(1);
      assert.deepEqual(live.events[0]!.prevKv, { key: pod('a'), value: 'a2', createRevision: 1, modRevision: 3 });
      liveWatch.cancel();

      // Compacting again to an older revision changes nothing; to a future one is refused.
      await store.compact(2);
      assert.equal(await store.compactedRevision(), 4);
      await assert.rejects(store.compact(100));
    }));

    it('compaction up to the current revision keeps every live key', withStore(async (store) => {
      await store.create(pod('a'), 'a1');
      await store.update(pod('a'), 'a2', 1);
      await store.create(pod('b'), 'b1');
      await store.delete(pod('b')); // 4: the newest write is a deletion
      await store.compact(4);
      assert.equal(await store.currentRevision(), 4);
      assert.deepEqual((await store.list(PODS, { revision: 4 })).kvs.map((kv) => kv.value), ['a2']);
      assert.deepEqual(await store.get(pod('a')), { key: pod('a'), value: 'a2', createRevision: 1, modRevision: 2 });
      const next = await store.create(pod('b'), 'b2');
      assert.equal(next.modRevision, 5);
    }));
  });
}
