// Simulated nodes against a real API server: registration, leases, and the lifecycle of pods
// bound to them (no scheduler: the tests bind pods themselves through pods/binding).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { jobs, leases, nodes, pods } from '../../src/client/resources.js';
import { SIM_NODE_LABEL } from '../../src/sim/node-template.js';
import { eventually, simplePod, startCluster, type TestCluster } from '../scheduler/integration/cluster.js';

let c: TestCluster;

before(async () => {
  c = await startCluster({
    scheduler: false,
    sim: {
      count: 2, namePrefix: 'kw-', cpu: '8', memory: '32Gi', maxPods: '50', zones: ['z1', 'z2'],
      labels: { pool: 'sim' }, taints: [{ key: 'sim', value: 'yes', effect: 'PreferNoSchedule' }],
      leaseRenewIntervalMs: 100, jobPodRunMs: 300, maxDeletionDelayMs: 200,
    },
  });
});

after(async () => {
  await c.stop();
});

test('registers nodes with capacity, labels, zone, taints and a Ready condition', async () => {
  const n = await c.client.resource(nodes).get('kw-1');
  assert.deepEqual(n.status?.capacity, { cpu: '8', memory: '32Gi', pods: '50', 'ephemeral-storage': '100Gi' });
  assert.equal(n.metadata?.labels?.['kubernetes.io/hostname'], 'kw-1');
  assert.equal(n.metadata?.labels?.['topology.kubernetes.io/zone'], 'z2');
  assert.equal(n.metadata?.labels?.pool, 'sim');
  assert.equal(n.metadata?.labels?.[SIM_NODE_LABEL], 'true');
  assert.deepEqual(n.spec?.taints, [{ key: 'sim', value: 'yes', effect: 'PreferNoSchedule' }]);
  const ready = n.status?.conditions?.find((x) => x.type === 'Ready');
  assert.equal(ready?.status, 'True');
  assert.equal(ready?.reason, 'KubeletReady');
});

test('renews each node lease in kube-node-lease', async () => {
  const api = c.client.resource(leases, 'kube-node-lease');
  const first = await api.get('kw-0');
  assert.equal(first.spec?.holderIdentity, 'kw-0');
  assert.equal(first.spec?.leaseDurationSeconds, 40);
  assert.equal(first.metadata?.ownerReferences?.[0]?.kind, 'Node');
  await eventually(async () => (await api.get('kw-0')).spec!.renewTime! > first.spec!.renewTime!, 3000, 'a renewal');
});

test('a bound pod becomes Running and Ready with an IP and running containers', async () => {
  const api = c.client.resource(pods, 'default');
  await api.create(simplePod('run-me'));
  await api.bind('run-me', 'kw-0');
  const p = await eventually(async () => {
    const x = await api.get('run-me');
    return x.status?.phase === 'Running' ? x : undefined;
  }, 5000, 'Running');
  const conds = Object.fromEntries((p.status?.conditions ?? []).map((x) => [x.type, x.status]));
  assert.deepEqual(conds, { PodReadyToStartContainers: 'True', Initialized: 'True', Ready: 'True', ContainersReady: 'True', PodScheduled: 'True' });
  assert.match(p.status?.podIP ?? '', /^10\.128\.\d+\.\d+$/);
  assert.equal(p.status?.hostIP, '10.254.0.1');
  assert.equal(p.status?.containerStatuses?.[0]?.ready, true);
  assert.ok(p.status?.containerStatuses?.[0]?.state?.running?.startedAt);
});

test('a pod on a node the simulator does not own is left alone', async () => {
  const api = c.client.resource(pods, 'default');
  await api.create(simplePod('elsewhere'));
  await api.bind('elsewhere', 'real-node');
  await api.create(simplePod('marker'));
  await api.bind('marker', 'kw-1');
  await eventually(async () => (await api.get('marker')).status?.phase === 'Running', 5000, 'marker Running');
  assert.equal((await api.get('elsewhere')).status?.phase, 'Pending');
});

test("a Job's pod Succeeds after the configured run time", async () => {
  const job = await c.client.resource(jobs, 'default').create({
    metadata: { name: 'once', namespace: 'default' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
  });
  const p = simplePod('once-abc', { restartPolicy: 'Never' });
  p.metadata!.ownerReferences = [{ apiVersion: 'batch/v1', kind: 'Job', name: 'once', uid: job.metadata!.uid!, controller: true }];
  const api = c.client.resource(pods, 'default');
  await api.create(p);
  await api.bind('once-abc', 'kw-1');
  const done = await eventually(async () => {
    const x = await api.get('once-abc');
    return x.status?.phase === 'Succeeded' ? x : undefined;
  }, 5000, 'Succeeded');
  assert.equal(done.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 0);
  assert.equal(done.status?.containerStatuses?.[0]?.state?.terminated?.reason, 'Completed');
  assert.equal(done.status?.conditions?.find((x) => x.type === 'Ready')?.reason, 'PodCompleted');
});

test('a deleted pod goes away after the shorter of its grace period and the configured delay', async () => {
  const api = c.client.resource(pods, 'default');
  await api.create(simplePod('bye', { terminationGracePeriodSeconds: 30 }));
  await api.bind('bye', 'kw-0');
  await eventually(async () => (await api.get('bye')).status?.phase === 'Running', 5000, 'Running');
  const t0 = Date.now();
  await api.delete('bye');
  assert.ok((await api.get('bye')).metadata?.deletionTimestamp, 'graceful: still there, being deleted');
  await eventually(async () => !(await api.list()).items.some((p) => p.metadata?.name === 'bye'), 5000, 'gone');
  const took = Date.now() - t0;
  assert.ok(took >= 150 && took < 5000, `took ${took} ms`);
});
