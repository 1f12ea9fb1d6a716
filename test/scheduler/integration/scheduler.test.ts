// The scheduler against a real API server and three simulated nodes (zones a, b, c; 4 CPUs
// each): placements as upstream makes them, and the FailedScheduling story of a pod that fits
// nowhere.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { nodes, pods, services } from '../../../src/client/resources.js';
import { eventsFor, eventually, simplePod, startCluster, waitBound, type TestCluster } from './cluster.js';

let c: TestCluster;

before(async () => {
  c = await startCluster({ sim: { count: 3, cpu: '4', memory: '16Gi', zones: ['zone-a', 'zone-b', 'zone-c'] } });
});

after(async () => {
  await c.stop();
});

const api = () => c.client.resource(pods, 'default');

async function createAll(list: Pod[]): Promise<string[]> {
  for (const p of list) await api().create(p);
  return Promise.all(list.map((p) => waitBound(c.client, p.metadata!.name!)));
}

function countByNode(placements: string[]): number[] {
  const m = new Map<string, number>();
  for (const n of placements) m.set(n, (m.get(n) ?? 0) + 1);
  return [...m.values()].sort();
}

test('six pods of one set spread two per node', async () => {
  // A Service selecting the pods gives them upstream's default topology spreading, as a Deployment's would.
  await c.client.resource(services, 'default').create({ metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
  const placements = await createAll(Array.from({ length: 6 }, (_, i) => simplePod(`web-${i}`, {}, { app: 'web' })));
  assert.deepEqual(countByNode(placements), [2, 2, 2]);
  const bound = await api().get('web-0');
  assert.equal(bound.status?.conditions?.find((x) => x.type === 'PodScheduled')?.status, 'True');
  const ev = await eventually(async () => (await eventsFor(c.client, 'web-0')).find((e) => e.reason === 'Scheduled'), 5000, 'Scheduled event');
  assert.equal(ev.message, `Successfully assigned default/web-0 to ${bound.spec?.nodeName}`);
  assert.equal(ev.source?.component, 'default-scheduler');
});

test('nodeSelector picks the node with the label', async () => {
  const [node] = await createAll([simplePod('selector', { nodeSelector: { 'topology.kubernetes.io/zone': 'zone-b' } })]);
  assert.equal(node, 'sim-node-1');
});

test('required node affinity picks a matching node', async () => {
  const [node] = await createAll([simplePod('affinity', {
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['sim-node-2'] }] }] } } },
  })]);
  assert.equal(node, 'sim-node-2');
});

test('a node with an untolerated taint gets no pods; a tolerating pod may go there', async () => {
  const taint = { key: 'dedicated', value: 'infra', effect: 'NoSchedule' };
  await c.client.resource(nodes).patch('sim-node-0', 'merge', { spec: { taints: [taint] } });
  // The scheduler must see the taint before the pods arrive.
  await eventually(async () => c.scheduler!.cache.snapshot.get('sim-node-0')?.node.spec?.taints?.length === 1, 5000, 'taint in the cache');
  try {
    const placements = await createAll(Array.from({ length: 4 }, (_, i) => simplePod(`taint-${i}`)));
    assert.ok(!placements.includes('sim-node-0'), `placed on the tainted node: ${placements}`);
    const [tolerating] = await createAll([simplePod('taint-ok', {
      nodeSelector: { 'kubernetes.io/hostname': 'sim-node-0' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' }],
    })]);
    assert.equal(tolerating, 'sim-node-0');
  } finally {
    await c.client.resource(nodes).patch('sim-node-0', 'merge', { spec: { taints: null } });
  }
});

test('required pod anti-affinity on hostname puts each pod on its own node, and a fourth nowhere', async () => {
  const anti = (name: string) => simplePod(name, {
    affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'solo' } } }] } },
  }, { app: 'solo' });
  const placements = await createAll([anti('solo-0'), anti('solo-1'), anti('solo-2')]);
  assert.equal(new Set(placements).size, 3);
  await api().create(anti('solo-3'));
  const ev = await eventually(async () => (await eventsFor(c.client, 'solo-3')).find((e) => e.reason === 'FailedScheduling'), 5000, 'FailedScheduling');
  assert.equal(ev.message, '0/3 nodes are available: 3 node(s) didn\'t match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.');
});

test('topology spread over zones with maxSkew 1 places two pods per zone', async () => {
  const spread = (name: string) => simplePod(name, {
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } } }],
  }, { app: 'spread' });
  const placements = await createAll(Array.from({ length: 6 }, (_, i) => spread(`spread-${i}`)));
  assert.deepEqual(countByNode(placements), [2, 2, 2]);
});

test('a pod that fits nowhere stays Pending with the upstream FailedScheduling message and PodScheduled=False', async () => {
  const big = simplePod('too-big');
  big.spec!.containers[0]!.resources = { requests: { cpu: '64' } };
  await api().create(big);
  const expected = '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.';
  const ev = await eventually(async () => (await eventsFor(c.client, 'too-big')).find((e) => e.reason === 'FailedScheduling'), 5000, 'FailedScheduling');
  assert.equal(ev.type, 'Warning');
  assert.equal(ev.message, expected);
  const cond = await eventually(async () => (await api().get('too-big')).status?.conditions?.find((x) => x.type === 'PodScheduled'), 5000, 'PodScheduled');
  assert.deepEqual({ status: cond.status, reason: cond.reason, message: cond.message }, { status: 'False', reason: 'Unschedulable', message: expected });
  const pod = await api().get('too-big');
  assert.equal(pod.spec?.nodeName, undefined);
  assert.equal(pod.status?.phase, 'Pending');
});

test('a pod for another schedulerName is left alone', async () => {
  await api().create(simplePod('other-scheduler', { schedulerName: 'someone-else' }));
  // Give the scheduler a chance to (wrongly) act, then check: a pod it does schedule is bound meanwhile.
  await createAll([simplePod('marker')]);
  const pod = await api().get('other-scheduler');
  assert.equal(pod.spec?.nodeName, undefined);
  assert.equal((await eventsFor(c.client, 'other-scheduler')).length, 0);
});
