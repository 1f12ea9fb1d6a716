// A simulated node stops heartbeating: within the (short) grace period it goes Unknown and gets
// the unreachable taints; its pods are evicted after their (short) tolerationSeconds, which
// admission defaulted; when it comes back, the taints go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodes, pods, replicaSets } from '../../../src/client/resources.js';
import { replicaSetControllers } from '../../../src/controllers/replicaset/index.js';
import { eventsFor, eventually, simplePod, startCluster, waitBound } from '../../scheduler/integration/cluster.js';

test('a node that stops heartbeating goes Unknown, is tainted, and its pods are evicted; recovery removes the taints', async (t) => {
  const c = await startCluster({
    sim: { count: 3, leaseRenewIntervalMs: 100 },
    tolerationSeconds: 1,
    nodeLifecycle: { nodeMonitorGracePeriodMs: 800, nodeMonitorPeriodMs: 100, evictionRate: 10 },
  });
  t.after(() => c.stop());
  const api = c.client.resource(pods, 'default');
  for (let i = 0; i < 6; i++) await api.create(simplePod(`p-${i}`));
  const placed = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => waitBound(c.client, `p-${i}`)));
  // A node that got pods (the scheduler may place all six on the other two, e.g. when one
  // node's registration reached its cache late); the healthy comparison node is another one.
  const victimNode = placed[0]!;
  const healthyNode = ['sim-node-0', 'sim-node-1', 'sim-node-2'].find((n) => n !== victimNode)!;
  const onVictim = placed.flatMap((n, i) => (n === victimNode ? [`p-${i}`] : []));
  // Admission gave every pod the default NoExecute tolerations (1 s here).
  const tolerations = (await api.get('p-0')).spec?.tolerations ?? [];
  assert.deepEqual(tolerations.map((x) => [x.key, x.effect, x.tolerationSeconds]).sort(), [
    ['node.kubernetes.io/not-ready', 'NoExecute', 1], ['node.kubernetes.io/unreachable', 'NoExecute', 1],
  ]);
  // Wait until the pods run, so that the frozen node's pods are a plain Running set.
  await eventually(async () => (await api.list()).items.every((p) => p.status?.phase === 'Running'), 5000, 'pods running');

  const stoppedAt = Date.now();
  c.sim.stopHeartbeat(victimNode);
  const ready = await eventually(async () => {
    const n = await c.client.resource(nodes).get(victimNode);
    const r = n.status?.conditions?.find((x) => x.type === 'Ready');
    return r?.status === 'Unknown' ? r : undefined;
  }, 5000, 'Ready=Unknown');
  assert.ok(Date.now() - stoppedAt < 3000, 'went Unknown within the grace period (plus a monitor period)');
  assert.equal(ready.reason, 'NodeStatusUnknown');
  assert.equal(ready.message, 'Kubelet stopped posting node status.');
  const taints = await eventually(async () => {
    const ts = (await c.client.resource(nodes).get(victimNode)).spec?.taints ?? [];
    return ts.some((x) => x.effect === 'NoExecute') ? ts : undefined;
  }, 5000, 'taints');
  assert.deepEqual(taints.map((x) => `${x.key}:${x.effect}`).sort(), ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
  // Healthy nodes are left alone.
  assert.equal((await c.client.resource(nodes).get(healthyNode)).spec?.taints, undefined);

  // Evicted after tolerationSeconds: being deleted (the dead kubelet cannot finish the deletion).
  const taintedAt = Date.now();
  await eventually(async () => {
    const items = (await api.list()).items.filter((p) => onVictim.includes(p.metadata!.name!));
    return items.every((p) => p.metadata?.deletionTimestamp);
  }, 5000, 'pods evicted');
  assert.ok(Date.now() - taintedAt >= 500, 'eviction waited for the toleration');
  const ev = await eventually(async () => (await eventsFor(c.client, onVictim[0]!)).find((e) => e.reason === 'TaintManagerEviction'), 5000, 'eviction event');
  assert.equal(ev.message, `Marking for deletion Pod default/${onVictim[0]}`);
  const others = (await api.list()).items.filter((p) => !onVictim.includes(p.metadata!.name!));
  assert.ok(others.every((p) => !p.metadata?.deletionTimestamp), 'pods on healthy nodes stay');

  c.sim.resumeHeartbeat(victimNode);
  await eventually(async () => {
    const n = await c.client.resource(nodes).get(victimNode);
    return n.status?.conditions?.find((x) => x.type === 'Ready')?.status === 'True' && !(n.spec?.taints ?? []).length;
  }, 5000, 'recovered and untainted');
  // Back alive, the node's kubelet finishes the deletions.
  await eventually(async () => (await api.list()).items.every((p) => !onVictim.includes(p.metadata!.name!)), 5000, 'evicted pods gone');
});

test("a lost node's ReplicaSet pods are evicted after their tolerationSeconds and replaced on the other nodes", async (t) => {
  const c = await startCluster({
    sim: { count: 3, leaseRenewIntervalMs: 100 },
    tolerationSeconds: 1,
    nodeLifecycle: { nodeMonitorGracePeriodMs: 800, nodeMonitorPeriodMs: 100, evictionRate: 10 },
    controllers: replicaSetControllers,
  });
  t.after(() => c.stop());
  const api = c.client.resource(pods, 'default');
  const template = simplePod('unused', {}, { app: 'web' });
  await c.client.resource(replicaSets, 'default').create({
    metadata: { name: 'web', namespace: 'default' },
    spec: { replicas: 6, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: template.spec } },
  });
  const running = () => api.list({ labelSelector: 'app=web' }).then((l) => l.items.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp));
  const before = await eventually(async () => ((await running()).length === 6 ? running() : undefined), 10_000, 'six replicas running');
  const victimNode = before[0]!.spec!.nodeName!;
  const lost = before.filter((p) => p.spec?.nodeName === victimNode).map((p) => p.metadata!.name!);

  c.sim.stopHeartbeat(victimNode);
  // The lost pods are marked for deletion (their dead kubelet cannot finish it), and the
  // ReplicaSet, which no longer counts them, creates replacements on the healthy nodes.
  const after = await eventually(async () => {
    const now = await running();
    const replaced = now.length === 6 && now.every((p) => p.spec?.nodeName !== victimNode);
    return replaced ? now : undefined;
  }, 15_000, 'six replicas running off the lost node');
  for (const p of after) assert.ok(!lost.includes(p.metadata!.name!), `${p.metadata!.name} is a replacement`);
  const stuck = (await api.list({ labelSelector: 'app=web' })).items.filter((p) => lost.includes(p.metadata!.name!));
  assert.ok(stuck.every((p) => p.metadata?.deletionTimestamp), 'the lost pods are terminating, not running');
});
