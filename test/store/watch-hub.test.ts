import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WatchHub } from '../../src/store/watch-hub.js';
import type { WatchEvent } from '../../src/store/types.js';

const put = (key: string, rev: number): WatchEvent => ({ type: 'put', kv: { key, value: 'v', createRevision: rev, modRevision: rev } });
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Records what one watcher is told, in order: "key@rev" for events, "progress@rev". */
function recorder(log: string[] = []) {
  return {
    log,
    onEvents: (events: WatchEvent[]) => { for (const e of events) log.push(`${e.kv.key}@${e.kv.modRevision}`); },
    onProgress: (rev: number) => { log.push(`progress@${rev}`); },
  };
}

test('each watcher gets exactly the events under its prefix, whether or not the prefix ends in a slash', async () => {
  const hub = new WatchHub();
  const pods = recorder();
  const podsInNs = recorder();
  const partial = recorder();
  const everything = recorder();
  hub.add('/registry/pods/', 0, [], pods.onEvents);
  hub.add('/registry/pods/ns1/', 0, [], podsInNs.onEvents);
  hub.add('/registry/po', 0, [], partial.onEvents);
  hub.add('', 0, [], everything.onEvents);
  hub.publish(put('/registry/pods/ns1/a', 1));
  hub.publish(put('/registry/pods/ns2/b', 2));
  hub.publish(put('/registry/policies/c', 3));
  hub.publish(put('/registry/configmaps/ns1/d', 4));
  await settle();
  assert.deepEqual(pods.log, ['/registry/pods/ns1/a@1', '/registry/pods/ns2/b@2']);
  assert.deepEqual(podsInNs.log, ['/registry/pods/ns1/a@1']);
  assert.deepEqual(partial.log, ['/registry/pods/ns1/a@1', '/registry/pods/ns2/b@2', '/registry/policies/c@3']);
  assert.deepEqual(everything.log, ['/registry/pods/ns1/a@1', '/registry/pods/ns2/b@2', '/registry/policies/c@3', '/registry/configmaps/ns1/d@4']);
});

test('events published in one turn reach a watcher as one batch', async () => {
  const hub = new WatchHub();
  const batches: number[] = [];
  hub.add('/registry/pods/', 0, [], (events) => batches.push(events.length));
  for (let rev = 1; rev <= 5; rev++) hub.publish(put(`/registry/pods/ns/p${rev}`, rev));
  await settle();
  assert.deepEqual(batches, [5]);
});

test('progress reaches watchers of other prefixes, and comes after a watcher\'s own events', async () => {
  const hub = new WatchHub();
  const log: string[] = [];
  const configmaps = recorder();
  const pods = recorder(log);
  hub.add('/registry/configmaps/', 0, [], configmaps.onEvents, undefined, configmaps.onProgress);
  hub.add('/registry/pods/', 0, [], pods.onEvents, undefined, pods.onProgress);
  hub.publish(put('/registry/pods/ns/a', 1));
  hub.publish(put('/registry/pods/ns/b', 2));
  await settle();
  assert.deepEqual(configmaps.log, ['progress@2']);
  assert.deepEqual(log, ['/registry/pods/ns/a@1', '/registry/pods/ns/b@2', 'progress@2']);
});

test('a watcher from a future revision sees neither events nor progress at or below it', async () => {
  const hub = new WatchHub();
  const w = recorder();
  hub.add('/registry/pods/', 2, [], w.onEvents, undefined, w.onProgress);
  hub.publish(put('/registry/pods/ns/a', 1));
  hub.publish(put('/registry/pods/ns/b', 2));
  await settle();
  assert.deepEqual(w.log, []);
  hub.publish(put('/registry/pods/ns/c', 3));
  await settle();
  assert.deepEqual(w.log, ['/registry/pods/ns/c@3', 'progress@3']);
});

test('replayed events come first, before anything published later', async () => {
  const hub = new WatchHub();
  const w = recorder();
  hub.add('/registry/pods/', 0, [put('/registry/pods/ns/old', 1)], w.onEvents);
  hub.publish(put('/registry/pods/ns/new', 2));
  await settle();
  assert.deepEqual(w.log, ['/registry/pods/ns/old@1', '/registry/pods/ns/new@2']);
});

test('a handler that throws ends its own watch with an error, and the others carry on', async () => {
  const hub = new WatchHub();
  const errors: string[] = [];
  const healthy = recorder();
  hub.add('/registry/pods/', 0, [], () => { throw new Error('boom'); }, (err) => errors.push(err.message));
  hub.add('/registry/pods/', 0, [], healthy.onEvents);
  hub.publish(put('/registry/pods/ns/a', 1));
  await settle();
  hub.publish(put('/registry/pods/ns/b', 2));
  await settle();
  assert.deepEqual(errors, ['boom']);
  assert.deepEqual(healthy.log, ['/registry/pods/ns/a@1', '/registry/pods/ns/b@2']);
  assert.equal(hub.size, 1);
});

test('a cancelled watch hears nothing more, including what was pending', async () => {
  const hub = new WatchHub();
  const w = recorder();
  const watch = hub.add('/registry/pods/', 0, [], w.onEvents, undefined, w.onProgress);
  hub.publish(put('/registry/pods/ns/a', 1));
  watch.cancel();
  hub.publish(put('/registry/pods/ns/b', 2));
  await settle();
  assert.deepEqual(w.log, []);
  assert.equal(hub.size, 0);
});

test('closeAll ends every watch with the reason', async () => {
  const hub = new WatchHub();
  const errors: string[] = [];
  hub.add('/registry/pods/', 0, [], () => {}, (err) => errors.push(`pods: ${err.message}`));
  hub.add('', 0, [], () => {}, (err) => errors.push(`all: ${err.message}`));
  hub.closeAll(new Error('store closed'));
  assert.deepEqual(errors.sort(), ['all: store closed', 'pods: store closed']);
  assert.equal(hub.size, 0);
});
