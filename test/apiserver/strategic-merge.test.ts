// Strategic merge patch against the real Pod and Deployment schemas. Rows come from the
// Kubernetes docs ("Update API Objects in Place Using kubectl patch"), the strategic merge
// patch design doc (community/contributors/devel/sig-api-machinery/strategic-merge-patch.md)
// and upstream's strategicpatch/patch_test.go; each row names where it comes from.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinDefinitions } from '../../src/apiserver/openapi/definitions.js';
import {
  noSchema, schemaForDefinition, strategicMergePatch, StrategicMergeError, type PatchSchema,
} from '../../src/apiserver/strategic-merge.js';

type Json = Record<string, any>;

const schemas: Record<'Pod' | 'Deployment', PatchSchema> = {
  Pod: schemaForDefinition(builtinDefinitions(), 'io.k8s.api.core.v1.Pod'),
  Deployment: schemaForDefinition(builtinDefinitions(), 'io.k8s.api.apps.v1.Deployment'),
};

const podSpec = (spec: Json): Json => ({ spec });
const templateSpec = (spec: Json): Json => ({ spec: { template: { spec } } });
const containers = (...list: Json[]): Json => podSpec({ containers: list });
const finalizers = (list: unknown): Json => ({ metadata: { finalizers: list } });

interface Row {
  name: string;
  kind: 'Pod' | 'Deployment';
  original: Json;
  patch: Json;
  want: Json;
}

