// Deployment stories of issue 4, through a real API server, the ReplicaSet and Deployment
// controllers, and the real kubectl.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deployments, events, pods, replicaSets } from '../../../src/client/resources.js';
import { replicaSetControllers } from '../../../src/controllers/replicaset/index.js';
import { deploymentControllers } from '../../../src/controllers/deployment/index.js';
import type { Harness } from '../replicaset/harness.js';
import { eventually, startHarness, startPodReadiness } from '../replicaset/harness.js';
import { kubectlOk } from './kubectl.js';

const NS = 'default';

describe('Deployment controller', () => {
  let h: Harness;
  let readiness: { stop(): Promise<void> };
  before(async () => {
    h = await startHarness({ ...replicaSetControllers, ...deploymentControllers });
    // Pods labelled never-ready=true stay Pending (for the progress deadline story).
    readiness = await startPodReadiness(h.client, { filter: (p) => p.metadata?.labels?.['never-ready'] !== 'true' });
  });
  after(async () => {
    await readiness.stop();
    await h.stop();
  });

  const rsOf = async (app: string) => (await h.client.resource(replicaSets, NS).list({ labelSelector: `app=${app}` })).items;
  const livePods = async (app: string) => (await h.client.resource(pods, NS).list({ labelSelector: `app=${app}` })).items.filter((p) => !p.metadata?.deletionTimestamp);
  const getD = (name: string) => h.client.resource(deployments, NS).get(name);
  const rolledOut = async (name: string) => {
    const d = await getD(name);
    const s = d.status;
    const r = d.spec?.replicas ?? 1;
    return (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) && s?.updatedReplicas === r && s.replicas === r && s.availableReplicas === r && d;
  };

  it('kubectl create deployment yields one ReplicaSet and three owned, labelled pods', async () => {
    await kubectlOk(h.server.url, ['create', 'deployment', 'web', '--image=busybox', '--replicas=3']);
    const d = await eventually(() => rolledOut('web'), 'web rolled out');
    const [rs, ...more] = await rsOf('web');
    assert.equal(more.length, 0);
    const hash = rs!.metadata!.labels!['pod-template-hash']!;
    assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    assert.equal(rs!.metadata!.name, `web-${hash}`);
    assert.deepEqual(rs!.metadata!.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
    assert.equal(rs!.metadata!.annotations!['deployment.kubernetes.io/revision'], '1');
    assert.equal(rs!.metadata!.annotations!['deployment.kubernetes.io/desired-replicas'], '3');
    assert.equal(rs!.metadata!.annotations!['deployment.kubernetes.io/max-replicas'], '4');
    assert.deepEqual(rs!.spec!.selector!.matchLabels, { app: 'web', 'pod-template-hash': hash });
    assert.equal(d.metadata!.annotations!['deployment.kubernetes.io/revision'], '1');
    const list = await livePods('web');
    assert.equal(list.length, 3);
    for (const p of list) {
      assert.deepEqual(p.metadata!.labels, { app: 'web', 'pod-template-hash': hash });
      assert.equal(p.metadata!.ownerReferences![0]!.uid, rs!.metadata!.uid);
      assert.equal(p.metadata!.ownerReferences![0]!.kind, 'ReplicaSet');
    }
    const conds = Object.fromEntries((d.status!.conditions ?? []).map((c) => [c.type, c]));
    assert.equal(conds.Available?.reason, 'MinimumReplicasAvailable');
    assert.equal(conds.Progressing?.reason, 'NewReplicaSetAvailable');
    assert.equal(conds.Progressing?.message, `ReplicaSet "web-${hash}" has successfully progressed.`);
    const ev = (await h.client.resource(events, NS).list()).items.filter((e) => e.involvedObject.name === 'web' && e.reason === 'ScalingReplicaSet');
    assert.deepEqual(ev.map((e) => e.message), [`Scaled up replica set web-${hash} to 3`]);
  });

  it('kubectl scale up and down converges, and a deleted pod is replaced', async () => {
    await kubectlOk(h.server.url, ['scale', 'deployment/web', '--replicas=5']);
    await eventually(async () => (await rolledOut('web')) && (await livePods('web')).length === 5, '5 replicas');
    await kubectlOk(h.server.url, ['scale', 'deployment/web', '--replicas=2']);
    await eventually(async () => (await rolledOut('web')) && (await livePods('web')).length === 2, '2 replicas');
    const [victim] = await livePods('web');
    await h.client.resource(pods, NS).delete(victim!.metadata!.name!);
    await eventually(async () => {
      const l = await livePods('web');
      return l.length === 2 && !l.some((p) => p.metadata!.name === victim!.metadata!.name);
    }, 'a replacement pod');
    const ev = (await h.client.resource(events, NS).list()).items.filter((e) => e.involvedObject.name === 'web' && e.reason === 'ScalingReplicaSet').map((e) => e.message);
    assert.ok(ev.some((m) => /^Scaled up replica set web-\w+ to 5 from 3$/.test(m!)), ev.join('\n'));
    assert.ok(ev.some((m) => /^Scaled down replica set web-\w+ to 2 from 5$/.test(m!)), ev.join('\n'));
  });
});
