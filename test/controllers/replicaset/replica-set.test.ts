// ReplicaSet and ReplicationController stories through a real API server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { events, pods, replicaSets, replicationControllers } from '../../../src/client/resources.js';
import { replicaSetControllers } from '../../../src/controllers/replicaset/index.js';
import type { Harness } from './harness.js';
import { eventually, markPodReady, startHarness } from './harness.js';

const NS = 'default';

function replicaSet(name: string, replicas: number, extra: Partial<ReplicaSet['spec']> = {}): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, tier: 'web' }, annotations: { note: 'copied' } },
        spec: { containers: [{ name: 'c', image: 'busybox' }] },
      },
      ...extra,
    },
  };
}

describe('ReplicaSet controller', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness(replicaSetControllers);
  });
  after(async () => {
    await h.stop();
  });

  const podsOf = async (app: string) => (await h.client.resource(pods, NS).list({ labelSelector: `app=${app}` })).items.filter((p) => !p.metadata?.deletionTimestamp);

  it('creates replicas pods named after the ReplicaSet, owned by it, with the template labels and annotations', async () => {
    const rs = await h.client.resource(replicaSets, NS).create(replicaSet('web', 3));
    const list = await eventually(async () => {
      const l = await podsOf('web');
      return l.length === 3 && l;
    }, '3 pods');
    for (const p of list) {
      assert.match(p.metadata!.name!, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.deepEqual(p.metadata!.labels, { app: 'web', tier: 'web' });
      assert.equal(p.metadata!.annotations?.note, 'copied');
      assert.deepEqual(p.metadata!.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
    }
    const st = await eventually(async () => {
      const cur = await h.client.resource(replicaSets, NS).get('web');
      return cur.status?.replicas === 3 && cur.status.observedGeneration === cur.metadata?.generation && cur.status;
    }, 'status.replicas=3');
    assert.equal(st.fullyLabeledReplicas, 3);
    assert.equal(st.readyReplicas ?? 0, 0);
    const evs = await eventually(async () => {
      const e = (await h.client.resource(events, NS).list()).items.filter((x) => x.involvedObject.name === 'web' && x.reason === 'SuccessfulCreate');
      return e.length === 3 && e;
    }, 'three SuccessfulCreate events');
    assert.match(evs[0]!.message!, /^Created pod: web-/);
    assert.equal(evs[0]!.source?.component, 'replicaset-controller');
  });

  it('scales up and down, deleting unready pods before ready ones', async () => {
    const api = h.client.resource(replicaSets, NS);
    await api.create(replicaSet('scale', 2));
    const first = await eventually(async () => {
      const l = await podsOf('scale');
      return l.length === 2 && l;
    }, '2 pods');
    for (const p of first) await markPodReady(h.client, p);
    await api.patch('scale', 'merge', { spec: { replicas: 5 } });
    await eventually(async () => (await podsOf('scale')).length === 5, '5 pods');
    await eventually(async () => (await api.get('scale')).status?.readyReplicas === 2, 'readyReplicas=2');
    await api.patch('scale', 'merge', { spec: { replicas: 2 } });
    const left = await eventually(async () => {
      const l = await podsOf('scale');
      return l.length === 2 && l;
    }, 'back to 2 pods');
    assert.deepEqual(left.map((p) => p.metadata!.name).sort(), first.map((p) => p.metadata!.name).sort(), 'the ready pods survive');
    const st = await eventually(async () => {
      const s = (await api.get('scale')).status;
      return s?.replicas === 2 && s.availableReplicas === 2 && s;
    }, 'status after scale down');
    assert.equal(st.readyReplicas, 2);
    const deleted = (await h.client.resource(events, NS).list()).items.filter((x) => x.involvedObject.name === 'scale' && x.reason === 'SuccessfulDelete');
    assert.equal(deleted.length, 3);
  });

  it('replaces a deleted pod', async () => {
    await h.client.resource(replicaSets, NS).create(replicaSet('heal', 2));
    const before = await eventually(async () => {
      const l = await podsOf('heal');
      return l.length === 2 && l;
    }, '2 pods');
    await h.client.resource(pods, NS).delete(before[0]!.metadata!.name!);
    const afterList = await eventually(async () => {
      const l = await podsOf('heal');
      return l.length === 2 && !l.some((p) => p.metadata!.name === before[0]!.metadata!.name) && l;
    }, 'a replacement pod');
    assert.ok(afterList.some((p) => p.metadata!.name === before[1]!.metadata!.name));
  });

  it('adopts a matching orphan instead of creating a pod, and releases a pod whose labels stop matching', async () => {
    const podApi = h.client.resource(pods, NS);
    const orphan: Pod = { metadata: { name: 'orphan', namespace: NS, labels: { app: 'adopt' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    await podApi.create(orphan);
    const rs = await h.client.resource(replicaSets, NS).create(replicaSet('adopt', 2));
    await eventually(async () => (await podsOf('adopt')).length === 2, '2 pods');
    const adopted = await eventually(async () => {
      const p = await podApi.get('orphan');
      return p.metadata?.ownerReferences?.[0]?.uid === rs.metadata!.uid && p;
    }, 'the orphan adopted');
    assert.equal(adopted.metadata!.ownerReferences![0]!.controller, true);
    assert.equal(adopted.metadata!.ownerReferences![0]!.blockOwnerDeletion, true);
    // Relabel it: it is released, and the ReplicaSet makes a new pod in its place.
    await podApi.patch('orphan', 'merge', { metadata: { labels: { app: 'elsewhere' } } });
    await eventually(async () => !(await podApi.get('orphan')).metadata?.ownerReferences, 'the pod released');
    await eventually(async () => (await podsOf('adopt')).length === 2, 'a new pod in its place');
  });

  it('counts availableReplicas only after minReadySeconds', async () => {
    const api = h.client.resource(replicaSets, NS);
    // Ready times are whole seconds, so a pod marked ready at x.9 s counts as ready since x s:
    // 3 s leave at least 2 s in which it must not be available yet.
    await api.create(replicaSet('slow', 1, { minReadySeconds: 3 }));
    const [p] = await eventually(async () => {
      const l = await podsOf('slow');
      return l.length === 1 && l;
    }, '1 pod');
    await markPodReady(h.client, p!);
    await eventually(async () => (await api.get('slow')).status?.readyReplicas === 1, 'ready');
    assert.equal((await api.get('slow')).status?.availableReplicas ?? 0, 0);
    await eventually(async () => (await api.get('slow')).status?.availableReplicas === 1, 'available after 3 s', 8000);
  });

  it('runs ReplicationControllers the same way', async () => {
    const rc = await h.client.resource(replicationControllers, NS).create({
      metadata: { name: 'legacy', namespace: NS },
      spec: { replicas: 2, selector: { app: 'legacy' }, template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    const list = await eventually(async () => {
      const l = await podsOf('legacy');
      return l.length === 2 && l;
    }, '2 pods');
    assert.deepEqual(list[0]!.metadata!.ownerReferences, [{ apiVersion: 'v1', kind: 'ReplicationController', name: 'legacy', uid: rc.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
    await eventually(async () => (await h.client.resource(replicationControllers, NS).get('legacy')).status?.replicas === 2, 'rc status');
  });
});
