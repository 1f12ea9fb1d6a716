// Server-side apply and managedFields bookkeeping, as stories. Several rows replay upstream's
// kubernetes test/integration/apiserver/apply/apply_test.go (named in the test), with the
// managedFields upstream expects there.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../src/api/errors.js';
import {
  applyConfiguration, applyTypeFor, fieldManagerName, managerFromUserAgent, resetFieldsFor, updateManagedFields,
  type KubeObject, type ManagedFieldsEntry,
} from '../../src/apiserver/apply/index.js';

type Json = Record<string, any>;

const T1 = new Date('2024-05-01T10:00:00.123Z');
const T2 = new Date('2024-05-01T10:00:05Z');
const T3 = new Date('2024-05-01T10:00:09Z');

const cmType = applyTypeFor('', 'v1', 'ConfigMap');
const deployType = applyTypeFor('apps', 'v1', 'Deployment');
const podType = applyTypeFor('', 'v1', 'Pod');

function applyCm(live: KubeObject | undefined, applied: Json, manager: string, now = T1, force = false) {
  return applyConfiguration({ live, applied, manager, force, type: cmType, apiVersion: 'v1', kind: 'ConfigMap', now });
}

function applyDeploy(live: KubeObject | undefined, applied: Json, manager: string, opts: { force?: boolean; now?: Date } = {}) {
  return applyConfiguration({
    live, applied, manager, force: opts.force, type: deployType, apiVersion: 'apps/v1', kind: 'Deployment',
    ignored: resetFieldsFor(undefined, true), now: opts.now ?? T1,
  });
}

/** A stored object as the registry would keep it after a create (identity fields set). */
function stored(obj: KubeObject): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, uid: 'u-1', resourceVersion: '1', creationTimestamp: '2024-05-01T09:00:00Z' } };
}

function updateDeploy(old: KubeObject | undefined, updated: KubeObject, manager: string, now = T2, subresource?: string) {
  return updateManagedFields({
    old, updated, manager, apiVersion: 'apps/v1', type: deployType, now, subresource,
    ignored: resetFieldsFor(subresource, true),
  });
}

const entries = (obj: KubeObject): ManagedFieldsEntry[] => (obj.metadata?.managedFields ?? []) as unknown as ManagedFieldsEntry[];
const byManager = (obj: KubeObject, manager: string) => entries(obj).find((e) => e.manager === manager);

function nginx(extra: { replicas?: number; hostname?: string; ports?: Json[]; image?: string } = {}): Json {
  const container: Json = { name: 'nginx', image: extra.image ?? 'nginx:latest' };
  if (extra.ports) container.ports = extra.ports;
  const spec: Json = { containers: [container] };
  if (extra.hostname) spec.hostname = extra.hostname;
  const dSpec: Json = {
    selector: { matchLabels: { app: 'nginx' } },
    template: { metadata: { labels: { app: 'nginx' } }, spec },
  };
  if (extra.replicas !== undefined) dSpec.replicas = extra.replicas;
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'deployment', labels: { app: 'nginx' } }, spec: dSpec };
}

function conflictOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a conflict');
}