const rows: Row[] = [
  // Docs: "Use a strategic merge patch to update a Deployment".
  {
    name: 'docs: a container is added by name; new items come before the live ones',
    kind: 'Deployment',
    original: templateSpec({ containers: [{ name: 'patch-demo-ctr', image: 'nginx' }] }),
    patch: templateSpec({ containers: [{ name: 'patch-demo-ctr-2', image: 'redis' }] }),
    want: templateSpec({ containers: [{ name: 'patch-demo-ctr-2', image: 'redis' }, { name: 'patch-demo-ctr', image: 'nginx' }] }),
  },
  {
    name: 'docs: tolerations have no patch strategy, so the list is replaced',
    kind: 'Deployment',
    original: templateSpec({
      containers: [{ name: 'patch-demo-ctr', image: 'nginx' }],
      tolerations: [{ effect: 'NoSchedule', key: 'dedicated', value: 'test-team' }],
    }),
    patch: templateSpec({ tolerations: [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }] }),
    want: templateSpec({
      containers: [{ name: 'patch-demo-ctr', image: 'nginx' }],
      tolerations: [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }],
    }),
  },
  // Docs: "Use strategic merge patch to update a Deployment using the retainKeys strategy".
  {
    name: 'docs: without $retainKeys, switching to Recreate keeps rollingUpdate (validation then rejects it)',
    kind: 'Deployment',
    original: { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '30%', maxUnavailable: '30%' } } } },
    patch: { spec: { strategy: { type: 'Recreate' } } },
    want: { spec: { strategy: { type: 'Recreate', rollingUpdate: { maxSurge: '30%', maxUnavailable: '30%' } } } },
  },
  {
    name: 'docs: $retainKeys [type] switches RollingUpdate to Recreate and clears rollingUpdate',
    kind: 'Deployment',
    original: { spec: { replicas: 2, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '30%', maxUnavailable: '30%' } } } },
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
    want: { spec: { replicas: 2, strategy: { type: 'Recreate' } } },
  },
  // Design doc: basic patch and the $patch directive.
  {
    name: 'design doc: maps merge recursively and null deletes a key',
    kind: 'Pod',
    original: { metadata: { labels: { app: 'web', tier: 'front' }, annotations: { a: '1' } } },
    patch: { metadata: { labels: { tier: null, track: 'stable' } } },
    want: { metadata: { labels: { app: 'web', track: 'stable' }, annotations: { a: '1' } } },
  },
  {
    name: 'design doc: $patch: replace on a map replaces it with the rest of the patch',
    kind: 'Pod',
    original: { metadata: { labels: { app: 'web', tier: 'front' } } },
    patch: { metadata: { labels: { $patch: 'replace', app: 'api' } } },
    want: { metadata: { labels: { app: 'api' } } },
  },
  {
    name: 'design doc: $patch: delete on a map empties it (upstream returns an empty map)',
    kind: 'Deployment',
    original: { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '30%' } } } },
    patch: { spec: { strategy: { rollingUpdate: { $patch: 'delete' } } } },
    want: { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: {} } } },
  },
  {
    name: 'upstream removeDirectives: $patch: delete on an absent map adds nothing',
    kind: 'Deployment',
    original: { spec: { strategy: { type: 'Recreate' } } },
    patch: { spec: { strategy: { rollingUpdate: { $patch: 'delete' } } } },
    want: { spec: { strategy: { type: 'Recreate' } } },
  },
  {
    name: 'design doc: $patch: delete in a merged list deletes the container with that name',
    kind: 'Pod',
    original: containers({ name: 'nginx', image: 'nginx' }, { name: 'log-tailer', image: 'busybox' }),
    patch: podSpec({ containers: [{ name: 'nginx', image: 'nginx:1.27' }, { $patch: 'delete', name: 'log-tailer' }] }),
    want: containers({ name: 'nginx', image: 'nginx:1.27' }),
  },
  {
    name: 'upstream "delete missing map from merging list": deleting an absent name is a no-op',
    kind: 'Pod',
    original: containers({ name: 'nginx', image: 'nginx' }),
    patch: podSpec({ containers: [{ $patch: 'delete', name: 'gone' }] }),
    want: containers({ name: 'nginx', image: 'nginx' }),
  },
  {
    name: 'design doc: $patch: replace in a list makes the other items the whole list',
    kind: 'Pod',
    original: containers({ name: 'nginx', image: 'nginx' }, { name: 'log-tailer', image: 'busybox' }),
    patch: podSpec({ containers: [{ name: 'redis', image: 'redis' }, { $patch: 'replace' }] }),
    want: containers({ name: 'redis', image: 'redis' }),
  },
  // Merge keys of the Pod schema.
  {
    name: 'env merges by name inside a container merged by name; live-only vars keep their place',
    kind: 'Pod',
    original: containers({ name: 'app', image: 'app', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }),
    patch: podSpec({ containers: [{ name: 'app', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }] }] }),
    want: containers({ name: 'app', image: 'app', env: [{ name: 'A', value: '1' }, { name: 'B', value: '3' }, { name: 'C', value: '4' }] }),
  },
  {
    name: 'ports merge by containerPort alone, so the protocol of port 53 is overwritten (kubernetes#108255)',
    kind: 'Pod',
    original: containers({ name: 'dns', ports: [{ containerPort: 53, protocol: 'TCP' }, { containerPort: 9153, name: 'metrics' }] }),
    patch: podSpec({ containers: [{ name: 'dns', ports: [{ containerPort: 53, protocol: 'UDP' }] }] }),
    want: containers({ name: 'dns', ports: [{ containerPort: 53, protocol: 'UDP' }, { containerPort: 9153, name: 'metrics' }] }),
  },
  {
    name: 'volumes merge by name: without $retainKeys both volume sources are kept',
    kind: 'Pod',
    original: podSpec({ volumes: [{ name: 'data', emptyDir: {} }, { name: 'cfg', configMap: { name: 'cfg' } }] }),
    patch: podSpec({ volumes: [{ name: 'data', hostPath: { path: '/srv' } }] }),
    want: podSpec({ volumes: [{ name: 'data', emptyDir: {}, hostPath: { path: '/srv' } }, { name: 'cfg', configMap: { name: 'cfg' } }] }),
  },
  {
    name: 'volumes (merge,retainKeys): $retainKeys in an item switches its volume source',
    kind: 'Pod',
    original: podSpec({ volumes: [{ name: 'data', emptyDir: {} }] }),
    patch: podSpec({ volumes: [{ name: 'data', $retainKeys: ['hostPath', 'name'], hostPath: { path: '/srv' } }] }),
    want: podSpec({ volumes: [{ name: 'data', hostPath: { path: '/srv' } }] }),
  },
  {
    name: 'container args have no strategy: the list is replaced',
    kind: 'Pod',
    original: containers({ name: 'app', args: ['--a', '--b'] }),
    patch: podSpec({ containers: [{ name: 'app', args: ['--c'] }] }),
    want: containers({ name: 'app', args: ['--c'] }),
  },
  // Lists of primitives with the merge strategy: metadata.finalizers.
  {
    name: 'finalizers (merge, primitives) are unioned without duplicates; new ones first, as upstream orders',
    kind: 'Pod',
    original: finalizers(['a', 'b']),
    patch: finalizers(['c', 'a']),
    want: finalizers(['c', 'a', 'b']),
  },
  {
    name: 'upstream: $deleteFromPrimitiveList/finalizers deletes from the list',
    kind: 'Pod',
    original: finalizers(['a', 'b', 'c']),
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['b'] } },
    want: finalizers(['a', 'c']),
  },
  {
    name: 'upstream: $deleteFromPrimitiveList of a missing item does not add it',
    kind: 'Pod',
    original: finalizers(['a', 'b']),
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['z'] } },
    want: finalizers(['a', 'b']),
  },
  {
    name: 'upstream: $deleteFromPrimitiveList on an absent list does not add the list',
    kind: 'Pod',
    original: { metadata: { name: 'p' } },
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } },
    want: { metadata: { name: 'p' } },
  },
  {
    name: 'upstream: $deleteFromPrimitiveList works on a list without merge strategy (args)',
    kind: 'Pod',
    original: containers({ name: 'app', args: ['1', '2', '3'] }),
    patch: podSpec({ containers: [{ name: 'app', '$deleteFromPrimitiveList/args': ['2'] }] }),
    want: containers({ name: 'app', args: ['1', '3'] }),
  },
  // $setElementOrder (upstream "... and preserve order" / "set elements order" cases).
  {
    name: 'upstream "add an item in a int list and preserve order": $setElementOrder/finalizers',
    kind: 'Pod',
    original: finalizers(['a', 'b']),
    patch: { metadata: { '$setElementOrder/finalizers': ['c', 'a', 'b'], finalizers: ['c'] } },
    want: finalizers(['c', 'a', 'b']),
  },
  {
    name: 'upstream "set elements order in a list with server-only items": containers reordered, server-only last',
    kind: 'Pod',
    original: containers({ name: 'c1', image: 'a' }, { name: 'c3', image: '3' }, { name: 'c4', image: '4' }, { name: 'c2', image: '2' }, { name: 'c9' }),
    patch: podSpec({ '$setElementOrder/containers': [{ name: 'c4' }, { name: 'c2' }, { name: 'c3' }, { name: 'c1' }] }),
    want: containers({ name: 'c4', image: '4' }, { name: 'c2', image: '2' }, { name: 'c3', image: '3' }, { name: 'c1', image: 'a' }, { name: 'c9' }),
  },
  {
    name: 'upstream "set elements order in a list with server-only items 3": server-only items keep their neighbours',
    kind: 'Pod',
    original: containers({ name: 'c1' }, { name: 'c2' }, { name: 'c7' }, { name: 'c9' }, { name: 'c8' }, { name: 'c3' }, { name: 'c4' }),
    patch: podSpec({ '$setElementOrder/containers': [{ name: 'c2' }, { name: 'c1' }, { name: 'c4' }, { name: 'c3' }] }),
    want: containers({ name: 'c2' }, { name: 'c1' }, { name: 'c7' }, { name: 'c9' }, { name: 'c8' }, { name: 'c4' }, { name: 'c3' }),
  },
  {
    name: 'upstream "add an item in a list and preserve order": the new container goes where $setElementOrder puts it',
    kind: 'Pod',
    original: containers({ name: 'c1', image: 'x' }, { name: 'c2', image: '2' }),
    patch: podSpec({
      '$setElementOrder/containers': [{ name: 'c1' }, { name: 'c3' }, { name: 'c2' }],
      containers: [{ name: 'c3', image: '3' }],
    }),
    want: containers({ name: 'c1', image: 'x' }, { name: 'c3', image: '3' }, { name: 'c2', image: '2' }),
  },
  // What upstream does with values it takes from the patch as they are.
  {
    name: 'a new container drops null fields and nested directives (removeDirectives, discardNullValuesFromPatch)',
    kind: 'Pod',
    original: containers({ name: 'app' }),
    patch: podSpec({ containers: [{ name: 'side', image: 'busybox', args: null, env: [{ $patch: 'delete', name: 'X' }] }] }),
    want: containers({ name: 'side', image: 'busybox', env: [] }, { name: 'app' }),
  },
  {
    name: 'a value of another JSON type replaces the live one (the schema check rejects it later)',
    kind: 'Pod',
    original: containers({ name: 'app' }),
    patch: podSpec({ containers: { name: 'app' } }),
    want: podSpec({ containers: { name: 'app' } }),
  },
];

