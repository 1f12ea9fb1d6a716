// DaemonSet stories against a real API server: pods only on eligible nodes, a new node gets
// one, rolling updates respect maxUnavailable, OnDelete waits, NoExecute taints evict.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { controllerRevisions, daemonSets, nodes, pods } from '../../../src/client/resources.js';
import { daemonSetControllers } from '../../../src/controllers/daemonset/index.js';
import { createNode, eventually, startWorkloadCluster, type WorkloadCluster } from './workload-cluster.js';

const run = promisify(execFile);

function daemonSet(name: string, spec: Partial<NonNullable<DaemonSet['spec']>> = {}, podSpec: Record<string, unknown> = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'agent', image: 'busybox:1' }], ...podSpec } },
      ...spec,
    },
  };
}

function live(list: Pod[]): Pod[] {
  return list.filter((p) => !p.metadata?.deletionTimestamp);
}

function nodeOf(p: Pod): string | undefined {
  return p.spec?.nodeName ?? p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0];
}

async function podsOf(c: WorkloadCluster, app: string): Promise<Pod[]> {
  return (await c.client.resource(pods, 'default').list({ labelSelector: `app=${app}` })).items;
}

describe('DaemonSet controller', () => {
  let c: WorkloadCluster;

  before(async () => {
    c = await startWorkloadCluster(daemonSetControllers, { autoReady: () => true });
    await createNode(c.client, 'node-a', { labels: { disk: 'ssd' } });
    await createNode(c.client, 'node-b', { labels: { disk: 'ssd' }, taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] });
    await createNode(c.client, 'node-c', { labels: { disk: 'hdd' } });
  });
  after(async () => {
    await c?.stop();
  });

  it('runs pods only on eligible nodes, pinned by node affinity, with the automatic tolerations', async () => {
    const ds = await c.client.resource(daemonSets, 'default').create(daemonSet('agent', {}, { nodeSelector: { disk: 'ssd' } }));
    const [pod] = await eventually(async () => {
      const list = await podsOf(c, 'agent');
      return list.length === 1 ? list : undefined;
    }, 10_000, 'one daemon pod');
    assert.equal(nodeOf(pod!), 'node-a', 'node-b is tainted, node-c does not match the nodeSelector');
    assert.deepEqual(pod!.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, {
      nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-a'] }] }],
    });
    const tolerations = pod!.spec?.tolerations ?? [];
    for (const [key, effect] of [
      ['node.kubernetes.io/not-ready', 'NoExecute'], ['node.kubernetes.io/unreachable', 'NoExecute'],
      ['node.kubernetes.io/disk-pressure', 'NoSchedule'], ['node.kubernetes.io/memory-pressure', 'NoSchedule'],
      ['node.kubernetes.io/pid-pressure', 'NoSchedule'], ['node.kubernetes.io/unschedulable', 'NoSchedule'],
    ]) {
      const t = tolerations.find((x) => x.key === key && x.effect === effect);
      assert.ok(t, `toleration ${key}:${effect}`);
      assert.equal(t.operator, 'Exists');
      assert.equal(t.tolerationSeconds, undefined);
    }
    assert.ok(!tolerations.some((t) => t.key === 'node.kubernetes.io/network-unavailable'), 'only hostNetwork pods tolerate network-unavailable');
    const ref = pod!.metadata?.ownerReferences?.[0];
    assert.deepEqual({ kind: ref?.kind, name: ref?.name, uid: ref?.uid, controller: ref?.controller, block: ref?.blockOwnerDeletion }, { kind: 'DaemonSet', name: 'agent', uid: ds.metadata?.uid, controller: true, block: true });
    assert.ok(pod!.metadata?.name?.startsWith('agent-'));

    const hash = pod!.metadata?.labels?.['controller-revision-hash'];
    assert.ok(hash, 'the pod carries the revision hash');
    const revs = (await c.client.resource(controllerRevisions, 'default').list()).items.filter((r) => r.metadata?.ownerReferences?.[0]?.uid === ds.metadata?.uid);
    assert.equal(revs.length, 1);
    assert.equal(revs[0]!.revision, 1);
    assert.equal(revs[0]!.metadata?.name, `agent-${hash}`);
    assert.equal(revs[0]!.metadata?.labels?.['controller-revision-hash'], hash);

    const status = await eventually(async () => {
      const s = (await c.client.resource(daemonSets, 'default').get('agent')).status;
      return s?.numberAvailable === 1 ? s : undefined;
    }, 10_000, 'status with one available pod');
    assert.deepEqual(
      [status.desiredNumberScheduled, status.currentNumberScheduled, status.numberReady, status.updatedNumberScheduled, status.numberMisscheduled, status.observedGeneration],
      [1, 1, 1, 1, 0, 1],
    );
  });

  it('gives a new eligible node its pod, and one that tolerates the taint', async () => {
    await createNode(c.client, 'node-d', { labels: { disk: 'ssd' } });
    await eventually(async () => {
      const list = live(await podsOf(c, 'agent'));
      return list.map(nodeOf).sort().join(',') === 'node-a,node-d';
    }, 10_000, 'a pod on node-d');

    // A DaemonSet that tolerates the taint runs on node-b too.
    await c.client.resource(daemonSets, 'default').create(daemonSet('logs', {}, {
      nodeSelector: { disk: 'ssd' },
      tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }],
    }));
    await eventually(async () => live(await podsOf(c, 'logs')).map(nodeOf).sort().join(',') === 'node-a,node-b,node-d', 10_000, 'pods on a, b, d');
  });

  it('evicts from a node with an untolerated NoExecute taint but stays through a new NoSchedule one', async () => {
    const nodeApi = c.client.resource(nodes);
    const d = await nodeApi.get('node-d');
    await nodeApi.update({ ...d, spec: { ...d.spec, taints: [{ key: 'maintenance', effect: 'NoSchedule' }] } });
    // The NoSchedule taint stops new pods but does not remove the running one: the status says
    // node-d is no longer desired yet its pod still runs (misscheduled).
    await eventually(async () => (await c.client.resource(daemonSets, 'default').get('agent')).status?.numberMisscheduled === 1, 10_000, 'node-d misscheduled');
    assert.equal(live(await podsOf(c, 'agent')).filter((p) => nodeOf(p) === 'node-d').length, 1);

    const d2 = await nodeApi.get('node-d');
    await nodeApi.update({ ...d2, spec: { ...d2.spec, taints: [{ key: 'maintenance', effect: 'NoExecute' }] } });
    await eventually(async () => live(await podsOf(c, 'agent')).map(nodeOf).join(',') === 'node-a', 10_000, 'pod on node-d gone');
    await nodeApi.delete('node-d');
  });

  it('rolls an update out node by node within maxUnavailable, and kubectl rollout status waits for it', async () => {
    const api = c.client.resource(daemonSets, 'default');
    await createNode(c.client, 'node-e', { labels: { disk: 'ssd' } });
    await createNode(c.client, 'node-f', { labels: { disk: 'ssd' } });
    const eligible = ['node-a', 'node-e', 'node-f'];
    await eventually(async () => (await api.get('agent')).status?.numberAvailable === 3, 10_000, 'three available pods');
    const before = await podsOf(c, 'agent');
    const oldHash = before[0]!.metadata?.labels?.['controller-revision-hash'];

    // Watch every pod change during the rollout; at no point may more than one eligible node
    // be without an available (ready, not terminating) pod.
    const watch = await c.client.resource(pods, 'default').watch({ labelSelector: 'app=agent', resourceVersion: '0' });
    const state = new Map<string, Pod>();
    let worst = 0;
    const observing = (async () => {
      for await (const ev of watch) {
        const p = ev.object as Pod;
        if (ev.type === 'DELETED') state.delete(p.metadata!.name!);
        else state.set(p.metadata!.name!, p);
        const availableNodes = new Set([...state.values()]
          .filter((x) => !x.metadata?.deletionTimestamp && x.status?.conditions?.some((k) => k.type === 'Ready' && k.status === 'True'))
          .map(nodeOf));
        if (state.size >= 3) worst = Math.max(worst, eligible.filter((n) => !availableNodes.has(n)).length);
      }
    })();

    const ds = await api.get('agent');
    ds.spec!.template.spec!.containers[0]!.image = 'busybox:2';
    await api.update(ds);
    const kubectl = run('kubectl', ['--server', c.server.url, 'rollout', 'status', 'daemonset/agent', '-n', 'default', '--timeout=20s'], { timeout: 25_000 });
    const done = await eventually(async () => {
      const list = live(await podsOf(c, 'agent'));
      const s = (await api.get('agent')).status;
      return list.length === 3 && list.every((p) => p.spec?.containers[0]?.image === 'busybox:2') && s?.updatedNumberScheduled === 3 && s.numberAvailable === 3 ? list : undefined;
    }, 15_000, 'every pod updated');
    const { stdout } = await kubectl;
    assert.match(stdout, /daemon set "agent" successfully rolled out/);
    watch.cancel();
    await observing.catch(() => undefined);

    assert.equal(worst, 1, 'maxUnavailable 1: exactly one node at a time was without an available pod');
    const newHash = done[0]!.metadata?.labels?.['controller-revision-hash'];
    assert.notEqual(newHash, oldHash);
    const revs = (await c.client.resource(controllerRevisions, 'default').list()).items
      .filter((r) => r.metadata?.ownerReferences?.[0]?.name === 'agent')
      .sort((a, b) => a.revision - b.revision);
    assert.deepEqual(revs.map((r) => [r.revision, r.metadata?.labels?.['controller-revision-hash']]), [[1, oldHash], [2, newHash]]);
  });

  it('with OnDelete replaces a pod only when it is deleted', async () => {
    const api = c.client.resource(daemonSets, 'default');
    await api.create(daemonSet('manual', { updateStrategy: { type: 'OnDelete' } }, { nodeSelector: { disk: 'ssd' } }));
    await eventually(async () => (await api.get('manual')).status?.numberAvailable === 3, 10_000, 'three pods');
    const ds = await api.get('manual');
    ds.spec!.template.spec!.containers[0]!.image = 'busybox:2';
    await api.update(ds);
    await eventually(async () => {
      const s = (await api.get('manual')).status;
      return s?.observedGeneration === 2 && s.updatedNumberScheduled === undefined;
    }, 10_000, 'generation 2 observed with no pod updated');
    const list = live(await podsOf(c, 'manual'));
    assert.ok(list.every((p) => p.spec?.containers[0]?.image === 'busybox:1'));

    const victim = list.find((p) => nodeOf(p) === 'node-e')!;
    await c.client.resource(pods, 'default').delete(victim.metadata!.name!);
    await eventually(async () => {
      const now = live(await podsOf(c, 'manual'));
      const onE = now.filter((p) => nodeOf(p) === 'node-e');
      return now.length === 3 && onE.length === 1 && onE[0]!.spec?.containers[0]?.image === 'busybox:2';
    }, 10_000, 'node-e pod recreated at the new template');
    const others = live(await podsOf(c, 'manual')).filter((p) => nodeOf(p) !== 'node-e');
    assert.ok(others.every((p) => p.spec?.containers[0]?.image === 'busybox:1'), 'the other pods stay at the old template');
  });
});
