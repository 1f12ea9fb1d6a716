// `kubectl delete --cascade=background|foreground|orphan` on a ReplicaSet whose pods were made
// by hand with owner references, with the real kubectl against a server running the garbage
// collector.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pods, replicaSets } from '../../../src/client/resources.js';
import { GarbageCollector } from '../../../src/controllers/gc/garbage-collector.js';
import type { Kubectl } from '../../e2e/kubectl-runner.js';
import { kubectl } from '../../e2e/kubectl-runner.js';
import type { Cluster } from './helpers.js';
import { eventually, isGone, ownerRef, pod, replicaSet, startCluster } from './helpers.js';

const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';

describe('kubectl delete --cascade', () => {
  let c: Cluster;
  let gc: GarbageCollector;
  let k: Kubectl;
  let dir: string;

  before(async () => {
    c = await startCluster({ garbagecollector: (ctx) => (gc = new GarbageCollector(ctx, { workers: 4 })) });
    await gc.waitForGraphSync();
    dir = mkdtempSync(join(tmpdir(), 'coxswain-gc-kubectl-'));
    const config = join(dir, 'kubeconfig.yaml');
    writeFileSync(config, [
      'apiVersion: v1', 'kind: Config', 'current-context: test',
      'clusters:', `- name: test`, `  cluster: {server: "${c.server.url}"}`,
      'users:', '- name: test', '  user: {}',
      'contexts:', '- name: test', '  context: {cluster: test, user: test}', '',
    ].join('\n'));
    k = kubectl(KUBECTL, config, join(dir, 'cache'));
  });
  after(async () => {
    await c.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function ownedPods(name: string, n: number): Promise<void> {
    const rs = await c.client.resource(replicaSets).create(replicaSet(name));
    for (let i = 0; i < n; i++) await c.client.resource(pods).create(pod(`${name}-${i}`, { owners: [ownerRef(rs)] }));
  }
  const podNames = async (prefix: string) => (await c.client.resource(pods, 'default').list()).items.map((p) => p.metadata!.name!).filter((n) => n.startsWith(prefix));

  it('--cascade=foreground returns once the pods and then the ReplicaSet are gone', async () => {
    await ownedPods('kfg', 2);
    const out = await k.ok(['delete', 'replicaset', 'kfg', '--cascade=foreground']);
    assert.match(out, /replicaset.apps "kfg" deleted/);
    assert.deepEqual(await podNames('kfg-'), [], 'the dependents went first');
    assert.ok(await isGone(() => c.client.resource(replicaSets, 'default').get('kfg')));
  });

  it('--cascade=background deletes the ReplicaSet, then the collector its pods', async () => {
    await ownedPods('kbg', 2);
    await k.ok(['delete', 'replicaset', 'kbg', '--cascade=background']);
    await eventually(async () => (await podNames('kbg-')).length === 0, 'the pods deleted');
  });

  it('--cascade=orphan leaves the pods without their owner reference', async () => {
    await ownedPods('kor', 2);
    await k.ok(['delete', 'replicaset', 'kor', '--cascade=orphan']);
    assert.ok(await isGone(() => c.client.resource(replicaSets, 'default').get('kor')));
    const left = (await c.client.resource(pods, 'default').list()).items.filter((p) => p.metadata!.name!.startsWith('kor-'));
    assert.equal(left.length, 2);
    for (const p of left) assert.equal(p.metadata?.ownerReferences, undefined);
  });
});
