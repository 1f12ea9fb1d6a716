// The namespace controller with the garbage collector: deleting a namespace deletes what is
// in it, reports what remains in its conditions, and then deletes the namespace itself.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Namespace } from 'kubernetes-types/core/v1.js';
import { configMaps, namespaces, pods, replicaSets, secrets, serviceAccounts } from '../../../src/client/resources.js';
import { GarbageCollector } from '../../../src/controllers/gc/garbage-collector.js';
import { NamespaceController } from '../../../src/controllers/gc/namespace.js';
import { ServiceAccountController } from '../../../src/controllers/gc/serviceaccount.js';
import type { Cluster } from './helpers.js';
import { eventually, isGone, ownerRef, pod, replicaSet, startCluster } from './helpers.js';

describe('namespace controller', () => {
  let c: Cluster;
  let nsController: NamespaceController;

  before(async () => {
    c = await startCluster({
      garbagecollector: (ctx) => new GarbageCollector(ctx, { workers: 4 }),
      namespace: (ctx) => (nsController = new NamespaceController(ctx, { deletionGracePeriodMs: 20 })),
      serviceaccount: (ctx) => new ServiceAccountController(ctx),
    });
  });
  after(() => c.stop());

  const nsApi = () => c.client.resource(namespaces);

  async function createNamespace(name: string): Promise<void> {
    await nsApi().create({ metadata: { name } });
    await eventually(() => c.client.resource(serviceAccounts, name).get('default'), `the default ServiceAccount in ${name}`);
  }

  it('deleting a namespace deletes its contents and then itself', async () => {
    await createNamespace('doomed');
    await c.client.resource(configMaps, 'doomed').create({ metadata: { name: 'settings' }, data: { a: '1' } });
    await c.client.resource(secrets, 'doomed').create({ metadata: { name: 'token' }, stringData: { t: 'x' } } as never);
    const rs = await c.client.resource(replicaSets, 'doomed').create(replicaSet('web', 'doomed'));
    await c.client.resource(pods, 'doomed').create(pod('web-0', { namespace: 'doomed', owners: [ownerRef(rs)] }));
    await c.client.resource(pods, 'doomed').create(pod('loose', { namespace: 'doomed' }));

    const deleted = (await nsApi().delete('doomed')) as Namespace;
    assert.equal(deleted.status?.phase, 'Terminating');
    assert.deepEqual(deleted.spec?.finalizers, ['kubernetes']);

    await eventually(() => isGone(() => nsApi().get('doomed')), 'the namespace deleted');
    for (const [api, name] of [[configMaps, 'settings'], [secrets, 'token'], [replicaSets, 'web'], [pods, 'web-0'], [pods, 'loose'], [serviceAccounts, 'default']] as const) {
      const list = await c.client.resource(api as typeof configMaps, 'doomed').list();
      assert.equal(list.items.length, 0, `no ${api.resource} left (looked for ${name})`);
    }
  });

  it('a namespace stays Terminating, with conditions that say why, while content with finalizers remains', async () => {
    await createNamespace('held');
    await c.client.resource(configMaps, 'held').create({ metadata: { name: 'kept', finalizers: ['example.com/hold'] } });
    await c.client.resource(configMaps, 'held').create({ metadata: { name: 'free' } });
    await nsApi().delete('held');

    const ns = await eventually(async () => {
      const got = await nsApi().get('held');
      return got.status?.conditions?.some((x) => x.type === 'NamespaceContentRemaining' && x.status === 'True') ? got : undefined;
    }, 'the content-remaining condition');
    const cond = (type: string) => ns.status?.conditions?.find((x) => x.type === type);
    assert.equal(cond('NamespaceContentRemaining')?.reason, 'SomeResourcesRemain');
    assert.equal(cond('NamespaceContentRemaining')?.message, 'Some resources are remaining: configmaps. has 1 resource instances');
    assert.equal(cond('NamespaceFinalizersRemaining')?.status, 'True');
    assert.equal(cond('NamespaceFinalizersRemaining')?.message, 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances');
    assert.equal(cond('NamespaceDeletionDiscoveryFailure')?.status, 'False');
    assert.equal(cond('NamespaceDeletionDiscoveryFailure')?.reason, 'ResourcesDiscovered');
    assert.equal(cond('NamespaceDeletionContentFailure')?.status, 'False');
    assert.equal(ns.status?.phase, 'Terminating');
    assert.ok(await isGone(() => c.client.resource(configMaps, 'held').get('free')), 'content without finalizers is gone already');

    await c.client.resource(configMaps, 'held').patch('kept', 'merge', { metadata: { finalizers: null } });
    // Upstream looks again after half the finalizer estimate (about 8 s); nudge it instead of waiting.
    nsController.enqueue('held');
    await eventually(() => isGone(() => nsApi().get('held')), 'the namespace deleted once its content is');
  });
});

describe('serviceaccount controller', () => {
  let c: Cluster;

  before(async () => {
    c = await startCluster({ serviceaccount: (ctx) => new ServiceAccountController(ctx) });
  });
  after(() => c.stop());

  it('every existing namespace gets a default ServiceAccount', async () => {
    for (const ns of ['default', 'kube-system', 'kube-public']) {
      await eventually(() => c.client.resource(serviceAccounts, ns).get('default'), `the default ServiceAccount in ${ns}`);
    }
  });

  it('a new namespace gets one, and it comes back when deleted', async () => {
    await c.client.resource(namespaces).create({ metadata: { name: 'fresh' } });
    const first = await eventually(() => c.client.resource(serviceAccounts, 'fresh').get('default'), 'the default ServiceAccount');
    await c.client.resource(serviceAccounts, 'fresh').delete('default');
    const again = await eventually(async () => {
      const sa = await c.client.resource(serviceAccounts, 'fresh').get('default');
      return sa.metadata?.uid !== first.metadata?.uid ? sa : undefined;
    }, 'the default ServiceAccount recreated');
    assert.equal(again.metadata?.name, 'default');
  });
});
