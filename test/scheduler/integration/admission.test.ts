// The Priority and DefaultTolerationSeconds admission plugins, through a real API server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pods } from '../../../src/client/resources.js';
import { simplePod, startCluster, type TestCluster } from './cluster.js';

const priorityClasses = { group: 'scheduling.k8s.io', version: 'v1', resource: 'priorityclasses', kind: 'PriorityClass', namespaced: false };
let c: TestCluster;

before(async () => {
  c = await startCluster({ scheduler: false, sim: { count: 1 } });
});

after(async () => {
  await c.stop();
});

const api = () => c.client.resource(pods, 'default');

test('a pod gets the default not-ready and unreachable tolerations of 300 s, unless it has its own', async () => {
  const p = await api().create(simplePod('tol-default'));
  assert.deepEqual(p.spec?.tolerations, [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ]);
  const own = await api().create(simplePod('tol-own', { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }] }));
  assert.deepEqual(own.spec?.tolerations?.map((t) => [t.key, t.tolerationSeconds]), [
    ['node.kubernetes.io/unreachable', 5], ['node.kubernetes.io/not-ready', 300],
  ]);
});

test('priority comes from the PriorityClass, the global default, or is 0; unknown classes are refused', async () => {
  const none = await api().create(simplePod('prio-none'));
  assert.deepEqual([none.spec?.priority, none.spec?.preemptionPolicy], [0, 'PreemptLowerPriority']);
  assert.equal((await api().create(simplePod('prio-system', { priorityClassName: 'system-cluster-critical' }))).spec?.priority, 2000000000);
  await c.client.resource(priorityClasses).create({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'low-never' }, value: 5, preemptionPolicy: 'Never' } as never);
  const low = await api().create(simplePod('prio-low', { priorityClassName: 'low-never' }));
  assert.equal(low.spec?.priority, 5);
  assert.equal(low.spec?.preemptionPolicy, 'Never');
  await assert.rejects(api().create(simplePod('prio-missing', { priorityClassName: 'nope' })), (e: Error) => {
    assert.equal(e.message, 'pods "prio-missing" is forbidden: no PriorityClass with name nope was found');
    return true;
  });
  await assert.rejects(api().create(simplePod('prio-mismatch', { priorityClassName: 'low-never', priority: 7 })), /must not be provided in pod spec/);
  await assert.rejects(api().create(simplePod('policy-mismatch', { priorityClassName: 'low-never', preemptionPolicy: 'PreemptLowerPriority' })), (e: Error) => {
    assert.equal(e.message, 'pods "policy-mismatch" is forbidden: the string value of PreemptionPolicy (PreemptLowerPriority) must not be provided in pod spec; priority admission controller computed Never from the given PriorityClass name');
    return true;
  });
  await c.client.resource(priorityClasses).create({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'everyone' }, value: 42, globalDefault: true } as never);
  const d = await api().create(simplePod('prio-default'));
  assert.deepEqual([d.spec?.priorityClassName, d.spec?.priority], ['everyone', 42]);
});

