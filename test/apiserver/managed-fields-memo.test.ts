import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyTypeFor, resetFieldsFor, updateManagedFields } from '../../src/apiserver/apply/index.js';
import { clearCreateMemo } from '../../src/apiserver/apply/create-fields-memo.js';
import type { KubeObject } from '../../src/apiserver/apply/field-manager.js';

const podType = applyTypeFor('', 'v1', 'Pod');
const now = new Date('2026-01-02T03:04:05Z');

function pod(name: string, extraLabels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: '2026-01-01T00:00:00Z', labels: { app: 'web', ...extraLabels } },
    spec: {
      containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }] }],
      tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
    },
    status: { phase: 'Pending' },
  };
}

/** The create's managedFields computed from scratch (nothing remembered). */
function computed(obj: KubeObject, manager = 'kubectl'): unknown {
  clearCreateMemo();
  return updateManagedFields({ old: undefined, updated: structuredClone(obj), manager, apiVersion: 'v1', type: podType, now }).metadata?.managedFields;
}

function create(obj: KubeObject, manager = 'kubectl', at = now): unknown {
  return updateManagedFields({ old: undefined, updated: structuredClone(obj), manager, apiVersion: 'v1', type: podType, now: at }).metadata?.managedFields;
}

describe('managedFields of creates are reused for same-shaped objects', () => {
  it('a second pod that differs only in identity gets what a fresh computation gives, with its own time', () => {
    clearCreateMemo();
    create(pod('a'));
    const later = new Date('2026-01-02T03:04:09Z');
    const second = create(pod('b'), 'kubectl', later) as { time: string }[];
    clearCreateMemo();
    const fresh = updateManagedFields({ old: undefined, updated: pod('b'), manager: 'kubectl', apiVersion: 'v1', type: podType, now: later }).metadata?.managedFields;
    assert.deepEqual(second, fresh);
    assert.equal(second[0]!.time, '2026-01-02T03:04:09Z');
  });

  it('objects of another shape, another manager or another list key are computed, not recalled', () => {
    clearCreateMemo();
    create(pod('a'));
    assert.deepEqual(create(pod('b', { tier: 'front' })), computed(pod('b', { tier: 'front' })));
    create(pod('a'));
    assert.deepEqual(create(pod('b'), 'other'), computed(pod('b'), 'other'));
    create(pod('a'));
    const renamed = pod('b');
    (renamed as any).spec.containers[0].name = 'd';
    assert.deepEqual(create(renamed), computed(renamed));
  });

  it('objects that differ only in scalar values outside lists (events about different pods) share the entry', () => {
    const eventType = applyTypeFor('', 'v1', 'Event');
    const event = (pod: string, node: string, count: number): KubeObject => ({
      apiVersion: 'v1', kind: 'Event',
      metadata: { name: `${pod}.18a0b`, namespace: 'default' },
      involvedObject: { kind: 'Pod', apiVersion: 'v1', namespace: 'default', name: pod, uid: `uid-${pod}` },
      reason: 'Scheduled', message: `Successfully assigned default/${pod} to ${node}`, type: 'Normal',
      source: { component: 'default-scheduler' }, count, eventTime: null,
    });
    const make = (obj: KubeObject) => updateManagedFields({ old: undefined, updated: obj, manager: 'sched', apiVersion: 'v1', type: eventType, now }).metadata?.managedFields;
    clearCreateMemo();
    make(event('a', 'node-1', 1));
    const recalled = make(event('b', 'node-2', 7));
    clearCreateMemo();
    assert.deepEqual(recalled, make(event('b', 'node-2', 7)));
    // Label values are scalars too; label keys are not.
    clearCreateMemo();
    create(pod('a', { tier: 'front' }));
    assert.deepEqual(create(pod('b', { tier: 'back' })), computed(pod('b', { tier: 'back' })));
  });

  it('values inside lists still tell shapes apart (keys of associative lists, members of sets)', () => {
    clearCreateMemo();
    create(pod('a'));
    const otherPort = pod('b');
    (otherPort as any).spec.containers[0].ports[0].containerPort = 8080;
    const out = create(otherPort);
    assert.deepEqual(out, computed(otherPort));
    assert.match(JSON.stringify(out), /8080/);
    const withFinalizer = (f: string) => { const p = pod('c'); p.metadata!.finalizers = [f]; return p; };
    clearCreateMemo();
    create(withFinalizer('example.com/one'));
    const second = create(withFinalizer('example.com/two'));
    assert.deepEqual(second, computed(withFinalizer('example.com/two')));
    assert.match(JSON.stringify(second), /example\.com\/two/);
  });

  it('a create that sends managedFields is computed every time', () => {
    const sent = pod('a');
    sent.metadata!.managedFields = [{ manager: 'x', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:tier': {} } } } }];
    clearCreateMemo();
    create(pod('b'));
    const out = create(sent) as { manager: string }[];
    // x keeps a field the creator did not touch.
    assert.deepEqual(out.map((e) => e.manager).sort(), ['kubectl', 'x']);
    assert.deepEqual(out, computed(sent));
  });

  it('recalled field sets are shared, so they are frozen', () => {
    clearCreateMemo();
    create(pod('a'));
    const [entry] = create(pod('b')) as { fieldsV1: Record<string, unknown> }[];
    assert.ok(Object.isFrozen(entry!.fieldsV1));
    assert.throws(() => { (entry!.fieldsV1 as Record<string, unknown>)['f:spec'] = {}; });
  });
});

describe('status updates record the same fields whatever parts of the object are unchanged', () => {
  it('the kubelet-like manager owns the status fields it changed; the creator keeps the rest', () => {
    clearCreateMemo();
    const created = updateManagedFields({ old: undefined, updated: pod('a'), manager: 'kubectl', apiVersion: 'v1', type: podType, now });
    const updated = structuredClone(created);
    updated.status = { phase: 'Running', podIP: '10.0.0.5', conditions: [{ type: 'Ready', status: 'True' }] };
    const out = updateManagedFields({
      old: created, updated, manager: 'kubelet', apiVersion: 'v1', type: podType, subresource: 'status', ignored: resetFieldsFor('status', true), now,
    });
    const entries = out.metadata!.managedFields as { manager: string; fieldsV1: unknown }[];
    assert.deepEqual(entries.map((e) => e.manager), ['kubectl', 'kubelet']);
    assert.deepEqual(entries[1]!.fieldsV1, {
      'f:status': { 'f:conditions': { '.': {}, 'k:{"type":"Ready"}': { '.': {}, 'f:status': {}, 'f:type': {} } }, 'f:phase': {}, 'f:podIP': {} },
    });
  });
});
