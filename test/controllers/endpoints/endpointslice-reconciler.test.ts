// Table tests for the pure EndpointSlice reconciler: how endpoints are spread over slices,
// and that a second pass over its own result changes nothing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { reconcileSlices } from '../../../src/controllers/endpoints/endpointslice-reconciler.js';

const service: Service = {
  metadata: { name: 'svc', namespace: 'ns', uid: 'svc-uid', labels: { team: 'a' } },
  spec: { selector: { app: 'x' }, clusterIP: '10.43.0.10', ipFamilies: ['IPv4'], ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
};
const node: Node = { metadata: { name: 'n1' } };
const nodeByName = (n: string) => (n === 'n1' ? node : undefined);

function pod(i: number, over: { ready?: boolean; nodeName?: string } = {}): Pod {
  return {
    metadata: { name: `p-${String(i).padStart(3, '0')}`, namespace: 'ns', uid: `uid-${i}`, labels: { app: 'x' } },
    spec: { nodeName: over.nodeName ?? 'n1', containers: [{ name: 'c' }] },
    status: {
      phase: 'Running', podIP: `10.42.${Math.floor(i / 250)}.${i % 250}`,
      conditions: [{ type: 'Ready', status: over.ready === false ? 'False' : 'True' }],
    },
  };
}

/** What the API server would return for the created slices: names and versions. */
function persist(slices: EndpointSlice[], start = 1): EndpointSlice[] {
  return slices.map((s, i) => ({ ...structuredClone(s), metadata: { ...s.metadata, name: s.metadata?.name ?? `svc-${start + i}`, uid: `slice-${start + i}`, resourceVersion: '1' } }));
}

describe('endpointslice reconciler', () => {
  it('spreads 250 endpoints over slices of at most 100, then leaves them be', () => {
    const pods = Array.from({ length: 250 }, (_, i) => pod(i));
    const first = reconcileSlices({ service, pods, existing: [], nodeByName });
    assert.deepEqual(first.create.map((s) => s.endpoints.length), [100, 100, 50]);
    assert.equal(first.update.length + first.delete.length, 0);
    const again = reconcileSlices({ service, pods, existing: persist(first.create), nodeByName });
    assert.deepEqual([again.create.length, again.update.length, again.delete.length], [0, 0, 0]);
  });

  it('updates only the slice that holds a changed endpoint', () => {
    const pods = Array.from({ length: 150 }, (_, i) => pod(i));
    const existing = persist(reconcileSlices({ service, pods, existing: [], nodeByName }).create);
    pods[120] = pod(120, { ready: false });
    const r = reconcileSlices({ service, pods, existing, nodeByName });
    assert.equal(r.create.length, 0);
    assert.equal(r.update.length, 1);
    const changed = r.update[0]!.endpoints.find((e) => e.targetRef?.name === 'p-120');
    assert.deepEqual(changed?.conditions, { ready: false, serving: false, terminating: false });
  });

  it('fills a slice being updated before making a new one', () => {
    const pods = Array.from({ length: 10 }, (_, i) => pod(i));
    const existing = persist(reconcileSlices({ service, pods, existing: [], nodeByName }).create);
    // One pod goes, two arrive: the one slice is updated to hold 11.
    const next = [...pods.slice(1), pod(10), pod(11)];
    const r = reconcileSlices({ service, pods: next, existing, nodeByName });
    assert.equal(r.create.length, 0);
    assert.equal(r.update.length, 1);
    assert.equal(r.update[0]!.endpoints.length, 11);
  });

  it('keeps one placeholder slice when no pod is left, rewriting the old slice in place', () => {
    const existing = persist(reconcileSlices({ service, pods: [pod(1)], existing: [], nodeByName }).create);
    const r = reconcileSlices({ service, pods: [], existing, nodeByName });
    assert.equal(r.create.length, 0);
    assert.equal(r.delete.length, 0);
    assert.equal(r.update.length, 1, 'the doomed slice is reused for the placeholder');
    assert.equal(r.update[0]!.metadata?.name, existing[0]!.metadata?.name);
    assert.deepEqual(r.update[0]!.endpoints, []);
    assert.equal(r.update[0]!.ports, undefined);
    const settled = reconcileSlices({ service, pods: [], existing: persist(r.update), nodeByName });
    assert.deepEqual([settled.create.length, settled.update.length, settled.delete.length], [0, 0, 0]);
  });

  it('leaves out pods on unknown nodes and says so', () => {
    const r = reconcileSlices({ service, pods: [pod(1), pod(2, { nodeName: 'missing' })], existing: [], nodeByName });
    assert.equal(r.create[0]!.endpoints.length, 1);
    assert.match(r.errors[0]!, /Node missing Not Found/);
    const publishing = { ...service, spec: { ...service.spec, publishNotReadyAddresses: true } };
    const p = reconcileSlices({ service: publishing, pods: [pod(1), pod(2, { nodeName: 'missing' })], existing: [], nodeByName });
    assert.equal(p.create[0]!.endpoints.length, 2, 'publishNotReadyAddresses publishes every address');
  });

  it('replaces slices of another service of the same name', () => {
    const foreign = persist(reconcileSlices({ service: { ...service, metadata: { ...service.metadata, uid: 'old-uid' } }, pods: [pod(1)], existing: [], nodeByName }).create);
    const r = reconcileSlices({ service, pods: [pod(1)], existing: foreign, nodeByName });
    assert.equal(r.create.length, 1);
    assert.equal(r.delete.length, 1, 'not reused: it belongs to the old service');
    assert.equal(r.create[0]!.metadata?.ownerReferences?.[0]?.uid, 'svc-uid');
  });
});
