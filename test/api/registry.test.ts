import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiVersionOf } from '../../src/api/kinds.js';
import { builtinKinds, findKindByKind, findKindByResource, groupPreferredVersions } from '../../src/api/registry.js';

test('every kind has a group/version, kind, plural resource and singular', () => {
  for (const def of builtinKinds) {
    assert.ok(def.version, `${def.kind} version`);
    assert.match(def.kind, /^[A-Z][A-Za-z]+$/, def.resource);
    assert.match(def.resource, /^[a-z]+$/, def.kind);
    assert.match(def.singular, /^[a-z]+$/, def.kind);
    assert.equal(def.singular, def.kind.toLowerCase(), `${def.kind} singular`);
    assert.equal(typeof def.validate, 'function', `${def.kind} validate`);
    assert.equal(typeof def.validateUpdate, 'function', `${def.kind} validateUpdate`);
  }
});

test('no two kinds share (group, version, resource) or (apiVersion, kind)', () => {
  const resources = builtinKinds.map((d) => `${d.group}/${d.version}/${d.resource}`);
  assert.equal(new Set(resources).size, resources.length);
  const kinds = builtinKinds.map((d) => `${apiVersionOf(d)}/${d.kind}`);
  assert.equal(new Set(kinds).size, kinds.length);
});

test('a short name always means the same resource', () => {
  const owner = new Map<string, string>();
  for (const def of builtinKinds) {
    for (const s of def.shortNames ?? []) {
      const prev = owner.get(s);
      assert.ok(prev === undefined || prev === def.resource, `short name ${s} used by ${prev} and ${def.resource}`);
      owner.set(s, def.resource);
    }
  }
  assert.equal(owner.get('sc'), 'storageclasses');
  assert.equal(owner.get('pc'), 'priorityclasses');
  assert.equal(owner.get('deploy'), 'deployments');
});

test('every group has a preferred version that it serves', () => {
  for (const def of builtinKinds) {
    const preferred = groupPreferredVersions[def.group];
    assert.ok(preferred, `group ${def.group}`);
    assert.ok(builtinKinds.some((d) => d.group === def.group && d.version === preferred), `${def.group}/${preferred}`);
  }
  assert.equal(groupPreferredVersions[''], 'v1');
});

test('storage identities point at a served kind of the same storage', () => {
  for (const def of builtinKinds.filter((d) => d.storage)) {
    const target = findKindByResource(def.storage!.group, def.storage!.version, def.storage!.resource);
    assert.ok(target, `${def.group}/${def.version}/${def.resource} storage`);
    assert.equal(!!def.toStorage, !!def.fromStorage);
    if (target !== def) assert.ok(def.toStorage, `${def.group}/${def.version} needs a conversion`);
  }
});

test('the `all` category holds exactly the upstream workload kinds', () => {
  const all = new Set(builtinKinds.filter((d) => d.categories?.includes('all')).map((d) => d.resource));
  assert.deepEqual([...all].sort(), [
    'cronjobs', 'daemonsets', 'deployments', 'horizontalpodautoscalers', 'jobs', 'pods',
    'replicasets', 'replicationcontrollers', 'services', 'statefulsets',
  ]);
});

const lookups: [string, string, string, string, boolean][] = [
  ['', 'v1', 'pods', 'Pod', true],
  ['', 'v1', 'namespaces', 'Namespace', false],
  ['apps', 'v1', 'deployments', 'Deployment', true],
  ['autoscaling', 'v1', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true],
  ['events.k8s.io', 'v1', 'events', 'Event', true],
  ['rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false],
];
for (const [group, version, resource, kind, namespaced] of lookups) {
  test(`lookup ${group || 'core'}/${version} ${resource}`, () => {
    const def = findKindByResource(group, version, resource);
    assert.equal(def?.kind, kind);
    assert.equal(def?.namespaced, namespaced);
    assert.equal(findKindByKind(group ? `${group}/${version}` : version, kind), def);
  });
}

test('subresources and scale paths follow upstream', () => {
  const pods = findKindByResource('', 'v1', 'pods')!;
  for (const s of ['status', 'binding', 'log', 'exec', 'attach', 'portforward', 'eviction', 'ephemeralcontainers'] as const) {
    assert.ok(pods.subresources?.includes(s), s);
  }
  for (const [group, resource] of [['apps', 'deployments'], ['apps', 'replicasets'], ['apps', 'statefulsets'], ['', 'replicationcontrollers']]) {
    const def = findKindByResource(group!, 'v1', resource!)!;
    assert.ok(def.subresources?.includes('scale'), resource);
    assert.equal(def.scale?.specReplicasPath, '.spec.replicas');
  }
  assert.deepEqual(findKindByResource('', 'v1', 'serviceaccounts')!.subresources, ['token']);
  assert.equal(findKindByResource('', 'v1', 'pods')!.hasStatus, true);
  assert.equal(findKindByResource('', 'v1', 'configmaps')!.hasStatus, undefined);
});

test('pod field selectors read upstream values', () => {
  const pods = findKindByResource('', 'v1', 'pods')!;
  const pod = { spec: { nodeName: 'n1' }, status: { phase: 'Running' } };
  assert.equal(pods.fieldSelectors!['spec.nodeName']!(pod), 'n1');
  assert.equal(pods.fieldSelectors!['spec.hostNetwork']!(pod), 'false');
  assert.equal(pods.fieldSelectors!['status.phase']!(pod), 'Running');
  assert.equal(pods.fieldSelectors!['status.podIP']!(pod), '');
  const jobs = findKindByResource('batch', 'v1', 'jobs')!;
  assert.equal(jobs.fieldSelectors!['status.successful']!({ status: { succeeded: 3 } }), '3');
});
