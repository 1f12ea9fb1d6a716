// The pure pieces of the lifecycle controllers: the owner graph, the namespace conditions,
// the pod GC ordering, and the controller names.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { pods, replicaSets } from '../../../src/client/resources.js';
import { lifecycleControllers } from '../../../src/controllers/gc/index.js';
import { failingConditions, updateConditions } from '../../../src/controllers/gc/namespace-conditions.js';
import { OwnerGraph, nodeFor } from '../../../src/controllers/gc/owner-graph.js';
import { byEvictionAndCreationTimestamp, isPodTerminated } from '../../../src/controllers/gc/podgc.js';
import { needsCleanup } from '../../../src/controllers/gc/ttl-after-finished.js';

describe('owner graph', () => {
  const rs = nodeFor(replicaSets, { metadata: { name: 'rs', namespace: 'ns', uid: 'rs-uid' } });
  const ref = (blockOwnerDeletion: boolean) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs-uid', blockOwnerDeletion });

  it('indexes dependents under their owner uid, even before the owner is seen', () => {
    const g = new OwnerGraph();
    g.upsert(nodeFor(pods, { metadata: { name: 'a', namespace: 'ns', uid: 'a', ownerReferences: [ref(true)] } }));
    g.upsert(nodeFor(pods, { metadata: { name: 'b', namespace: 'ns', uid: 'b', ownerReferences: [ref(false)] } }));
    assert.deepEqual(g.dependentsOf('rs-uid').map((n) => n.name).sort(), ['a', 'b']);
    assert.deepEqual(g.blockingDependentsOf('rs-uid').map((n) => n.name), ['a']);
    g.upsert(rs);
    assert.equal(g.size, 3);
  });

  it('follows changed and removed references', () => {
    const g = new OwnerGraph();
    g.upsert(nodeFor(pods, { metadata: { name: 'a', namespace: 'ns', uid: 'a', ownerReferences: [ref(true)] } }));
    g.upsert(nodeFor(pods, { metadata: { name: 'a', namespace: 'ns', uid: 'a' } }));
    assert.deepEqual(g.dependentsOf('rs-uid'), []);
    g.upsert(nodeFor(pods, { metadata: { name: 'b', namespace: 'ns', uid: 'b', ownerReferences: [ref(true)] } }));
    g.remove('b');
    assert.deepEqual(g.dependentsOf('rs-uid'), []);
  });

  it('reads foreground and orphan deletion from the finalizers of an object being deleted', () => {
    const at = '2024-01-01T00:00:00Z';
    assert.equal(nodeFor(pods, { metadata: { uid: 'x', finalizers: ['foregroundDeletion'] } }).deletingDependents, false);
    assert.equal(nodeFor(pods, { metadata: { uid: 'x', deletionTimestamp: at, finalizers: ['foregroundDeletion'] } }).deletingDependents, true);
    assert.equal(nodeFor(pods, { metadata: { uid: 'x', deletionTimestamp: at, finalizers: ['orphan'] } }).orphaningDependents, true);
  });
});

describe('namespace conditions', () => {
  const empty = () => ({ discoveryFailures: [] as string[], contentErrors: [] as string[], remaining: new Map<string, number>(), finalizers: new Map<string, number>() });

  it('sets every type, False with its ok reason when nothing is wrong', () => {
    const status = {};
    assert.equal(updateConditions(status, failingConditions(empty()), 'T1'), true);
    const conds = (status as { conditions: { type: string; status: string; reason: string }[] }).conditions;
    assert.deepEqual(conds.map((c) => [c.type, c.status, c.reason]), [
      ['NamespaceDeletionDiscoveryFailure', 'False', 'ResourcesDiscovered'],
      ['NamespaceDeletionGroupVersionParsingFailure', 'False', 'ParsedGroupVersions'],
      ['NamespaceDeletionContentFailure', 'False', 'ContentDeleted'],
      ['NamespaceContentRemaining', 'False', 'ContentRemoved'],
      ['NamespaceFinalizersRemaining', 'False', 'ContentHasNoFinalizers'],
    ]);
    assert.equal(updateConditions(status, failingConditions(empty()), 'T2'), false, 'no change, no write');
  });

  it('words what remains as upstream, sorted, and moves lastTransitionTime only with the status', () => {
    const status: { conditions?: { type: string; status: string; message?: string; lastTransitionTime?: string }[] } = {};
    updateConditions(status, failingConditions(empty()), 'T1');
    const f = empty();
    f.remaining.set('pods.', 2).set('deployments.apps', 1);
    f.finalizers.set('example.com/b', 1).set('example.com/a', 2);
    f.contentErrors.push('z failed', 'a failed');
    updateConditions(status, failingConditions(f), 'T2');
    const get = (t: string) => status.conditions!.find((c) => c.type === t)!;
    assert.equal(get('NamespaceContentRemaining').message, 'Some resources are remaining: deployments.apps has 1 resource instances, pods. has 2 resource instances');
    assert.equal(get('NamespaceFinalizersRemaining').message, 'Some content in the namespace has finalizers remaining: example.com/a in 2 resource instances, example.com/b in 1 resource instances');
    assert.equal(get('NamespaceDeletionContentFailure').message, 'Failed to delete all resource types, 2 remaining: a failed, z failed');
    assert.equal(get('NamespaceContentRemaining').lastTransitionTime, 'T2');
    assert.equal(get('NamespaceDeletionDiscoveryFailure').lastTransitionTime, 'T1');
  });
});

describe('pod GC ordering', () => {
  const p = (name: string, created: string, phase = 'Succeeded', reason?: string): Pod => ({ metadata: { name, creationTimestamp: created }, status: { phase, reason } });

  it('evicted first, then oldest, then by name', () => {
    const sorted = [
      p('new', '2024-01-01T00:00:05Z'),
      p('old-b', '2024-01-01T00:00:01Z'),
      p('old-a', '2024-01-01T00:00:01Z'),
      p('evicted', '2024-01-01T00:00:09Z', 'Failed', 'Evicted'),
    ].sort(byEvictionAndCreationTimestamp);
    assert.deepEqual(sorted.map((x) => x.metadata!.name), ['evicted', 'old-a', 'old-b', 'new']);
  });

  it('counts Succeeded and Failed pods as terminated', () => {
    assert.deepEqual(['Pending', 'Running', 'Unknown', 'Succeeded', 'Failed'].map((phase) => isPodTerminated({ status: { phase } })), [false, false, false, true, true]);
  });
});

describe('ttl-after-finished', () => {
  it('needs clean-up only with a TTL and a true Complete or Failed condition', () => {
    const done = { status: { conditions: [{ type: 'Complete', status: 'True' }] } };
    assert.equal(needsCleanup({ spec: { ttlSecondsAfterFinished: 0, template: {} }, ...done }), true);
    assert.equal(needsCleanup({ spec: { template: {} }, ...done }), false);
    assert.equal(needsCleanup({ spec: { ttlSecondsAfterFinished: 5, template: {} }, status: { conditions: [{ type: 'Failed', status: 'False' }] } }), false);
  });
});

describe('lifecycle controllers', () => {
  it('are named as in kube-controller-manager --controllers', () => {
    assert.deepEqual(Object.keys(lifecycleControllers).sort(), ['garbagecollector', 'namespace', 'podgc', 'serviceaccount', 'ttl-after-finished']);
  });
});
