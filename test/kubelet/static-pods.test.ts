// Static pods: a manifest in the directory runs, and a mirror pod shows it in the API.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pods } from '../../src/client/resources.js';
import { LABEL_POD_NAME } from '../../src/kubelet/runtime/types.js';
import { eventually, type Harness, startHarness } from './harness.js';

let h: Harness;
let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubelet-static-'));
  await fs.writeFile(path.join(dir, 'web.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: kube-system\nspec:\n  containers:\n  - name: nginx\n    image: nginx:1.25\n');
  h = await startHarness({ kubelet: { staticPodDir: dir } });
});
after(async () => {
  await h.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

test('a static pod runs and is mirrored to the API with its status', async () => {
  const api = h.client.resource(pods, 'kube-system');
  const mirror = await eventually(async () => {
    await h.settle();
    const p = await api.get('web-node-a');
    return p.status?.phase === 'Running' ? p : undefined;
  }, 'mirror pod Running');
  const ann = mirror.metadata?.annotations ?? {};
  assert.equal(ann['kubernetes.io/config.source'], 'file');
  assert.equal(ann['kubernetes.io/config.mirror'], ann['kubernetes.io/config.hash']);
  assert.equal(mirror.metadata?.ownerReferences?.[0]?.kind, 'Node');
  assert.equal(mirror.spec?.nodeName, 'node-a');
  const containers = await h.runtime.listContainers({ labels: { [LABEL_POD_NAME]: 'web-node-a' } });
  assert.equal(containers.length, 1, 'one container, not one per source');
  assert.notEqual(containers[0]!.labels['io.kubernetes.pod.uid'], mirror.metadata?.uid, 'the static pod keeps its own uid');

  // A deleted mirror is recreated; the static pod keeps running.
  await api.delete('web-node-a', { gracePeriodSeconds: 0 });
  await eventually(async () => {
    await h.settle();
    const p = await api.get('web-node-a');
    return p.metadata?.uid !== mirror.metadata?.uid;
  }, 'mirror recreated');
  assert.equal((await h.runtime.listContainers({ labels: { [LABEL_POD_NAME]: 'web-node-a' } })).filter((c) => c.state === 'CONTAINER_RUNNING').length, 1);
});
