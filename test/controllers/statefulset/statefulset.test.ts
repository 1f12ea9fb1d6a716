// StatefulSet stories against a real API server: ordered creation with stable identity and
// claims, ordered scale-down, partitioned rolling updates, Parallel management.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { controllerRevisions, persistentVolumeClaims, pods, statefulSets } from '../../../src/client/resources.js';
import { statefulSetControllers } from '../../../src/controllers/statefulset/index.js';
import { eventually, markPodReady, startWorkloadCluster, type WorkloadCluster } from '../daemonset/workload-cluster.js';

const run = promisify(execFile);

function statefulSet(name: string, spec: Partial<NonNullable<StatefulSet['spec']>> = {}): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: 'default' },
    spec: {
      serviceName: 'nginx',
      replicas: 3,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        // The template's own `www` volume is replaced by the claim of that name, as upstream
        // updateStorage does. (It is also here because this API server still validates the
        // template's volumeMounts against its volumes only; upstream skips that for StatefulSets.)
        spec: {
          containers: [{ name: 'nginx', image: 'nginx:1', volumeMounts: [{ name: 'www', mountPath: '/usr/share/nginx/html' }] }],
          volumes: [{ name: 'www', emptyDir: {} }],
        },
      },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      ...spec,
    },
  };
}

async function podNames(c: WorkloadCluster, app: string): Promise<string[]> {
  const list = (await c.client.resource(pods, 'default').list({ labelSelector: `app=${app}` })).items;
  return list.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata!.name!).sort();
}

/** Pod deletions in the order the API server saw them. */
async function recordDeletions(c: WorkloadCluster, app: string): Promise<{ order: string[]; stop(): Promise<void> }> {
  const watch = await c.client.resource(pods, 'default').watch({ labelSelector: `app=${app}` });
  const order: string[] = [];
  const loop = (async () => {
    for await (const ev of watch) if (ev.type === 'DELETED') order.push((ev.object as Pod).metadata!.name!);
  })().catch(() => undefined);
  return { order, stop: async () => { watch.cancel(); await loop; } };
}