describe('server-side apply', () => {
  test('apply creates: the applier owns what it sent, identity fields are not recorded', () => {
    const applied = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'test-cm', namespace: 'default', labels: { 'test-label': 'test' } }, data: { key: 'some value' } };
    const res = applyCm(undefined, applied, 'kubectl');
    assert.equal(res.changed, true);
    assert.deepEqual(res.managedFields, [{
      manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', time: '2024-05-01T10:00:00Z', fieldsType: 'FieldsV1',
      fieldsV1: { 'f:data': { 'f:key': {} }, 'f:metadata': { 'f:labels': { 'f:test-label': {} } } },
    }]);
    assert.deepEqual(res.object, { ...applied, metadata: { ...applied.metadata, managedFields: res.managedFields } });
  });

  test('apply_test.go TestApplyManagedFields: later updates take the fields they change, grouped per manager', () => {
    const applied = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'test-cm', namespace: 'default', labels: { 'test-label': 'test' } }, data: { key: 'value' } };
    let obj = stored(applyCm(undefined, applied, 'apply_test').object);
    const mergePatch = (o: KubeObject, data: Json, now: Date) => updateManagedFields({
      old: o, updated: { ...o, data: { ...(o.data as Json), ...data } }, manager: 'updater', apiVersion: 'v1', type: cmType, now,
    });
    obj = mergePatch(obj, { 'new-key': 'value' }, T2);
    obj = mergePatch(obj, { key: 'new value' }, T3);
    assert.deepEqual(obj.data, { key: 'new value', 'new-key': 'value' });
    assert.equal(JSON.stringify(entries(obj)), JSON.stringify([
      { manager: 'apply_test', operation: 'Apply', apiVersion: 'v1', time: '2024-05-01T10:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:test-label': {} } } } },
      { manager: 'updater', operation: 'Update', apiVersion: 'v1', time: '2024-05-01T10:00:09Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:key': {}, 'f:new-key': {} } } },
    ]));
  });

  test('apply_test.go TestApplyUnsetExclusivelyOwnedFields: re-applying without a field removes it', () => {
    const first = stored(applyDeploy(undefined, nginx({ replicas: 3, hostname: 'test-hostname' }), 'apply_test').object);
    const second = applyDeploy(first, nginx(), 'apply_test').object as Json;
    assert.equal(second.spec.replicas, undefined);
    assert.equal(second.spec.template.spec.hostname, undefined);
    assert.deepEqual(second.spec.template.spec.containers, [{ name: 'nginx', image: 'nginx:latest' }]);
  });

  test('apply_test.go TestApplyRemoveContainerPort: a dropped list-map item is removed', () => {
    const first = stored(applyDeploy(undefined, nginx({ ports: [{ containerPort: 80, protocol: 'TCP' }] }), 'apply_test').object);
    const second = applyDeploy(first, nginx(), 'apply_test').object as Json;
    assert.equal(second.spec.template.spec.containers[0].ports, undefined);
  });

  test('apply_test.go TestApplyUnsetSharedFields: a field another applier also owns stays', () => {
    let obj = stored(applyDeploy(undefined, nginx({ replicas: 3, hostname: 'test-hostname' }), 'shared_owner_1').object);
    obj = applyDeploy(obj, nginx({ replicas: 3, hostname: 'test-hostname' }), 'shared_owner_2').object;
    obj = applyDeploy(obj, nginx(), 'shared_owner_1').object;
    const spec = (obj as Json).spec;
    assert.equal(spec.replicas, 3);
    assert.equal(spec.template.spec.hostname, 'test-hostname');
    assert.deepEqual(byManager(obj, 'shared_owner_1')?.fieldsV1?.['f:spec']?.['f:replicas'], undefined);
    assert.deepEqual(byManager(obj, 'shared_owner_2')?.fieldsV1?.['f:spec']?.['f:replicas'], {});
  });

  test('two appliers setting the same value share the field without a conflict', () => {
    let obj = stored(applyDeploy(undefined, nginx({ replicas: 3 }), 'alice').object);
    const res = applyDeploy(obj, nginx({ replicas: 3 }), 'bob', { now: T2 });
    obj = res.object;
    assert.equal(res.changed, false);
    for (const m of ['alice', 'bob']) assert.deepEqual(byManager(obj, m)?.fieldsV1?.['f:spec']?.['f:replicas'], {}, m);
    // Nothing changed, so upstream records no time for the newcomer.
    assert.equal(byManager(obj, 'bob')?.time, undefined);
    // Now neither can change it alone.
    const err = conflictOf(() => applyDeploy(obj, nginx({ replicas: 4 }), 'bob'));
    assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "alice": .spec.replicas');
  });

  test('a conflict with an Update manager is the upstream 409 with causes', () => {
    const created = stored(updateDeploy(undefined, nginx({ replicas: 3 }), 'kubectl-client-side-apply', T1));
    const err = conflictOf(() => applyDeploy(created, nginx({ replicas: 5 }), 'kubectl'));
    assert.equal(err.code, 409);
    assert.equal(err.reason, 'Conflict');
    assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
    assert.deepEqual(err.details, { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' }] });
  });

  test('several conflicts are grouped by manager, one path a line', () => {
    const created = stored(updateDeploy(undefined, nginx({ replicas: 3 }), 'kubectl-client-side-apply', T1));
    const err = conflictOf(() => applyDeploy(created, nginx({ replicas: 5, image: 'nginx:2' }), 'kubectl'));
    assert.equal(err.message, [
      'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:',
      '- .spec.replicas',
      '- .spec.template.spec.containers[name="nginx"].image',
    ].join('\n'));
    assert.deepEqual(err.details?.causes?.map((c) => c.field), ['.spec.replicas', '.spec.template.spec.containers[name="nginx"].image']);
  });

  test('force takes the conflicting fields: the value changes and ownership moves', () => {
    const created = stored(updateDeploy(undefined, nginx({ replicas: 3 }), 'kubectl-client-side-apply', T1));
    const res = applyDeploy(created, nginx({ replicas: 5 }), 'kubectl', { force: true, now: T2 });
    assert.equal((res.object as Json).spec.replicas, 5);
    assert.deepEqual(byManager(res.object, 'kubectl')?.fieldsV1?.['f:spec']?.['f:replicas'], {});
    assert.equal(byManager(res.object, 'kubectl-client-side-apply')?.fieldsV1?.['f:spec']?.['f:replicas'], undefined);
    assert.equal(byManager(res.object, 'kubectl')?.time, '2024-05-01T10:00:05Z');
  });

  test('an Update after Apply moves the changed field to the updater, without conflict', () => {
    const applied = stored(applyDeploy(undefined, nginx({ replicas: 3 }), 'kubectl').object);
    const scaled = updateDeploy(applied, { ...applied, spec: { ...(applied.spec as Json), replicas: 7 } }, 'kubectl-edit', T2);
    assert.equal(byManager(scaled, 'kubectl')?.fieldsV1?.['f:spec']?.['f:replicas'], undefined);
    assert.deepEqual(byManager(scaled, 'kubectl-edit'), {
      manager: 'kubectl-edit', operation: 'Update', apiVersion: 'apps/v1', time: '2024-05-01T10:00:05Z', fieldsType: 'FieldsV1',
      fieldsV1: { 'f:spec': { 'f:replicas': {} } },
    });
    // Entries: Apply first, then Update (upstream ordering).
    assert.deepEqual(entries(scaled).map((e) => e.operation), ['Apply', 'Update']);
  });

  test('status subresource updates are tracked in their own entry; spec changes there are not owned', () => {
    const applied = stored(applyDeploy(undefined, nginx({ replicas: 3 }), 'kubectl').object);
    const withStatus = { ...applied, status: { replicas: 3, readyReplicas: 3 } };
    const after = updateDeploy(applied, withStatus, 'kube-controller-manager', T2, 'status');
    const entry = byManager(after, 'kube-controller-manager');
    assert.deepEqual(entry, {
      manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'apps/v1', time: '2024-05-01T10:00:05Z', fieldsType: 'FieldsV1',
      fieldsV1: { 'f:status': { '.': {}, 'f:readyReplicas': {}, 'f:replicas': {} } }, subresource: 'status',
    });
    // A later apply through the main resource does not take status, and applying status there is ignored.
    const reapplied = applyDeploy(after, { ...nginx({ replicas: 3 }), status: { replicas: 1 } }, 'kubectl', { now: T3 });
    assert.ok(byManager(reapplied.object, 'kube-controller-manager'));
    assert.equal(byManager(reapplied.object, 'kubectl')?.fieldsV1?.['f:status'], undefined);
  });

  test('apply_test.go TestApplyRemovesEmptyManagedFields: applying only identity fields records no entry', () => {
    const res = applyCm(undefined, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'test-cm', namespace: 'default' } }, 'apply_test');
    assert.deepEqual(res.managedFields, []);
    assert.equal(res.object.metadata?.managedFields, undefined);
  });

  test('a no-op re-apply changes nothing, not even the time', () => {
    const first = stored(applyDeploy(undefined, nginx({ replicas: 3 }), 'kubectl').object);
    const again = applyDeploy(first, nginx({ replicas: 3 }), 'kubectl', { now: T3 });
    assert.equal(again.changed, false);
    assert.deepEqual(again.object, first);
  });

  test('merging keeps live list items the configuration does not mention, in live order', () => {
    const live = stored(updateDeploy(undefined, {
      ...nginx(), spec: { ...nginx().spec, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'sidecar', image: 's' }, { name: 'nginx', image: 'nginx:latest' }] } } },
    }, 'kubectl-create', T1));
    const res = applyDeploy(live, nginx({ image: 'nginx:2' }), 'kubectl', { force: true });
    assert.deepEqual((res.object as Json).spec.template.spec.containers, [{ name: 'sidecar', image: 's' }, { name: 'nginx', image: 'nginx:2' }]);
  });

  test('bad apply bodies are 400s with upstream wording', () => {
    const cases: [string, Json, string][] = [
      ['managedFields in the body', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', managedFields: [] } }, 'metadata.managedFields must be nil'],
      ['another version', { apiVersion: 'v2', kind: 'ConfigMap', metadata: { name: 'x' } }, 'Incorrect version specified in apply patch. Specified patch version: v2, expected: v1'],
      ['another kind', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }, 'invalid object type: /v1, Kind=Secret'],
    ];
    for (const [name, body, message] of cases) {
      assert.throws(() => applyCm(undefined, body, 'kubectl'), (e: unknown) => e instanceof ApiError && e.code === 400 && e.message === message, name);
    }
  });
});

