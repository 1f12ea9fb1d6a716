// The simulator keeps slimmed pods: what its lifecycle and the statuses it writes read, and
// nothing else (no managedFields, labels, annotations, resources, volumes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isJobPod, runningStatus } from '../../src/sim/pod-status.js';
import { slimPod } from '../../src/sim/slim-pod.js';

const full: Pod = {
  metadata: {
    name: 'p', namespace: 'ns', uid: 'u1', resourceVersion: '7',
    labels: { app: 'x' }, annotations: { big: 'y'.repeat(1000) },
    managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': {} } }],
    ownerReferences: [
      { apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: 'j1', controller: true },
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'c', uid: 'c1' },
    ],
    deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 30,
  },
  spec: {
    nodeName: 'n1',
    initContainers: [{ name: 'init', image: 'busybox', command: ['true'] }],
    containers: [{ name: 'c', image: 'nginx', env: [{ name: 'A', value: 'B' }], resources: { requests: { cpu: '1' } } }],
    volumes: [{ name: 'v', emptyDir: {} }],
  },
  status: {
    phase: 'Pending', qosClass: 'Burstable', startTime: '2026-01-01T00:00:00Z',
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' },
      { type: 'Initialized', status: 'False' },
    ],
  },
};

test('slimPod keeps identity, node, deletion state, the Job owner, containers and phase', () => {
  const s = slimPod(full);
  assert.deepEqual(s, {
    metadata: {
      name: 'p', namespace: 'ns', uid: 'u1', resourceVersion: '7',
      deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 30,
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: 'j1', controller: true }],
    },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx' }], initContainers: [{ name: 'init', image: 'busybox' }] },
    status: {
      phase: 'Pending', startTime: '2026-01-01T00:00:00Z', qosClass: 'Burstable',
      conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }],
    },
  });
  assert.equal(isJobPod(s), true);
});

test('the status written for a slimmed pod equals the one written for the full pod', () => {
  assert.deepEqual(runningStatus(slimPod(full), '10.254.0.1', '10.128.0.1', 0), runningStatus(full, '10.254.0.1', '10.128.0.1', 0));
});

test('slimPod of a bare pod adds nothing', () => {
  assert.deepEqual(slimPod({ metadata: { name: 'a', namespace: 'b', uid: 'c' }, spec: { nodeName: 'n', containers: [{ name: 'x' }] } }), {
    metadata: { name: 'a', namespace: 'b', uid: 'c', resourceVersion: undefined },
    spec: { nodeName: 'n', containers: [{ name: 'x', image: undefined }] },
  });
});