describe('strategicMergePatch', () => {
  for (const row of rows) {
    test(row.name, () => {
      assert.deepEqual(strategicMergePatch(row.original, row.patch, schemas[row.kind]), row.want);
    });
  }

  test('leaves its arguments unchanged', () => {
    const original = containers({ name: 'app', env: [{ name: 'A', value: '1' }] });
    const patch = podSpec({ containers: [{ name: 'app', env: [{ name: 'A', value: '2' }] }] });
    const before = structuredClone({ original, patch });
    strategicMergePatch(original, patch, schemas.Pod);
    assert.deepEqual({ original, patch }, before);
  });

  test('$patch: delete at the top level empties the object', () => {
    assert.deepEqual(strategicMergePatch({ a: 1 }, { $patch: 'delete' }, noSchema), {});
  });

  test('noSchema behaves as a JSON merge patch: maps merge, lists are replaced', () => {
    const got = strategicMergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: null, d: 3 }, l: [3] }, noSchema);
    assert.deepEqual(got, { a: { b: 1, d: 3 }, l: [3] });
  });

  test('a key named __proto__ becomes an own property, not a prototype', () => {
    const got = strategicMergePatch({}, JSON.parse('{"__proto__": {"x": 1}}'), noSchema);
    assert.equal(Object.getPrototypeOf(got), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(got, '__proto__')?.value, { x: 1 });
  });
});

