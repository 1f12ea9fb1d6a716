// Issues 4 and 5 as a user lives them: the real kubectl (1.33, and 1.27 where it costs
// little) against `coxswain up --sim-nodes 3`, where the controllers, the scheduler and three
// simulated nodes run in the one process. Workloads roll out, scale, heal, roll back and are
// deleted with each cascade; Jobs and a CronJob run to completion; a node is drained under a
// PodDisruptionBudget; an unschedulable pod explains itself; a namespace goes away.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { processExists, startCoxswain, type RunningCoxswain } from './coxswain-process.js';
import { kubectl, type Kubectl } from './kubectl-runner.js';

const KUBECTL_133 = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';
const KUBECTL_127 = '/usr/lib/google-cloud-sdk/bin/kubectl.1.27';
const NODES = ['sim-node-0', 'sim-node-1', 'sim-node-2'];

interface PodView {
  name: string;
  node: string;
  phase: string;
  ready: boolean;
  terminating: boolean;
  owner: string;
}

/** Polls `probe` until it returns something other than undefined/false; fails after the bound. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got !== undefined && got !== false) return got;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Resolves as `promise` does, or fails after `ms`; leaves no timer behind either way. */
async function within<T>(promise: Promise<T>, ms: number, explain: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(explain())), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** How many pods each node runs. */
function perNode(pods: PodView[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const p of pods) counts[p.node] = (counts[p.node] ?? 0) + 1;
  return counts;
}