describe('StatefulSet controller', () => {
  let c: WorkloadCluster;
  const api = () => c.client.resource(statefulSets, 'default');

  before(async () => {
    c = await startWorkloadCluster(statefulSetControllers);
  });
  after(async () => {
    await c?.stop();
  });

  it('OrderedReady creates web-0, and web-1 only once web-0 is Running and Ready', async () => {
    const set = await api().create(statefulSet('web'));
    await eventually(async () => {
      const s = (await api().get('web')).status;
      return s?.observedGeneration === 1 && s.replicas === 1;
    }, 10_000, 'web-0 created and counted');
    assert.deepEqual(await podNames(c, 'web'), ['web-0'], 'web-1 waits for web-0');

    const web0 = await c.client.resource(pods, 'default').get('web-0');
    assert.equal(web0.spec?.hostname, 'web-0');
    assert.equal(web0.spec?.subdomain, 'nginx');
    assert.equal(web0.metadata?.labels?.['statefulset.kubernetes.io/pod-name'], 'web-0');
    assert.equal(web0.metadata?.labels?.['apps.kubernetes.io/pod-index'], '0');
    const ref = web0.metadata?.ownerReferences?.[0];
    assert.deepEqual([ref?.kind, ref?.uid, ref?.controller, ref?.blockOwnerDeletion], ['StatefulSet', set.metadata?.uid, true, true]);
    const www = web0.spec?.volumes?.filter((v) => v.name === 'www') ?? [];
    assert.equal(www.length, 1);
    assert.deepEqual(www[0]!.persistentVolumeClaim, { claimName: 'www-web-0' });
    assert.equal(www[0]!.emptyDir, undefined, 'the claim replaced the template volume');
    const pvc = await c.client.resource(persistentVolumeClaims, 'default').get('www-web-0');
    assert.equal(pvc.metadata?.labels?.app, 'web', 'the claim carries the selector labels');
    assert.equal(pvc.metadata?.ownerReferences, undefined, 'Retain: the claim is not owned');

    const revs = (await c.client.resource(controllerRevisions, 'default').list()).items.filter((r) => r.metadata?.ownerReferences?.[0]?.uid === set.metadata?.uid);
    assert.equal(revs.length, 1);
    assert.equal(web0.metadata?.labels?.['controller-revision-hash'], revs[0]!.metadata?.name);
    assert.equal(revs[0]!.revision, 1);

    await markPodReady(c.client, 'default', 'web-0');
    await eventually(async () => (await podNames(c, 'web')).join() === 'web-0,web-1', 10_000, 'web-1 after web-0 is ready');
    // Still one at a time.
    await eventually(async () => (await api().get('web')).status?.replicas === 2, 10_000, 'two counted');
    assert.deepEqual(await podNames(c, 'web'), ['web-0', 'web-1']);
    await markPodReady(c.client, 'default', 'web-1');
    await eventually(async () => (await podNames(c, 'web')).join() === 'web-0,web-1,web-2', 10_000, 'web-2');
    await markPodReady(c.client, 'default', 'web-2');
    const status = await eventually(async () => {
      const s = (await api().get('web')).status;
      return s?.readyReplicas === 3 ? s : undefined;
    }, 10_000, 'three ready');
    assert.equal(status.currentRevision, status.updateRevision);
    assert.deepEqual([status.replicas, status.currentReplicas, status.updatedReplicas, status.availableReplicas], [3, 3, 3, 3]);
    const claims = (await c.client.resource(persistentVolumeClaims, 'default').list()).items.map((p) => p.metadata!.name!).sort();
    assert.deepEqual(claims, ['www-web-0', 'www-web-1', 'www-web-2']);
  });

  it('scales down from the highest ordinal, one at a time, and keeps the claims', async () => {
    const deletions = await recordDeletions(c, 'web');
    await api().patch('web', 'merge', { spec: { replicas: 1 } });
    await eventually(async () => (await podNames(c, 'web')).join() === 'web-0', 10_000, 'only web-0 left');
    await eventually(() => deletions.order.length === 2, 5_000, 'two deletions seen');
    await deletions.stop();
    assert.deepEqual(deletions.order, ['web-2', 'web-1']);
    const claims = (await c.client.resource(persistentVolumeClaims, 'default').list()).items.map((p) => p.metadata!.name!).sort();
    assert.deepEqual(claims, ['www-web-0', 'www-web-1', 'www-web-2'], 'Retain keeps the claims');
    await eventually(async () => (await api().get('web')).status?.replicas === 1, 10_000, 'status shows one replica');
  });

  it('a partitioned rolling update only touches ordinals at or above the partition, then finishes from the top down', async () => {
    c.kubelet.setAutoReady(() => true);
    await api().patch('web', 'merge', { spec: { replicas: 3 } });
    await eventually(async () => (await api().get('web')).status?.readyReplicas === 3, 10_000, 'three ready again');
    const oldRevision = (await api().get('web')).status?.currentRevision;

    const patched = await api().patch('web', 'merge', { spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } }, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:2' }] } } } });
    const partial = await eventually(async () => {
      const s = (await api().get('web')).status;
      return s && s.observedGeneration === patched.metadata?.generation && s.updatedReplicas === 1 && s.readyReplicas === 3 ? s : undefined;
    }, 10_000, 'web-2 updated');
    assert.notEqual(partial.updateRevision, oldRevision);
    assert.equal(partial.currentRevision, oldRevision, 'the partition holds the rest at the current revision');
    const byName = new Map((await c.client.resource(pods, 'default').list({ labelSelector: 'app=web' })).items.map((p) => [p.metadata!.name!, p]));
    assert.equal(byName.get('web-2')?.spec?.containers[0]?.image, 'nginx:2');
    assert.equal(byName.get('web-2')?.metadata?.labels?.['controller-revision-hash'], partial.updateRevision);
    for (const n of ['web-0', 'web-1']) {
      assert.equal(byName.get(n)?.spec?.containers[0]?.image, 'nginx:1', `${n} is below the partition`);
      assert.equal(byName.get(n)?.metadata?.labels?.['controller-revision-hash'], oldRevision);
    }
    const partitioned = await run('kubectl', ['--server', c.server.url, 'rollout', 'status', 'statefulset/web', '-n', 'default', '--timeout=10s'], { timeout: 15_000 });
    assert.match(partitioned.stdout, /partitioned roll out complete: 1 new pods have been updated/);

    const deletions = await recordDeletions(c, 'web');
    await api().patch('web', 'merge', { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } });
    const full = await run('kubectl', ['--server', c.server.url, 'rollout', 'status', 'statefulset/web', '-n', 'default', '--timeout=20s'], { timeout: 25_000 });
    // kubectl reports any RollingUpdate with a partition field (defaulted to 0) as partitioned.
    assert.match(full.stdout, /partitioned roll out complete: 3 new pods have been updated/);
    await deletions.stop();
    assert.deepEqual(deletions.order, ['web-1', 'web-0'], 'updated from the highest ordinal down');
    const status = (await api().get('web')).status!;
    assert.equal(status.currentRevision, partial.updateRevision);
    assert.equal(status.updatedReplicas, 3);
    const revs = (await c.client.resource(controllerRevisions, 'default').list()).items.filter((r) => r.metadata?.ownerReferences?.[0]?.name === 'web');
    assert.deepEqual(revs.map((r) => r.revision).sort(), [1, 2]);
  });

  it('Parallel creates every ordinal at once, without waiting for readiness', async () => {
    c.kubelet.setAutoReady(undefined);
    await api().create(statefulSet('par', { podManagementPolicy: 'Parallel', replicas: 3, volumeClaimTemplates: [] }));
    await eventually(async () => (await podNames(c, 'par')).join() === 'par-0,par-1,par-2', 10_000, 'three pods');
    const list = (await c.client.resource(pods, 'default').list({ labelSelector: 'app=par' })).items;
    assert.ok(list.every((p) => !p.status?.conditions?.some((k) => k.type === 'Ready' && k.status === 'True')), 'none was ready');
  });
});