describe('managedFields on create, update and patch', () => {
  const cm = (data: Json, managedFields?: unknown): KubeObject => ({
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default', ...(managedFields !== undefined ? { managedFields: managedFields as Json[] } : {}) }, data,
  });
  const update = (old: KubeObject | undefined, updated: KubeObject, manager = 'kubectl-edit', now = T2) =>
    updateManagedFields({ old, updated, manager, apiVersion: 'v1', type: cmType, now });

  test('create records everything the creator set, with "." on new maps', () => {
    const created = update(undefined, cm({ a: '1' }), 'kubectl-create', T1);
    assert.deepEqual(entries(created), [{
      manager: 'kubectl-create', operation: 'Update', apiVersion: 'v1', time: '2024-05-01T10:00:00Z', fieldsType: 'FieldsV1',
      fieldsV1: { 'f:data': { '.': {}, 'f:a': {} } },
    }]);
  });

  test('kubectl create deployment: spec is not a member (upstream compares with the zero Deployment), new maps and items are', () => {
    const created = updateDeploy(undefined, nginx({ replicas: 1 }), 'kubectl-create', T1);
    const fields = byManager(created, 'kubectl-create')?.fieldsV1 as Json;
    assert.deepEqual(fields['f:metadata'], { 'f:labels': { '.': {}, 'f:app': {} } });
    assert.equal(fields['f:spec']['.'], undefined);
    assert.deepEqual(fields['f:spec']['f:replicas'], {});
    assert.deepEqual(fields['f:spec']['f:selector'], {});
    assert.deepEqual(fields['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"nginx"}'], { '.': {}, 'f:image': {}, 'f:name': {} });
  });

  const base = () => stored(update(undefined, cm({ a: '1' }), 'kubectl-create', T1));
  const rows: { name: string; managedFields: unknown; want: string[] }[] = [
    { name: 'a request without managedFields keeps the stored ones', managedFields: undefined, want: ['kubectl-create', 'kubectl-edit'] },
    { name: 'managedFields: [] clears them (and updates do not start tracking again)', managedFields: [], want: [] },
    { name: 'managedFields: [{}] clears them', managedFields: [{}], want: [] },
    { name: 'invalid managedFields (empty fieldsType) fall back to the stored ones', managedFields: [{ manager: 'x', operation: 'Apply', apiVersion: 'v1', fieldsType: '', fieldsV1: {} }], want: ['kubectl-create', 'kubectl-edit'] },
  ];
  for (const row of rows) {
    test(row.name, () => {
      const old = base();
      const next = update(old, cm({ a: '1', b: '2' }, row.managedFields));
      assert.deepEqual(entries(next).map((e) => e.manager), row.want);
      assert.deepEqual(next.data, { a: '1', b: '2' });
    });
  }

  test('after a reset, a later update still records nothing (upstream skips tracking)', () => {
    const cleared = stored(update(base(), cm({ a: '1' }, [])));
    const next = update(cleared, cm({ a: '3' }));
    assert.equal(next.metadata?.managedFields, undefined);
  });

  test('an update that changes nothing keeps entries and times', () => {
    const old = base();
    const next = update(old, { ...old }, 'kubectl-edit', T3);
    assert.deepEqual(entries(next), entries(old));
  });

  test('an update that only removes fields takes nothing: removed fields leave their owners, the remover gets no entry', () => {
    const old = base();
    const next = update(old, cm({}), 'kubectl-edit');
    assert.deepEqual(entries(next).map((e) => [e.manager, e.fieldsV1]), [['kubectl-create', { 'f:data': {} }]]);
  });

  test('more than ten update managers fold the oldest into ancient-changes', () => {
    let obj = base();
    for (let i = 0; i < 11; i++) {
      obj = stored(update(obj, cm({ ...(obj.data as Json), [`k${i}`]: 'v' }), `m${i}`, new Date(T2.getTime() + i * 1000)));
    }
    const managers = entries(obj).map((e) => e.manager);
    assert.equal(managers.length, 10);
    assert.equal(managers.includes('ancient-changes'), true);
    assert.equal(managers.includes('kubectl-create'), false);
    assert.equal(managers.includes('m0'), false);
  });
});