describe('cluster stories: kubectl against coxswain up --sim-nodes 3', () => {
  let tmp: string;
  let cluster: RunningCoxswain;
  let k: Kubectl;
  let k127: Kubectl;
  /** When the CronJob was created: its first Job is checked last, so the wait overlaps other stories. */
  let cronCreatedAt = 0;

  const pods = async (namespace: string, selector: string): Promise<PodView[]> => {
    const list = JSON.parse(await k.ok(['-n', namespace, 'get', 'pods', '-l', selector, '-o', 'json']));
    return list.items.map((p: any) => ({
      name: p.metadata.name,
      node: p.spec.nodeName ?? '',
      phase: p.status?.phase ?? '',
      ready: (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'),
      terminating: Boolean(p.metadata.deletionTimestamp),
      owner: p.metadata.ownerReferences?.find((o: any) => o.controller)?.name ?? '',
    }));
  };
  /** Pods not being deleted, once `count` of them run Ready. */
  const runningPods = (namespace: string, selector: string, count: number, timeoutMs?: number) =>
    eventually(`${count} running pods ${selector} in ${namespace}`, async () => {
      const all = await pods(namespace, selector);
      const live = all.filter((p) => !p.terminating);
      return all.length === count && live.length === count && live.every((p) => p.phase === 'Running' && p.ready) && live;
    }, timeoutMs);
  const manifest = async (name: string, doc: object): Promise<string> => {
    const path = join(tmp, name);
    await writeFile(path, toYaml(doc));
    return path;
  };

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'coxswain-e2e-stories-'));
    cluster = await startCoxswain(join(tmp, 'data'), { args: ['--sim-nodes', String(NODES.length)] });
    k = kubectl(KUBECTL_133, cluster.kubeconfigPath, join(tmp, 'cache-133'));
    k127 = kubectl(KUBECTL_127, cluster.kubeconfigPath, join(tmp, 'cache-127'));
    await eventually('three Ready nodes', async () => {
      const out = await k.ok(['get', 'nodes', '--no-headers']);
      return NODES.every((n) => new RegExp(`^${n}\\s+Ready\\s`, 'm').test(out));
    });
    for (const ns of ['apps', 'batch', 'cron', 'drain', 'sched']) await k.ok(['create', 'namespace', ns]);
  });

  after(async () => {
    if (cluster && processExists(cluster.pid)) {
      const code = await cluster.stop();
      assert.equal(code, 0, `coxswain up exited with ${code}\n${cluster.output().stderr}`);
    }
    await rm(tmp, { recursive: true, force: true });
  });

  describe('a Deployment through its life', () => {
    const web = (...args: string[]) => k.ok(['-n', 'apps', ...args]);

    it('spreads six replicas two per node, all Running', async () => {
      assert.match(await web('create', 'deployment', 'web', '--image=busybox', '--replicas=6'), /deployment.apps\/web created/);
      assert.match(await web('rollout', 'status', 'deployment/web', '--timeout=30s'), /deployment "web" successfully rolled out/);
      const live = await runningPods('apps', 'app=web', 6);
      assert.deepEqual(perNode(live), { 'sim-node-0': 2, 'sim-node-1': 2, 'sim-node-2': 2 });
      const table = await k127.ok(['-n', 'apps', 'get', 'deployment', 'web', '--no-headers']);
      assert.match(table, /^web\s+6\/6\s+6\s+6\s+\d+s\n$/);
    });

    it('scales to nine and back to six', async () => {
      assert.match(await web('scale', 'deployment/web', '--replicas=9'), /deployment.apps\/web scaled/);
      await web('rollout', 'status', 'deployment/web', '--timeout=30s');
      assert.deepEqual(perNode(await runningPods('apps', 'app=web', 9)), { 'sim-node-0': 3, 'sim-node-1': 3, 'sim-node-2': 3 });
      await web('scale', 'deployment/web', '--replicas=6');
      await web('rollout', 'status', 'deployment/web', '--timeout=30s');
      await runningPods('apps', 'app=web', 6);
    });

    it('replaces a deleted pod', async () => {
      const [victim] = await pods('apps', 'app=web');
      assert.match(await web('delete', 'pod', victim.name), new RegExp(`pod "${victim.name}" deleted`));
      const live = await runningPods('apps', 'app=web', 6);
      assert.ok(!live.some((p) => p.name === victim.name), 'the deleted pod is still listed');
    });

    it('rolls out a new image, records history, and rolls back', async () => {
      const [before] = await pods('apps', 'app=web');
      await web('set', 'image', 'deployment/web', 'busybox=busybox:1.36');
      assert.match(await web('rollout', 'status', 'deployment/web', '--timeout=30s'), /successfully rolled out/);
      const updated = await runningPods('apps', 'app=web', 6);
      assert.ok(updated.every((p) => p.owner !== before.owner), 'pods of the old ReplicaSet remain after the rollout');

      const history = await k127.ok(['-n', 'apps', 'rollout', 'history', 'deployment/web']);
      assert.match(history, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/);
      assert.match(await web('rollout', 'history', 'deployment/web', '--revision=2'), /Image:\s+busybox:1\.36/);

      assert.match(await web('rollout', 'undo', 'deployment/web'), /deployment.apps\/web rolled back/);
      await web('rollout', 'status', 'deployment/web', '--timeout=30s');
      assert.equal(await web('get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'), 'busybox');
      // As upstream: the template of revision 1 comes back as revision 3.
      assert.match(await web('rollout', 'history', 'deployment/web'), /REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>\n/);
      const rolledBack = await runningPods('apps', 'app=web', 6);
      assert.ok(rolledBack.every((p) => p.owner === before.owner), 'rollback did not return to the first ReplicaSet');
      const rs = await web('get', 'rs', '-l', 'app=web', '-o', 'jsonpath={range .items[*]}{.spec.replicas}{" "}{end}');
      assert.deepEqual(rs.trim().split(' ').sort(), ['0', '6']);
    });

    it('deletes the Deployment with its ReplicaSets and pods (background cascade)', async () => {
      assert.match(await web('delete', 'deployment', 'web'), /deployment.apps "web" deleted/);
      await eventually('ReplicaSets and pods of web gone', async () =>
        (await web('get', 'rs,pods', '-l', 'app=web', '-o', 'name')) === '');
    });

    it('leaves the ReplicaSet and pods behind with --cascade=orphan', async () => {
      await web('create', 'deployment', 'orphans', '--image=busybox', '--replicas=2');
      await web('rollout', 'status', 'deployment/orphans', '--timeout=30s');
      await web('delete', 'deployment', 'orphans', '--cascade=orphan');
      const rs = JSON.parse(await web('get', 'rs', '-l', 'app=orphans', '-o', 'json')).items;
      assert.equal(rs.length, 1);
      assert.equal(rs[0].metadata.ownerReferences, undefined, 'the orphaned ReplicaSet still names its owner');
      // The pods stay, still controlled by the ReplicaSet (only the deleted owner's references go).
      const live = await runningPods('apps', 'app=orphans', 2);
      assert.ok(live.every((p) => p.owner === rs[0].metadata.name));
      await web('delete', 'rs', rs[0].metadata.name);
      await eventually('orphaned pods gone', async () => (await web('get', 'pods', '-l', 'app=orphans', '-o', 'name')) === '');
    });

    it('removes dependents before the owner with --cascade=foreground', async () => {
      await web('create', 'deployment', 'fg', '--image=busybox', '--replicas=2');
      await web('rollout', 'status', 'deployment/fg', '--timeout=30s');
      await web('delete', 'deployment', 'fg', '--cascade=foreground', '--wait=false');
      // The owner waits, marked for foreground deletion, while its dependents go.
      const owner = JSON.parse(await web('get', 'deployment', 'fg', '-o', 'json'));
      assert.ok(owner.metadata.deletionTimestamp, 'no deletionTimestamp on the deployment');
      assert.ok(owner.metadata.finalizers.includes('foregroundDeletion'), `finalizers: ${owner.metadata.finalizers}`);
      await web('wait', '--for=delete', 'deployment/fg', '--timeout=30s');
      // Once the owner is gone, nothing of it is left, not even a terminating pod.
      assert.equal(await web('get', 'rs,pods', '-l', 'app=fg', '-o', 'name'), '');
    });
  });

  describe('Jobs and CronJobs', () => {
    it('starts a CronJob every minute (checked at the end, so the wait overlaps other stories)', async () => {
      await k.ok(['-n', 'cron', 'create', 'cronjob', 'tick', '--image=busybox', '--schedule=*/1 * * * *', '--', 'true']);
      cronCreatedAt = Date.now();
    });

    it('runs `kubectl create job` to completion', async () => {
      assert.match(await k.ok(['-n', 'batch', 'create', 'job', 'once', '--image=busybox', '--', 'true']), /job.batch\/once created/);
      assert.match(await k127.ok(['-n', 'batch', 'wait', '--for=condition=complete', 'job/once', '--timeout=30s']), /job.batch\/once condition met/);
      const [pod] = await pods('batch', 'job-name=once');
      assert.equal(pod.phase, 'Succeeded');
    });

    it('runs a Job with completions and parallelism to completion', async () => {
      const file = await manifest('job.yaml', {
        apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'three', namespace: 'batch' },
        spec: {
          completions: 3, parallelism: 2,
          template: { spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox', command: ['true'] }] } },
        },
      });
      await k.ok(['create', '-f', file]);
      // Two at a time: the third pod starts only after one of the first two succeeds.
      const firstWave = await eventually('two running job pods', async () => {
        const ps = await pods('batch', 'job-name=three');
        return ps.length === 2 && ps.every((p) => p.phase === 'Running') && ps;
      });
      assert.equal(firstWave.length, 2);
      await k.ok(['-n', 'batch', 'wait', '--for=condition=complete', 'job/three', '--timeout=40s']);
      const done = await pods('batch', 'job-name=three');
      assert.deepEqual(done.map((p) => p.phase), ['Succeeded', 'Succeeded', 'Succeeded']);
      assert.match(await k.ok(['-n', 'batch', 'get', 'job', 'three', '--no-headers']), /^three\s+Complete\s+3\/3\s+/);
    });
  });

  describe('scheduling failures', () => {
    it('keeps a pod with an impossible nodeSelector Pending and says why', async () => {
      await k.ok(['-n', 'sched', 'run', 'lost', '--image=busybox', '--overrides={"spec":{"nodeSelector":{"disktype":"none-such"}}}']);
      const expected = "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. " +
        'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.';
      for (const client of [k, k127]) {
        const described = await eventually('a FailedScheduling event', async () => {
          const out = await client.ok(['-n', 'sched', 'describe', 'pod', 'lost']);
          return out.includes('FailedScheduling') && out;
        });
        assert.match(described, /^Status:\s+Pending$/m);
        assert.match(described, /^Node:\s+<none>$/m);
        const event = described.split('\n').find((l) => l.includes('FailedScheduling'))!;
        assert.match(event, /^\s+Warning\s+FailedScheduling\s+\S+\s+default-scheduler\s+/);
        assert.ok(event.trimEnd().endsWith(expected), `event line:\n${event}`);
      }
      const [pod] = await pods('sched', 'run=lost');
      assert.deepEqual([pod.phase, pod.node], ['Pending', '']);
    });
  });

  describe('namespace deletion', () => {
    it('deletes a namespace holding a deployment within 30 s', async () => {
      await k.ok(['create', 'namespace', 'doomed']);
      await k.ok(['-n', 'doomed', 'create', 'deployment', 'd', '--image=busybox', '--replicas=3']);
      await k.ok(['-n', 'doomed', 'rollout', 'status', 'deployment/d', '--timeout=30s']);
      const started = Date.now();
      // kubectl waits until the namespace is gone (the namespace controller emptied it).
      assert.match(await k127.ok(['delete', 'namespace', 'doomed', '--timeout=30s']), /namespace "doomed" deleted/);
      const took = Date.now() - started;
      assert.ok(took < 30_000, `namespace deletion took ${took} ms`);
      const gone = await k.run(['get', 'namespace', 'doomed']);
      assert.equal(gone.code, 1);
      assert.match(gone.stderr, /namespaces "doomed" not found/);
    });
  });

  describe('draining a node under a PodDisruptionBudget', () => {
    const drainNs = (...args: string[]) => k.ok(['-n', 'drain', ...args]);

    it('evicts one pod at a time, retrying refused evictions, until the pods run elsewhere', async () => {
      // Both replicas can only run on sim-node-0 at first, so the first one evicted cannot
      // come back Ready until another node is allowed: the budget must hold the second.
      await k.ok(['label', 'node', 'sim-node-0', 'e2e-pool=drain']);
      const file = await manifest('guarded.yaml', {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'guarded', namespace: 'drain' },
        spec: {
          replicas: 2, selector: { matchLabels: { app: 'guarded' } },
          template: {
            metadata: { labels: { app: 'guarded' } },
            spec: { nodeSelector: { 'e2e-pool': 'drain' }, containers: [{ name: 'c', image: 'busybox' }] },
          },
        },
      });
      await k.ok(['create', '-f', file]);
      await drainNs('rollout', 'status', 'deployment/guarded', '--timeout=30s');
      const onNode0 = await runningPods('drain', 'app=guarded', 2);
      assert.deepEqual(perNode(onNode0), { 'sim-node-0': 2 });
      await drainNs('create', 'pdb', 'guarded', '--selector=app=guarded', '--min-available=1');
      await eventually('the budget to allow one disruption', async () =>
        (await drainNs('get', 'pdb', 'guarded', '-o', 'jsonpath={.status.disruptionsAllowed}')) === '1');

      const drain = k.spawn(['drain', 'sim-node-0', '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=90s']);
      let out = '';
      drain.stdout!.on('data', (c) => (out += c));
      drain.stderr!.on('data', (c) => (out += c));
      const exited = new Promise<number | null>((resolve) => drain.on('close', (code) => resolve(code)));
      try {
        await eventually('a refused eviction', async () => out.includes("Cannot evict pod as it would violate the pod's disruption budget."));
        assert.match(out, /node\/sim-node-0 cordoned/);
        assert.match(out, /error when evicting pods\/"guarded-[a-z0-9-]+" -n "drain" \(will retry after 5s\)/);
        // One pod evicted, its replacement Pending (nowhere to go), the other still serving.
        const during = await pods('drain', 'app=guarded');
        const serving = during.filter((p) => p.phase === 'Running' && !p.terminating);
        assert.deepEqual(serving.map((p) => p.node), ['sim-node-0']);
        assert.ok(during.some((p) => p.phase === 'Pending' && p.node === ''), `no pending replacement: ${JSON.stringify(during)}`);
        assert.match(await k.ok(['get', 'node', 'sim-node-0', '--no-headers']), /^sim-node-0\s+Ready,SchedulingDisabled\s/);

        // Allow sim-node-1: the replacement becomes Ready there, the budget frees up, and
        // kubectl's next retry evicts the second pod.
        await k.ok(['label', 'node', 'sim-node-1', 'e2e-pool=drain']);
        const code = await within(exited, 30_000, () => `drain did not finish:\n${out}`);
        assert.equal(code, 0, out);
      } finally {
        if (drain.exitCode === null && drain.pid) process.kill(drain.pid, 'SIGKILL');
      }
      assert.match(out, /node\/sim-node-0 drained/);
      const moved = await runningPods('drain', 'app=guarded', 2);
      assert.deepEqual(perNode(moved), { 'sim-node-1': 2 });
      assert.equal(await k.ok(['get', 'pods', '-A', '--field-selector', 'spec.nodeName=sim-node-0', '-o', 'name']), '');
      assert.match(await k.ok(['get', 'node', 'sim-node-0', '--no-headers']), /^sim-node-0\s+Ready,SchedulingDisabled\s/);
    });

    it('uncordons the node', async () => {
      assert.match(await k.ok(['uncordon', 'sim-node-0']), /node\/sim-node-0 uncordoned/);
      assert.match(await k.ok(['get', 'node', 'sim-node-0', '--no-headers']), /^sim-node-0\s+Ready\s/);
      await k.ok(['label', 'node', 'sim-node-0', 'sim-node-1', 'e2e-pool-']);
    });
  });

  describe('the CronJob, a minute later', () => {
    it('created its first Job within 70 s, which completed', async () => {
      assert.ok(cronCreatedAt > 0, 'the CronJob was not created');
      const job = await eventually('the CronJob\'s first Job', async () =>
        (await k.ok(['-n', 'cron', 'get', 'jobs', '-o', 'name'])).split('\n').find((n) => n.startsWith('job.batch/tick-')),
      Math.max(0, cronCreatedAt + 70_000 - Date.now()));
      assert.match(job, /^job\.batch\/tick-\d+$/);
      // Generous under CI load: the Job's pod is scheduled, run 5 s by a simulated node, then counted.
      const waited = await k.run(['-n', 'cron', 'wait', '--for=condition=complete', job, '--timeout=90s'], 100_000);
      assert.equal(waited.code, 0, waited.stderr);
      const cron = JSON.parse(await k.ok(['-n', 'cron', 'get', 'cronjob', 'tick', '-o', 'json']));
      // Scheduled on the minute, and named after it (minutes since the epoch), as upstream.
      assert.match(cron.status.lastScheduleTime ?? '', /:00Z$/);
      assert.equal(job, `job.batch/tick-${Date.parse(cron.status.lastScheduleTime) / 60_000}`);
      await k.ok(['-n', 'cron', 'delete', 'cronjob', 'tick']);
    });
  });
});
