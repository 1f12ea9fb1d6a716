// The pod garbage collector: terminated pods over the threshold, pods on nodes that are gone,
// and terminating pods never scheduled.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { nodes, pods } from '../../../src/client/resources.js';
import { PodGCController } from '../../../src/controllers/gc/podgc.js';
import type { Cluster } from './helpers.js';
import { eventually, isGone, pod, startCluster } from './helpers.js';

async function setPhase(c: Cluster, name: string, phase: string, reason?: string): Promise<void> {
  const api = c.client.resource(pods, 'default');
  const p = await api.get(name);
  await api.updateStatus({ ...p, status: { ...p.status, phase, ...(reason ? { reason } : {}) } });
}

describe('pod GC: terminated pods over the threshold', () => {
  let c: Cluster;
  let podgc: PodGCController;

  before(async () => {
    c = await startCluster({ podgc: (ctx) => (podgc = new PodGCController(ctx, { terminatedPodThreshold: 2, gcCheckPeriodMs: 50 })) });
  });
  after(() => c.stop());

  it('deletes the evicted and then the oldest terminated pods down to the threshold', async () => {
    const api = c.client.resource(pods, 'default');
    // Created in the same second: the name breaks the tie, as upstream.
    for (const name of ['a-0', 'a-1', 'a-2', 'running', 'z-evicted']) await api.create(pod(name));
    for (const name of ['a-0', 'a-1', 'a-2']) await setPhase(c, name, 'Succeeded');
    await setPhase(c, 'running', 'Running');
    await setPhase(c, 'z-evicted', 'Failed', 'Evicted');

    await eventually(async () => (await isGone(() => api.get('z-evicted'))) && isGone(() => api.get('a-0')), 'the evicted and the oldest pod deleted');
    await podgc.gc(); // one more pass changes nothing: the threshold is met
    const left = (await api.list()).items.map((p) => p.metadata!.name).sort();
    assert.deepEqual(left, ['a-1', 'a-2', 'running']);
  });
});

describe('pod GC: pods on missing nodes', () => {
  let c: Cluster;

  before(async () => {
    c = await startCluster({ podgc: (ctx) => new PodGCController(ctx, { gcCheckPeriodMs: 30, quarantineMs: 150 }) });
  });
  after(() => c.stop());

  it('force-deletes pods bound to a node that does not exist, after the quarantine, marking them Failed', async () => {
    const api = c.client.resource(pods, 'default');
    await c.client.resource(nodes).create({ metadata: { name: 'n1' } });
    await api.create(pod('on-n1', { nodeName: 'n1' }));
    // The finalizer keeps the pod after the forced delete so that the test can read its status.
    await api.create(pod('on-ghost', { nodeName: 'ghost', finalizers: ['example.com/hold'] }));
    const start = Date.now();

    const marked = await eventually(async () => {
      const p = await api.get('on-ghost');
      return p.metadata?.deletionTimestamp ? p : undefined;
    }, 'the pod on the missing node force-deleted');
    assert.ok(Date.now() - start >= 150, 'not before the quarantine');
    assert.equal(marked.metadata?.deletionGracePeriodSeconds, 0);
    assert.equal(marked.status?.phase, 'Failed');
    const cond = marked.status?.conditions?.find((x) => x.type === 'DisruptionTarget');
    assert.equal(cond?.status, 'True');
    assert.equal(cond?.reason, 'DeletionByPodGC');
    assert.equal(cond?.message, 'PodGC: node no longer exists');
    assert.ok(!(await isGone(() => api.get('on-n1'))), 'the pod on an existing node stays');
    await api.patch('on-ghost', 'merge', { metadata: { finalizers: null } });
  });

  it('deletes the pods of a node once it is deleted, terminating ones included', async () => {
    const api = c.client.resource(pods, 'default');
    await c.client.resource(nodes).create({ metadata: { name: 'n2' } });
    await api.create(pod('on-n2', { nodeName: 'n2' }));
    await api.create(pod('leaving-n2', { nodeName: 'n2' }));
    // Bound to a node, it waits for a kubelet that will never come.
    await api.delete('leaving-n2', { gracePeriodSeconds: 300 });
    assert.ok((await api.get('leaving-n2')).metadata?.deletionTimestamp);
    await c.client.resource(nodes).delete('n2');
    await eventually(async () => (await isGone(() => api.get('on-n2'))) && isGone(() => api.get('leaving-n2')), 'the pods of the deleted node deleted');
  });

  it('force-deletes a terminating pod that was never scheduled', async () => {
    const api = c.client.resource(pods, 'default');
    await api.create(pod('unscheduled', { finalizers: ['example.com/hold'] }));
    await api.delete('unscheduled');
    const p: Pod = await eventually(async () => {
      const got = await api.get('unscheduled');
      return got.status?.phase === 'Failed' ? got : undefined;
    }, 'the unscheduled terminating pod marked Failed');
    assert.equal(p.metadata?.deletionGracePeriodSeconds, 0);
    await api.patch('unscheduled', 'merge', { metadata: { finalizers: null } });
    await eventually(() => isGone(() => api.get('unscheduled')), 'the pod gone once its finalizer is');
  });
});
