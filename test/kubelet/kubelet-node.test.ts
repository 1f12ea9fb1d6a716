// Node registration and lease: the node is Ready at once, with the machine's capacity.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { leases, nodes } from '../../src/client/resources.js';
import { type Harness, startHarness } from './harness.js';

let h: Harness;
before(async () => {
  h = await startHarness({ kubelet: { labels: { 'node-role.kubernetes.io/control-plane': '' } } });
});
after(async () => {
  await h.stop();
});

test('the node registers Ready with labels, capacity, addresses and node info', async () => {
  const n = await h.client.resource(nodes).get('node-a');
  const labels = n.metadata?.labels ?? {};
  assert.equal(labels['kubernetes.io/hostname'], 'node-a');
  assert.equal(labels['kubernetes.io/os'], 'linux');
  assert.ok(labels['kubernetes.io/arch']);
  assert.equal(labels['node-role.kubernetes.io/control-plane'], '');
  const conds = Object.fromEntries((n.status?.conditions ?? []).map((c) => [c.type, c]));
  assert.equal(conds.Ready?.status, 'True');
  assert.equal(conds.Ready?.reason, 'KubeletReady');
  assert.equal(conds.Ready?.message, 'kubelet is posting ready status');
  assert.equal(conds.MemoryPressure?.reason, 'KubeletHasSufficientMemory');
  assert.equal(conds.DiskPressure?.reason, 'KubeletHasNoDiskPressure');
  assert.equal(conds.PIDPressure?.reason, 'KubeletHasSufficientPID');
  assert.equal(n.status?.capacity?.cpu, String(os.cpus().length));
  assert.equal(n.status?.capacity?.pods, '110');
  assert.match(n.status?.capacity?.memory ?? '', /^\d+Ki$/);
  assert.match(n.status?.capacity?.['ephemeral-storage'] ?? '', /^\d+Ki$/);
  assert.deepEqual(n.status?.addresses?.[0], { type: 'InternalIP', address: '127.0.0.1' });
  assert.equal(n.status?.addresses?.[1]?.type, 'Hostname');
  assert.equal(n.status?.nodeInfo?.kubeletVersion, 'v1.30.0');
  assert.match(n.status?.nodeInfo?.containerRuntimeVersion ?? '', /^coxswain-sim:\/\/0\.1\.0$/);
});

test('the lease in kube-node-lease is owned by the node and renewed every 10 s', async () => {
  const api = h.client.resource(leases, 'kube-node-lease');
  const first = await api.get('node-a');
  assert.equal(first.spec?.holderIdentity, 'node-a');
  assert.equal(first.spec?.leaseDurationSeconds, 40);
  assert.equal(first.metadata?.ownerReferences?.[0]?.kind, 'Node');
  h.clock.step(10_000);
  let renewed = first;
  for (let i = 0; i < 100 && renewed.spec?.renewTime === first.spec?.renewTime; i++) {
    await new Promise((r) => setTimeout(r, 20));
    renewed = await api.get('node-a');
  }
  assert.ok(renewed.spec!.renewTime! > first.spec!.renewTime!, 'renewed');
});