interface ErrorRow {
  name: string;
  kind?: 'Pod' | 'Deployment';
  original: Json;
  patch: unknown;
  message: string | RegExp;
  code: number;
}

const errorRows: ErrorRow[] = [
  {
    name: 'an unknown $patch on a map',
    original: { metadata: { labels: { app: 'web' } } },
    patch: { metadata: { labels: { $patch: 'frobnicate', app: 'api' } } },
    message: 'unknown patch type: frobnicate in map: map[$patch:frobnicate app:api]',
    code: 400,
  },
  {
    name: '$patch: merge on a map is not a map directive upstream',
    original: { metadata: { labels: { app: 'web' } } },
    patch: { metadata: { labels: { $patch: 'merge' } } },
    message: 'unknown patch type: merge in map: map[$patch:merge]',
    code: 400,
  },
  {
    name: 'an unknown $patch in a merged list',
    original: containers({ name: 'app' }),
    patch: podSpec({ containers: [{ $patch: 'frobnicate', name: 'app' }] }),
    message: 'unknown patch type: frobnicate in map: map[$patch:frobnicate name:app]',
    code: 400,
  },
  {
    name: '$patch: merge in a merged list',
    original: containers({ name: 'app' }),
    patch: podSpec({ containers: [{ $patch: 'merge' }] }),
    message: 'merging lists cannot yet be specified in the patch',
    code: 400,
  },
  {
    name: 'upstream "missing merge key should error out"',
    original: containers({ name: 'app', image: 'a' }),
    patch: podSpec({ containers: [{ image: 'b' }] }),
    message: 'map: map[image:b] does not contain declared merge key: name',
    code: 400,
  },
  {
    name: '$patch: delete without the merge key',
    original: containers({ name: 'app' }),
    patch: podSpec({ containers: [{ $patch: 'delete' }] }),
    message: 'map: map[$patch:delete] does not contain declared merge key: name',
    code: 400,
  },
  {
    name: 'upstream "should check if order in $setElementOrder and patch list match"',
    original: containers({ name: 'c1' }, { name: 'c3' }, { name: 'c2' }),
    patch: podSpec({
      '$setElementOrder/containers': [{ name: 'c1' }, { name: 'c2' }, { name: 'c3' }],
      containers: [{ name: 'c3', image: '3' }, { name: 'c1', image: '1' }],
    }),
    message: /^The order in patch list:\n\[map\[image:3 name:c3\] map\[image:1 name:c1\]\]\n doesn't match \$setElementOrder list:/,
    code: 400,
  },
  {
    name: 'a patched key missing from $retainKeys',
    kind: 'Deployment',
    original: { spec: { strategy: { type: 'RollingUpdate' } } },
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } },
    message: 'invalid patch format of retainKeys',
    code: 400,
  },
  {
    name: '$retainKeys that is not a list',
    kind: 'Deployment',
    original: { spec: { strategy: { type: 'RollingUpdate' } } },
    patch: { spec: { strategy: { $retainKeys: 'type' } } },
    message: 'invalid patch format of retainKeys',
    code: 400,
  },
  {
    name: 'a $deleteFromPrimitiveList key without a field',
    original: finalizers(['a']),
    patch: { metadata: { $deleteFromPrimitiveList: ['a'] } },
    message: 'invalid patch format of primitive list',
    code: 400,
  },
  {
    name: 'a $setElementOrder key without a field',
    original: finalizers(['a']),
    patch: { metadata: { $setElementOrder: ['a'] } },
    message: 'invalid patch format of setElementOrder list',
    code: 400,
  },
  {
    name: 'a merged list of lists',
    original: finalizers([['a']]),
    patch: finalizers([['b']]),
    message: 'lists of lists are not supported',
    code: 422,
  },
  {
    name: 'a merged list mixing element types',
    original: finalizers(['a']),
    patch: finalizers([1]),
    message: 'list element types are not identical: [[a] [1]]',
    code: 400,
  },
  {
    name: 'a patch that is not a JSON object',
    original: {},
    patch: [{ op: 'add' }],
    message: 'invalid JSON document',
    code: 400,
  },
];