describe('field manager names', () => {
  const rows: [string, string | undefined, string | undefined, string][] = [
    ['explicit ?fieldManager wins', 'kubectl-client-side-apply', 'kubectl/v1.33.0 (linux/amd64) kubernetes/abc', 'kubectl-client-side-apply'],
    ['otherwise the user agent up to the first slash', undefined, 'kubectl/v1.33.0 (linux/amd64) kubernetes/abc', 'kubectl'],
    ['controllers', '', 'kube-controller-manager/v1.33.0 (linux/amd64) kubernetes/abc/system:serviceaccount:kube-system:deployment-controller', 'kube-controller-manager'],
    ['no user agent', undefined, undefined, ''],
  ];
  for (const [name, fieldManager, ua, want] of rows) {
    test(name, () => assert.equal(fieldManagerName(fieldManager, ua), want));
  }

  test('non-printable characters are dropped and the name is capped at 128 bytes', () => {
    assert.equal(managerFromUserAgent('a\u0000b\tc/1'), 'abc');
    assert.equal(managerFromUserAgent('x'.repeat(200)).length, 128);
  });
});

describe('pods', () => {
  test('kubectl apply --server-side of a pod, then adding a container, keys both by name', () => {
    const pod = (containers: Json[]) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers } });
    const apply = (live: KubeObject | undefined, body: Json) => applyConfiguration({ live, applied: body, manager: 'kubectl', type: podType, apiVersion: 'v1', kind: 'Pod', ignored: resetFieldsFor(undefined, true), now: T1 });
    const first = stored(apply(undefined, pod([{ name: 'a', image: 'x' }])).object);
    const second = apply(first, pod([{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }]));
    assert.deepEqual(second.managedFields[0]?.fieldsV1, {
      'f:spec': { 'f:containers': { 'k:{"name":"a"}': { '.': {}, 'f:image': {}, 'f:name': {} }, 'k:{"name":"b"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
    });
  });
});
