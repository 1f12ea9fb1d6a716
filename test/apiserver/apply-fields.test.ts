// Field sets and their FieldsV1 encoding against upstream's real outputs: the expectations are
// copied from kubernetes test/integration/apiserver/apply/apply_test.go and the Server-Side
// Apply documentation; the key/element rules from sigs.k8s.io/structured-merge-diff.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyTypeFor, compareObjects, fieldSetOf, fromFieldsV1, pathToString, toFieldsV1, FieldSet,
} from '../../src/apiserver/apply/index.js';

const deployment = applyTypeFor('apps', 'v1', 'Deployment');
const configMap = applyTypeFor('', 'v1', 'ConfigMap');
const pod = applyTypeFor('', 'v1', 'Pod');
const service = applyTypeFor('', 'v1', 'Service');

describe('fieldSetOf + toFieldsV1', () => {
  const rows: { name: string; type: typeof deployment; obj: unknown; want: unknown }[] = [
    {
      name: 'ConfigMap from the Server-Side Apply docs: struct fields without ".", map entries as leaves',
      type: configMap,
      obj: { metadata: { labels: { 'test-label': 'test' } }, data: { key: 'some value' } },
      want: { 'f:data': { 'f:key': {} }, 'f:metadata': { 'f:labels': { 'f:test-label': {} } } },
    },
    {
      name: 'Deployment containers keyed by name, item marked with "." (apply_test.go TestApplyConvertsManagedFieldsVersion)',
      type: deployment,
      obj: {
        metadata: { labels: { sidecar_version: 'release' } },
        spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'sidecar:latest' }] } } },
      },
      want: { 'f:metadata': { 'f:labels': { 'f:sidecar_version': {} } }, 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"sidecar"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } } } },
    },
    {
      name: 'atomic LabelSelector is one leaf; ports keyed by containerPort and defaulted protocol',
      type: deployment,
      obj: {
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'nginx' } },
          template: { spec: { containers: [{ name: 'nginx', ports: [{ containerPort: 80 }] }] } },
        },
      },
      want: {
        'f:spec': {
          'f:replicas': {},
          'f:selector': {},
          'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:name': {}, 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } } } } },
        },
      },
    },
    {
      name: 'finalizers (patch strategy merge, no key) are a set of values; atomic args list is one leaf',
      type: pod,
      obj: { metadata: { finalizers: ['a/b', 'example.com/x'] }, spec: { containers: [{ name: 'c', args: ['x', 'y'] }] } },
      want: {
        // A non-empty list in a struct field is stood for by its items (no "."), as upstream ToFieldSet.
        'f:metadata': { 'f:finalizers': { 'v:"a/b"': {}, 'v:"example.com/x"': {} } },
        'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:args': {}, 'f:name': {} } } },
      },
    },
    {
      name: 'Service selector is an atomic map; ports keyed by port and protocol',
      type: service,
      obj: { spec: { selector: { app: 'x' }, ports: [{ port: 80, targetPort: 8080 }] } },
      want: { 'f:spec': { 'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:port': {}, 'f:targetPort': {} } }, 'f:selector': {} } },
    },
    {
      name: 'empty objects and nulls are members',
      type: pod,
      obj: { spec: { securityContext: {}, containers: [{ name: 'c', resources: {} }], nodeName: null } },
      want: { 'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:name': {}, 'f:resources': {} } }, 'f:nodeName': {}, 'f:securityContext': {} } },
    },
  ];
  for (const row of rows) {
    test(row.name, () => {
      const fields = toFieldsV1(fieldSetOf(row.obj, row.type));
      // Exact JSON text: upstream's key order is part of the format.
      assert.equal(JSON.stringify(fields), JSON.stringify(row.want));
    });
  }
});

describe('FieldsV1 decoding', () => {
  test('round-trips and keeps members and children apart', () => {
    const json = { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:image': {} } } } };
    const set = fromFieldsV1(json);
    assert.ok(set.has([{ field: 'metadata' }, { field: 'labels' }]), 'labels is a member ("." marker)');
    assert.ok(!set.has([{ field: 'metadata' }]), 'metadata only has children');
    assert.ok(set.has([{ field: 'spec' }, { field: 'containers' }, { key: [['name', 'c']] }, { field: 'image' }]));
    assert.deepEqual(toFieldsV1(set), json);
  });

  test('unknown prefixes are skipped, bad JSON keys throw', () => {
    assert.deepEqual(toFieldsV1(fromFieldsV1({ 'x:future': {}, 'f:a': {} })), { 'f:a': {} });
    assert.throws(() => fromFieldsV1({ 'k:{bad': {} }));
  });

  test('keys with several fields are sorted by name, values use Go JSON escaping', () => {
    const set = FieldSet.of([[{ key: [['containerPort', 80], ['protocol', 'TCP']] }], [{ value: '<x>' }]]);
    assert.deepEqual(Object.keys(toFieldsV1(set)), ['k:{"containerPort":80,"protocol":"TCP"}', 'v:"\\u003cx\\u003e"']);
  });
});

describe('paths in conflict messages', () => {
  test('upstream Path.String forms', () => {
    assert.equal(pathToString([{ field: 'spec' }, { field: 'replicas' }]), '.spec.replicas');
    assert.equal(pathToString([{ field: 'spec' }, { field: 'containers' }, { key: [['name', 'nginx']] }, { field: 'image' }]), '.spec.containers[name="nginx"].image');
    assert.equal(pathToString([{ field: 'ports' }, { key: [['containerPort', 80], ['protocol', 'TCP']] }]), '.ports[containerPort=80,protocol="TCP"]');
    assert.equal(pathToString([{ field: 'finalizers' }, { value: 'x' }]), '.finalizers[="x"]');
  });
});

describe('compareObjects', () => {
  test('a new label map is added with its entries; a changed scalar is modified; a dropped item is removed', () => {
    const before = { metadata: { name: 'd' }, spec: { replicas: 1, template: { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } } } };
    const after = { metadata: { name: 'd', labels: { app: 'x' } }, spec: { replicas: 2, template: { spec: { containers: [{ name: 'a', image: 'x' }] } } } };
    const c = compareObjects(before, after, deployment);
    assert.deepEqual(toFieldsV1(c.added), { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } });
    assert.deepEqual(toFieldsV1(c.modified), { 'f:spec': { 'f:replicas': {} } });
    assert.deepEqual(toFieldsV1(c.removed), { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"b"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } } } });
  });
});