describe('strategicMergePatch errors (upstream messages and status codes)', () => {
  for (const row of errorRows) {
    test(row.name, () => {
      assert.throws(() => strategicMergePatch(row.original, row.patch, schemas[row.kind ?? 'Pod']), (err: unknown) => {
        assert.ok(err instanceof StrategicMergeError);
        if (typeof row.message === 'string') assert.equal(err.message, row.message);
        else assert.match(err.message, row.message);
        assert.equal(err.code, row.code);
        return true;
      });
    });
  }
});

describe('schemaForDefinition', () => {
  test('reads merge key and strategies from the property, through $ref and array items', () => {
    const spec = schemas.Pod.field('spec').schema;
    const ctrs = spec.field('containers');
    assert.deepEqual([ctrs.strategies, ctrs.mergeKey], [['merge'], 'name']);
    assert.deepEqual(spec.field('volumes').strategies, ['merge', 'retainKeys']);
    const ports = ctrs.schema.field('ports');
    assert.equal(ports.mergeKey, 'containerPort');
    assert.deepEqual(spec.field('tolerations').strategies, []);
    assert.deepEqual(schemas.Deployment.field('spec').schema.field('strategy').strategies, ['retainKeys']);
  });

  test('map values (additionalProperties) and unknown fields', () => {
    const labels = schemas.Pod.field('metadata').schema.field('labels');
    assert.deepEqual(labels.strategies, []);
    assert.equal(schemas.Pod.field('noSuchField').schema, noSchema);
    assert.equal(schemaForDefinition(builtinDefinitions(), 'io.example.v1.Nothing'), noSchema);
  });
});
