// The garbage collector against a real API server: cascading deletion of a ReplicaSet's pods
// (background, foreground, orphan), and dependents whose owners are gone.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { pods, replicaSets } from '../../../src/client/resources.js';
import { GarbageCollector } from '../../../src/controllers/gc/garbage-collector.js';
import type { Cluster } from './helpers.js';
import { eventually, isGone, ownerRef, pod, replicaSet, startCluster } from './helpers.js';

describe('garbage collector', () => {
  let c: Cluster;
  let gc: GarbageCollector;

  before(async () => {
    c = await startCluster({ garbagecollector: (ctx) => (gc = new GarbageCollector(ctx, { workers: 4 })) });
    await gc.waitForGraphSync();
  });
  after(() => c.stop());

  /** A ReplicaSet and `n` pods it owns (made by hand: no ReplicaSet controller runs here). */
  async function ownedPods(name: string, n: number, finalizers?: string[]) {
    const rs = await c.client.resource(replicaSets).create(replicaSet(name));
    const created: Pod[] = [];
    for (let i = 0; i < n; i++) {
      created.push(await c.client.resource(pods).create(pod(`${name}-${i}`, { owners: [ownerRef(rs)], finalizers: i === 0 ? finalizers : undefined })));
    }
    return { rs, pods: created };
  }

  const podApi = () => c.client.resource(pods, 'default');
  const rsApi = () => c.client.resource(replicaSets, 'default');

  it('background: deleting the owner deletes its dependents after it', async () => {
    await ownedPods('bg', 3);
    await rsApi().delete('bg', { propagationPolicy: 'Background' });
    assert.ok(await isGone(() => rsApi().get('bg')), 'the owner goes at once');
    for (let i = 0; i < 3; i++) await eventually(() => isGone(() => podApi().get(`bg-${i}`)), `pod bg-${i} deleted`);
  });

  it('no propagation policy: the dependents of a ReplicaSet are deleted in the background', async () => {
    await ownedPods('default-policy', 2);
    await rsApi().delete('default-policy');
    for (let i = 0; i < 2; i++) await eventually(() => isGone(() => podApi().get(`default-policy-${i}`)), `pod default-policy-${i} deleted`);
  });

  it('foreground: the owner stays, with its finalizer, until its blocking dependents are gone', async () => {
    // The first pod carries a finalizer of its own, so it stays (Terminating) until the test lets it go.
    await ownedPods('fg', 3, ['example.com/hold']);
    await rsApi().delete('fg', { propagationPolicy: 'Foreground' });
    const waiting = await rsApi().get('fg');
    assert.ok(waiting.metadata?.deletionTimestamp);
    assert.deepEqual(waiting.metadata?.finalizers, ['foregroundDeletion']);

    await eventually(async () => (await isGone(() => podApi().get('fg-1'))) && isGone(() => podApi().get('fg-2')), 'the free pods deleted');
    const held = await podApi().get('fg-0');
    assert.ok(held.metadata?.deletionTimestamp, 'the held pod is being deleted');
    assert.ok(!(await isGone(() => rsApi().get('fg'))), 'the owner waits for its blocking dependent');

    await podApi().patch('fg-0', 'merge', { metadata: { finalizers: null } });
    await eventually(() => isGone(() => rsApi().get('fg')), 'the owner deleted once its dependents are');
  });

  it('foreground: a dependent that does not block is not waited for', async () => {
    const rs = await rsApi().create(replicaSet('fg-nonblocking'));
    await podApi().create(pod('fg-nonblocking-0', { owners: [ownerRef(rs, { blockOwnerDeletion: false })], finalizers: ['example.com/hold'] }));
    await rsApi().delete('fg-nonblocking', { propagationPolicy: 'Foreground' });
    await eventually(() => isGone(() => rsApi().get('fg-nonblocking')), 'the owner deleted');
    await eventually(async () => (await podApi().get('fg-nonblocking-0')).metadata?.deletionTimestamp, 'the dependent being deleted');
    await podApi().patch('fg-nonblocking-0', 'merge', { metadata: { finalizers: null } });
    await eventually(() => isGone(() => podApi().get('fg-nonblocking-0')), 'the dependent deleted');
  });

  it('foreground through two levels: a dependent with dependents of its own is deleted in the foreground too', async () => {
    const deployments = { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true };
    const dep = await c.client.resource(deployments, 'default').create({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'chain' },
      spec: { selector: { matchLabels: { app: 'chain' } }, template: { metadata: { labels: { app: 'chain' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    } as never);
    const rs = await rsApi().create({ ...replicaSet('chain-rs'), metadata: { name: 'chain-rs', namespace: 'default', ownerReferences: [ownerRef(dep)] } });
    await podApi().create(pod('chain-pod', { owners: [ownerRef(rs)], finalizers: ['example.com/hold'] }));

    await c.client.resource(deployments, 'default').delete('chain', { propagationPolicy: 'Foreground' });
    const middle = await eventually(async () => {
      const got = await rsApi().get('chain-rs');
      return got.metadata?.deletionTimestamp ? got : undefined;
    }, 'the ReplicaSet being deleted');
    assert.deepEqual(middle.metadata?.finalizers, ['foregroundDeletion'], 'the ReplicaSet waits for its own pods');
    await eventually(async () => (await podApi().get('chain-pod')).metadata?.deletionTimestamp, 'the pod being deleted');
    assert.ok(!(await isGone(() => c.client.resource(deployments, 'default').get('chain'))), 'the Deployment still waits');

    await podApi().patch('chain-pod', 'merge', { metadata: { finalizers: null } });
    await eventually(() => isGone(() => rsApi().get('chain-rs')), 'the ReplicaSet deleted');
    await eventually(() => isGone(() => c.client.resource(deployments, 'default').get('chain')), 'the Deployment deleted last');
  });

  it('orphan: the dependents lose their owner reference and stay', async () => {
    await ownedPods('orphan', 2);
    await rsApi().delete('orphan', { propagationPolicy: 'Orphan' });
    await eventually(() => isGone(() => rsApi().get('orphan')), 'the owner deleted once its finalizer is removed');
    for (let i = 0; i < 2; i++) {
      const p = await podApi().get(`orphan-${i}`);
      assert.equal(p.metadata?.ownerReferences, undefined, `pod orphan-${i} has no owner reference left`);
      assert.equal(p.metadata?.deletionTimestamp, undefined);
    }
  });

  it('a dependent whose only owner does not exist is deleted', async () => {
    const ghost = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'ghost', uid: '00000000-0000-0000-0000-00000000dead' } };
    await podApi().create(pod('dangling', { owners: [ownerRef(ghost)] }));
    await eventually(() => isGone(() => podApi().get('dangling')), 'the dangling dependent deleted');
  });

  it('a dependent with one live owner keeps it and loses only the dangling reference', async () => {
    const rs = await rsApi().create(replicaSet('alive'));
    const ghost = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'ghost2', uid: '00000000-0000-0000-0000-00000000beef' } };
    await podApi().create(pod('half-dangling', { owners: [ownerRef(rs, { controller: false }), ownerRef(ghost, { controller: false })] }));
    const p = await eventually(async () => {
      const got = await podApi().get('half-dangling');
      return got.metadata?.ownerReferences?.length === 1 ? got : undefined;
    }, 'the dangling reference removed');
    assert.equal(p.metadata?.ownerReferences?.[0]?.uid, rs.metadata?.uid);
  });

  it('an owner reference to an object of the same name but another uid is dangling', async () => {
    const first = await rsApi().create(replicaSet('reborn'));
    await rsApi().delete('reborn', { propagationPolicy: 'Orphan' });
    await eventually(() => isGone(() => rsApi().get('reborn')), 'the first owner deleted');
    await rsApi().create(replicaSet('reborn'));
    await podApi().create(pod('reborn-0', { owners: [ownerRef(first)] }));
    await eventually(() => isGone(() => podApi().get('reborn-0')), 'the dependent of the old owner deleted');
    assert.ok(!(await isGone(() => rsApi().get('reborn'))), 'the new owner of the same name is left alone');
  });
});
