import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../src/store/memory.js';
import { ResourceStore } from '../../src/apiserver/resource-store.js';
import { eventually } from '../helpers/eventually.js';

describe('the watch cache takes the objects this server writes', () => {
  it('caches exactly what parsing the stored text gives: undefined values dropped, key order and resourceVersion as stored', async () => {
    const store = new MemoryStore();
    const pods = new ResourceStore(store, { group: '', resource: 'pods', namespaced: true });
    await pods.start();
    try {
      await pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [{ name: 'c' }] } });
      await eventually(() => pods.cache.get(pods.key('ns', 'p')), 'the pod in the cache');
      const { object } = await pods.update('ns', 'p', (cur) => ({
        status: { phase: 'Running', message: undefined, podIPs: [{ ip: '10.0.0.1' }] },
        ...cur,
        metadata: { ...cur.metadata, labels: { a: '1' }, annotations: undefined },
      }));
      await eventually(() => pods.cache.rv >= object.rv, 'the cache at the update');
      const cached = pods.cache.get(pods.key('ns', 'p'))!;
      const parsed = JSON.parse(cached.raw!);
      parsed.metadata.resourceVersion = String(object.rv);
      assert.equal(JSON.stringify(cached.obj), JSON.stringify(parsed));
      assert.ok(!('annotations' in cached.obj.metadata!));
      assert.equal(JSON.parse(cached.json).metadata.resourceVersion, String(object.rv));
    } finally {
      pods.stop();
      await store.close();
    }
  });

  it('an announced write is used only for its own text, and not once forgotten', async () => {
    const store = new MemoryStore();
    const pods = new ResourceStore(store, { group: '', resource: 'pods', namespaced: true });
    await pods.start();
    const key = pods.key('ns', 'p');
    const text = (v: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', labels: { v } } });
    // A shape that differs from its text shows which of the two the cache took.
    const marked = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', labels: { v: 'from-shape' } } };
    try {
      pods.cache.expectWrite(key, text('other'), marked);
      let kv = await store.create(key, text('1'));
      await eventually(() => pods.cache.rv >= kv.modRevision, 'the create in the cache');
      assert.equal(pods.cache.get(key)!.obj.metadata!.labels!.v, '1');

      pods.cache.expectWrite(key, text('2'), marked);
      pods.cache.forgetExpectedWrite(key);
      kv = await store.update(key, text('2'), kv.modRevision);
      await eventually(() => pods.cache.rv >= kv.modRevision, 'the update in the cache');
      assert.equal(pods.cache.get(key)!.obj.metadata!.labels!.v, '2');

      pods.cache.expectWrite(key, text('3'), marked);
      kv = await store.update(key, text('3'), kv.modRevision);
      await eventually(() => pods.cache.rv >= kv.modRevision, 'the second update in the cache');
      assert.equal(pods.cache.get(key)!.obj.metadata!.labels!.v, 'from-shape');
    } finally {
      pods.stop();
      await store.close();
    }
  });
});
