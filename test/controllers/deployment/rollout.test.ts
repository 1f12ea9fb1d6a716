// Rollout stories: RollingUpdate bounds on every watch event, kubectl rollout
// status/history/undo/restart/pause/resume, Recreate, history cleanup, progress deadline.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import { deployments, replicaSets } from '../../../src/client/resources.js';
import { replicaSetControllers } from '../../../src/controllers/replicaset/index.js';
import { deploymentControllers } from '../../../src/controllers/deployment/index.js';
import type { Harness } from '../replicaset/harness.js';
import { eventually, startHarness, startPodReadiness } from '../replicaset/harness.js';
import { kubectl, kubectlOk } from './kubectl.js';
import { isReady, watchPodsInvariant } from './rollout-watch.js';

const NS = 'default';

function deployment(name: string, replicas: number, spec: Partial<Deployment['spec']> = {}, labels: Record<string, string> = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name, ...labels } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      ...spec,
    } as Deployment['spec'],
  };
}

describe('Deployment rollouts', () => {
  let h: Harness;
  let readiness: { stop(): Promise<void> };
  before(async () => {
    h = await startHarness({ ...replicaSetControllers, ...deploymentControllers });
    readiness = await startPodReadiness(h.client, { filter: (p) => p.metadata?.labels?.['never-ready'] !== 'true' });
  });
  after(async () => {
    await readiness.stop();
    await h.stop();
  });

  const api = () => h.client.resource(deployments, NS);
  const rsOf = async (app: string) => (await h.client.resource(replicaSets, NS).list({ labelSelector: `app=${app}` })).items;
  const rolledOut = async (name: string) => {
    const d = await api().get(name);
    const s = d.status;
    const r = d.spec?.replicas ?? 1;
    return (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) && s?.updatedReplicas === r && s.replicas === r && s.availableReplicas === r && d;
  };
  const revisions = (out: string) => out.split('\n').map((l) => /^(\d+)\s/.exec(l)?.[1]).filter(Boolean).map(Number);

  it('a rolling update keeps within maxSurge and maxUnavailable on every watch event; rollout status returns when done', async () => {
    await api().create(deployment('roll', 4, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } } }));
    await eventually(() => rolledOut('roll'), 'initial rollout');
    const watch = await watchPodsInvariant(h.client, 'roll', (live) => {
      const ready = live.filter(isReady).length;
      if (live.length > 5) return `${live.length} pods > replicas + maxSurge (5)`;
      if (ready < 3) return `${ready} ready pods < replicas - maxUnavailable (3)`;
      return undefined;
    });
    try {
      await kubectlOk(h.server.url, ['set', 'image', 'deployment/roll', 'c=busybox:1.36']);
      const out = await kubectlOk(h.server.url, ['rollout', 'status', 'deployment/roll', '--timeout=20s']);
      assert.match(out, /deployment "roll" successfully rolled out/);
      await eventually(() => rolledOut('roll'), 'rolled out');
    } finally {
      await watch.stop();
    }
    assert.deepEqual(watch.violations, []);
    assert.ok(watch.events > 8, `saw ${watch.events} pod events`);
    const rss = await rsOf('roll');
    assert.equal(rss.length, 2);
    const byRev = Object.fromEntries(rss.map((rs) => [rs.metadata!.annotations!['deployment.kubernetes.io/revision'], rs]));
    assert.equal(byRev['1']!.spec!.replicas, 0);
    assert.equal(byRev['2']!.spec!.replicas, 4);
    assert.equal(byRev['2']!.spec!.template!.spec!.containers[0]!.image, 'busybox:1.36');
  });

  it('rollout history lists revisions; rollout undo reuses the old ReplicaSet with a new revision', async () => {
    const before = await rsOf('roll');
    const rev1 = before.find((rs) => rs.metadata!.annotations!['deployment.kubernetes.io/revision'] === '1')!;
    assert.deepEqual(revisions(await kubectlOk(h.server.url, ['rollout', 'history', 'deployment/roll'])), [1, 2]);
    await kubectlOk(h.server.url, ['rollout', 'undo', 'deployment/roll']);
    await eventually(async () => {
      const d = await rolledOut('roll');
      return d && d.spec!.template!.spec!.containers[0]!.image === 'busybox' && d.metadata!.annotations!['deployment.kubernetes.io/revision'] === '3';
    }, 'rolled back to busybox as revision 3');
    const rss = await rsOf('roll');
    assert.equal(rss.length, 2, 'no new ReplicaSet for a rollback');
    const reused = rss.find((rs) => rs.metadata!.uid === rev1.metadata!.uid)!;
    assert.equal(reused.metadata!.annotations!['deployment.kubernetes.io/revision'], '3');
    assert.equal(reused.metadata!.annotations!['deployment.kubernetes.io/revision-history'], '1');
    assert.equal(reused.spec!.replicas, 4);
    assert.deepEqual(revisions(await kubectlOk(h.server.url, ['rollout', 'history', 'deployment/roll'])), [2, 3]);
  });

  it('rollout restart makes a new ReplicaSet; pause holds template changes until resume', async () => {
    await kubectlOk(h.server.url, ['rollout', 'restart', 'deployment/roll']);
    await eventually(async () => (await rolledOut('roll')) && (await rsOf('roll')).length === 3, 'restarted into a third ReplicaSet');
    await kubectlOk(h.server.url, ['rollout', 'pause', 'deployment/roll']);
    await kubectlOk(h.server.url, ['set', 'image', 'deployment/roll', 'c=busybox:1.37']);
    const paused = await eventually(async () => {
      const d = await api().get('roll');
      const c = d.status?.conditions?.find((x) => x.type === 'Progressing');
      return d.status?.observedGeneration === d.metadata?.generation && c?.reason === 'DeploymentPaused' && d;
    }, 'paused condition');
    assert.equal(paused.status!.conditions!.find((x) => x.type === 'Progressing')!.status, 'Unknown');
    assert.equal((await rsOf('roll')).length, 3, 'no new ReplicaSet while paused');
    await kubectlOk(h.server.url, ['rollout', 'resume', 'deployment/roll']);
    await eventually(async () => {
      const d = await rolledOut('roll');
      return d && (await rsOf('roll')).some((rs) => rs.spec!.template!.spec!.containers[0]!.image === 'busybox:1.37' && rs.spec!.replicas === 4);
    }, 'rolled out after resume');
  });

  it('Recreate never runs old and new pods together', async () => {
    await api().create(deployment('rec', 2, { strategy: { type: 'Recreate' } }));
    await eventually(() => rolledOut('rec'), 'initial rollout');
    const watch = await watchPodsInvariant(h.client, 'rec', (live) => {
      const hashes = new Set(live.map((p) => p.metadata!.labels!['pod-template-hash']));
      return hashes.size > 1 ? `pods of ${hashes.size} templates at once` : undefined;
    });
    try {
      await kubectlOk(h.server.url, ['set', 'image', 'deployment/rec', 'c=busybox:1.36']);
      await eventually(async () => {
        const d = await rolledOut('rec');
        return d && d.metadata!.annotations!['deployment.kubernetes.io/revision'] === '2';
      }, 'recreated');
    } finally {
      await watch.stop();
    }
    assert.deepEqual(watch.violations, []);
    assert.ok(watch.events > 4);
  });

  it('keeps only revisionHistoryLimit old ReplicaSets', async () => {
    await api().create(deployment('hist', 1, { revisionHistoryLimit: 1 }));
    for (const tag of ['1', '2', '3']) {
      await eventually(() => rolledOut('hist'), `rollout before ${tag}`);
      await api().patch('hist', 'strategic', { spec: { template: { spec: { containers: [{ name: 'c', image: `busybox:${tag}` }] } } } });
    }
    await eventually(async () => (await rolledOut('hist')) && (await rsOf('hist')).length === 2, 'history trimmed to 1 old ReplicaSet');
    const revs = (await rsOf('hist')).map((rs) => rs.metadata!.annotations!['deployment.kubernetes.io/revision']).sort();
    assert.deepEqual(revs, ['3', '4']);
  });

  it('reports ProgressDeadlineExceeded when pods never become available, and rollout status fails', async () => {
    await api().create(deployment('stuck', 1, { progressDeadlineSeconds: 1 }, { 'never-ready': 'true' }));
    const d = await eventually(async () => {
      const cur = await api().get('stuck');
      const c = cur.status?.conditions?.find((x) => x.type === 'Progressing');
      return c?.reason === 'ProgressDeadlineExceeded' && cur;
    }, 'deadline exceeded', 8000);
    const conds = Object.fromEntries(d.status!.conditions!.map((c) => [c.type, c]));
    assert.equal(conds.Progressing!.status, 'False');
    assert.match(conds.Progressing!.message!, /^ReplicaSet "stuck-\w+" has timed out progressing\.$/);
    assert.equal(conds.Available!.status, 'False');
    assert.equal(conds.Available!.reason, 'MinimumReplicasUnavailable');
    const r = await kubectl(h.server.url, ['rollout', 'status', 'deployment/stuck', '--timeout=5s']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /exceeded its progress deadline/);
  });
});
