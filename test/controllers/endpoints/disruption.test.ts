// Stories for the disruption controller against a real API server: budgets' status follows
// the pods, and the eviction subresource, which reads that status, lets a drain take pods
// only as fast as the budget allows.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { isTooManyRequests } from '../../../src/client/errors.js';
import { deployments, namespaces, pods, replicaSets } from '../../../src/client/resources.js';
import { endpointsControllers, podDisruptionBudgets } from '../../../src/controllers/endpoints/index.js';
import type { Cluster } from './helpers.js';
import { createNode, eventually, runPod, setPodStatus, startCluster } from './helpers.js';

describe('disruption controller', () => {
  let c: Cluster;
  let ns = 0;

  before(async () => {
    c = await startCluster({ disruption: endpointsControllers.disruption! });
    await createNode(c.client, 'node-a');
  });
  after(async () => {
    await c.stop();
  });

  async function namespace(): Promise<string> {
    const name = `pdb-${++ns}`;
    await c.client.resource(namespaces).create({ metadata: { name } });
    return name;
  }

  function budget(n: string, name: string, spec: PodDisruptionBudget['spec']): Promise<PodDisruptionBudget> {
    return c.client.resource(podDisruptionBudgets, n).create({ metadata: { name, namespace: n }, spec });
  }

  async function statusWhen(n: string, name: string, pred: (pdb: PodDisruptionBudget) => boolean, what: string): Promise<PodDisruptionBudget> {
    return eventually(async () => {
      const pdb = await c.client.resource(podDisruptionBudgets, n).get(name);
      return pred(pdb) ? pdb : undefined;
    }, 5000, what);
  }

  it('allows one disruption of three ready pods under minAvailable=2, and evictions follow it', async () => {
    const n = await namespace();
    for (let i = 1; i <= 3; i++) await runPod(c.client, n, `db-${i}`, { labels: { app: 'db' }, node: 'node-a', ip: `10.42.5.${i}` });
    await budget(n, 'db', { minAvailable: 2, selector: { matchLabels: { app: 'db' } } });

    const pdb = await statusWhen(n, 'db', (p) => p.status?.observedGeneration === 1, 'first status');
    assert.equal(pdb.status?.expectedPods, 3);
    assert.equal(pdb.status?.currentHealthy, 3);
    assert.equal(pdb.status?.desiredHealthy, 2);
    assert.equal(pdb.status?.disruptionsAllowed, 1);
    const cond = pdb.status?.conditions?.find((x) => x.type === 'DisruptionAllowed');
    assert.equal(cond?.status, 'True');
    assert.equal(cond?.reason, 'SufficientPods');
    assert.ok(cond?.lastTransitionTime);

    const api = c.client.resource(pods, n);
    await api.evict('db-1');
    // The pod is bound, so it lingers terminating (no kubelet); it no longer counts as healthy.
    const after1 = await statusWhen(n, 'db', (p) => p.status?.currentHealthy === 2, 'status after the eviction');
    assert.equal(after1.status?.disruptionsAllowed, 0);
    const cond1 = after1.status?.conditions?.find((x) => x.type === 'DisruptionAllowed');
    assert.equal(cond1?.status, 'False');
    assert.equal(cond1?.reason, 'InsufficientPods');

    await assert.rejects(api.evict('db-2'), (err) => isTooManyRequests(err));
    assert.equal((await api.get('db-2')).metadata?.deletionTimestamp, undefined, 'the refused eviction deleted nothing');

    // A fourth ready pod frees a disruption again. As upstream, an integer minAvailable expects
    // every matching pod, the terminating db-1 included.
    await runPod(c.client, n, 'db-4', { labels: { app: 'db' }, node: 'node-a', ip: '10.42.5.4' });
    await statusWhen(n, 'db', (p) => p.status?.disruptionsAllowed === 1 && p.status?.expectedPods === 4, 'a new pod frees a disruption');
    // A pod that turns not ready is no longer healthy.
    await setPodStatus(c.client, n, 'db-4', { ip: '10.42.5.4', ready: false });
    await statusWhen(n, 'db', (p) => p.status?.disruptionsAllowed === 0 && p.status?.currentHealthy === 2, 'not ready is not healthy');
  });

  it('takes maxUnavailable and percentages of the controllers\' scale', async () => {
    const n = await namespace();
    const d = await c.client.resource(deployments, n).create({
      metadata: { name: 'web', namespace: n },
      spec: {
        replicas: 4,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'example/app:1' }] } },
      },
    });
    const rs = await c.client.resource(replicaSets, n).create({
      metadata: {
        name: 'web-abc', namespace: n, labels: { app: 'web' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata!.uid!, controller: true, blockOwnerDeletion: true }],
      },
      spec: {
        replicas: 4,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'example/app:1' }] } },
      },
    });
    const owner = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: rs.metadata!.uid!, controller: true, blockOwnerDeletion: true }];
    // Three of the four wanted pods exist and are ready.
    for (let i = 1; i <= 3; i++) await runPod(c.client, n, `web-${i}`, { labels: { app: 'web' }, node: 'node-a', ip: `10.42.6.${i}`, ownerReferences: owner });

    await budget(n, 'max-unavailable', { maxUnavailable: '25%', selector: { matchLabels: { app: 'web' } } });
    await budget(n, 'min-percent', { minAvailable: '50%', selector: { matchLabels: { app: 'web' } } });

    // expected = the Deployment's 4; 25% of 4 is 1 unavailable → 3 desired, 3 healthy → none allowed.
    const mu = await statusWhen(n, 'max-unavailable', (p) => p.status?.observedGeneration === 1, 'maxUnavailable status');
    assert.deepEqual([mu.status?.expectedPods, mu.status?.desiredHealthy, mu.status?.currentHealthy, mu.status?.disruptionsAllowed], [4, 3, 3, 0]);
    // 50% of 4 rounded up is 2 desired → one allowed.
    const mp = await statusWhen(n, 'min-percent', (p) => p.status?.observedGeneration === 1, 'minAvailable% status');
    assert.deepEqual([mp.status?.expectedPods, mp.status?.desiredHealthy, mp.status?.currentHealthy, mp.status?.disruptionsAllowed], [4, 2, 3, 1]);

    // A spec change is observed.
    const cur = await c.client.resource(podDisruptionBudgets, n).get('min-percent');
    await c.client.resource(podDisruptionBudgets, n).update({ ...cur, spec: { ...cur.spec, minAvailable: '75%' } });
    const mp2 = await statusWhen(n, 'min-percent', (p) => p.status?.observedGeneration === 2, 'observed generation 2');
    assert.deepEqual([mp2.status?.desiredHealthy, mp2.status?.disruptionsAllowed], [3, 0]);
  });

  it('fails safe when a pod\'s controller cannot be found', async () => {
    const n = await namespace();
    const ghost = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'ghost', uid: '00000000-0000-0000-0000-000000000001', controller: true }];
    await runPod(c.client, n, 'orphan', { labels: { app: 'x' }, node: 'node-a', ip: '10.42.7.1', ownerReferences: ghost });
    await budget(n, 'x', { maxUnavailable: 1, selector: { matchLabels: { app: 'x' } } });
    const pdb = await statusWhen(n, 'x', (p) => p.status?.conditions?.some((x) => x.reason === 'SyncFailed') ?? false, 'SyncFailed');
    const cond = pdb.status!.conditions!.find((x) => x.type === 'DisruptionAllowed')!;
    assert.equal(cond.status, 'False');
    assert.match(cond.message, /found no controllers for pod "orphan"/);
    assert.equal(pdb.status?.disruptionsAllowed, 0);
  });

  it('counts the matching pods for an integer minAvailable, owners or not', async () => {
    const n = await namespace();
    await budget(n, 'none', { minAvailable: 1, selector: { matchLabels: { app: 'none' } } });
    // No pods: nothing expected, nothing allowed.
    const empty = await statusWhen(n, 'none', (p) => p.status?.observedGeneration === 1, 'empty budget status');
    assert.deepEqual([empty.status?.expectedPods, empty.status?.currentHealthy, empty.status?.disruptionsAllowed], [0, 0, 0]);
    await runPod(c.client, n, 'solo-1', { labels: { app: 'none' }, node: 'node-a', ip: '10.42.8.1' });
    await runPod(c.client, n, 'solo-2', { labels: { app: 'none' }, node: 'node-a', ip: '10.42.8.2' });
    const two = await statusWhen(n, 'none', (p) => p.status?.currentHealthy === 2, 'two healthy');
    assert.deepEqual([two.status?.expectedPods, two.status?.desiredHealthy, two.status?.disruptionsAllowed], [2, 1, 1]);
  });
});
