import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { VolumeBinding } from '../../../src/scheduler/plugins/volume-binding.js';
import { makeNode, makePod } from '../fixtures.js';
import { filterAll } from './harness.js';

const nodes = [makeNode('a'), makeNode('b')];
const pvc = (name: string, o: { volumeName?: string; storageClassName?: string } = {}): PersistentVolumeClaim => ({
  metadata: { name, namespace: 'default' }, spec: { volumeName: o.volumeName, storageClassName: o.storageClassName },
});
const localPV: PersistentVolume = {
  metadata: { name: 'pv-a' },
  spec: { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['a'] }] }] } } },
};
const classes: StorageClass[] = [
  { metadata: { name: 'local-path' }, provisioner: 'p', volumeBindingMode: 'WaitForFirstConsumer' },
  { metadata: { name: 'fast' }, provisioner: 'p', volumeBindingMode: 'Immediate' },
];
const withClaim = (claimName: string) => makePod('p', { volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] });

const rows = [
  { name: 'no PVCs: skipped', pod: makePod('p'), pvcs: [], want: { a: '', b: '' } },
  { name: 'bound to a local PV: only its node', pod: withClaim('data'), pvcs: [pvc('data', { volumeName: 'pv-a' })], want: { a: '', b: 'UnschedulableAndUnresolvable: node(s) had volume node affinity conflict' } },
  { name: 'unbound WaitForFirstConsumer: anywhere', pod: withClaim('data'), pvcs: [pvc('data', { storageClassName: 'local-path' })], want: { a: '', b: '' } },
  {
    name: 'unbound Immediate: waits', pod: withClaim('data'), pvcs: [pvc('data', { storageClassName: 'fast' })],
    want: { a: 'UnschedulableAndUnresolvable: pod has unbound immediate PersistentVolumeClaims', b: 'UnschedulableAndUnresolvable: pod has unbound immediate PersistentVolumeClaims' },
  },
  {
    name: 'missing PVC', pod: withClaim('nope'), pvcs: [],
    want: { a: 'UnschedulableAndUnresolvable: persistentvolumeclaim "nope" not found', b: 'UnschedulableAndUnresolvable: persistentvolumeclaim "nope" not found' },
  },
];
for (const row of rows) {
  test(`VolumeBinding: ${row.name}`, () => {
    const input = { nodes, persistentVolumeClaims: row.pvcs, persistentVolumes: [localPV], storageClasses: classes };
    assert.deepEqual(filterAll(new VolumeBinding(), row.pod, input), row.want);
  });
}
