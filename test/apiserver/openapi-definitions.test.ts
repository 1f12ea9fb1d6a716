// The generated definitions (kubernetes-types 1.30 + client-node formats) against the
// definitions upstream published for 1.27 (v3) and 1.20 (v2). Only changes Kubernetes made
// between those releases and 1.30 may differ; each is listed with its reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinDefinitions } from '../../src/apiserver/openapi/definitions.js';
import { PATCH_AND_LIST_EXTENSIONS, shape, upstreamV2, upstreamV3 } from './openapi-fixtures.js';

const ours = builtinDefinitions();

// The oracles: api/v1 from 1.27, apps/v1 from 1.29, the swagger from 1.20.
/** Fields changed upstream after 1.27 and before 1.30. */
const changedSince127: Record<string, string> = {
  'io.k8s.api.core.v1.PersistentVolumeClaimSpec.resources': 'VolumeResourceRequirements since 1.29',
  'io.k8s.api.core.v1.PersistentVolumeClaimStatus.resizeStatus': 'replaced by allocatedResourceStatuses in 1.29',
  'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement.key': 'stray patch tags removed in 1.28',
};
const changedSince120: Record<string, string> = {
  ...changedSince127,
  'io.k8s.api.core.v1.EphemeralVolumeSource.readOnly': 'removed in 1.22',
  'io.k8s.api.core.v1.Lifecycle.postStart': 'Handler renamed LifecycleHandler in 1.23',
  'io.k8s.api.core.v1.Lifecycle.preStop': 'Handler renamed LifecycleHandler in 1.23',
  'io.k8s.api.core.v1.ServiceSpec.topologyKeys': 'removed in 1.22',
  'io.k8s.api.networking.v1.IngressClassSpec.parameters': 'IngressClassParametersReference since 1.21',
  'io.k8s.api.networking.v1.IngressStatus.loadBalancer': 'IngressLoadBalancerStatus since 1.26',
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta.clusterName': 'removed in 1.25',
  'io.k8s.api.core.v1.EphemeralContainer.ports': 'patch keys added with the field semantics of Container in 1.23',
};
const requiredChangedSince120 = new Set([
  'io.k8s.api.core.v1.ContainerImage', // names optional since 1.25
  'io.k8s.api.events.v1.Event', // metadata no longer listed
  'io.k8s.api.networking.v1.HTTPIngressPath', // pathType required since 1.22
  'io.k8s.api.apiserverinternal.v1alpha1.StorageVersionCondition', // message required since 1.27
]);

function compare(upstream: Record<string, any>, changed: Record<string, string>, requiredChanged: Set<string>, extensions: readonly string[]): number {
  let compared = 0;
  for (const [name, up] of Object.entries(upstream)) {
    const def = ours[name];
    if (!def) continue;
    compared++;
    if (!requiredChanged.has(name)) {
      assert.deepEqual([...(def.required ?? [])].sort(), [...(up.required ?? [])].sort(), `${name} required`);
    }
    for (const [prop, upProp] of Object.entries<any>(up.properties ?? {})) {
      if (changed[`${name}.${prop}`]) continue;
      const ourProp = def.properties?.[prop];
      assert.ok(ourProp, `${name}.${prop} exists`);
      assert.deepEqual(shape(ourProp), shape(upProp), `${name}.${prop}`);
      for (const ext of extensions) assert.deepEqual(ourProp[ext], upProp[ext], `${name}.${prop} ${ext}`);
    }
  }
  return compared;
}

for (const [path, changed] of [['api/v1', changedSince127], ['apis/apps/v1', {}]] as const) {
  test(`every definition of the upstream ${path} document matches (v3)`, () => {
    const upstream: Record<string, any> = { ...upstreamV3(path).components.schemas };
    for (const name of Object.keys(upstream)) assert.ok(ours[name], `definition ${name}`);
    // Quantity and IntOrString differ by design between v2 and v3; compared in the v3 tests.
    delete upstream['io.k8s.apimachinery.pkg.api.resource.Quantity'];
    delete upstream['io.k8s.apimachinery.pkg.util.intstr.IntOrString'];
    const compared = compare(upstream, changed, new Set(), PATCH_AND_LIST_EXTENSIONS);
    assert.ok(compared > 150, `compared ${compared}`);
  });
}

test('every definition of the 1.20 swagger still served in 1.30 matches (v2), patch keys included', () => {
  const compared = compare(upstreamV2().definitions, changedSince120, requiredChangedSince120,
    ['x-kubernetes-patch-merge-key', 'x-kubernetes-patch-strategy']);
  assert.ok(compared > 350, `compared ${compared}`);
});

test('special types keep their upstream Swagger 2.0 schemas', () => {
  const up = upstreamV2().definitions;
  for (const name of ['io.k8s.apimachinery.pkg.api.resource.Quantity', 'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
    'io.k8s.apimachinery.pkg.apis.meta.v1.Time', 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime',
    'io.k8s.apimachinery.pkg.runtime.RawExtension', 'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1',
    'io.k8s.apimachinery.pkg.apis.meta.v1.Patch']) {
    const { description: _a, ...mine } = ours[name]!;
    const { description: _b, ...theirs } = up[name];
    assert.deepEqual(mine, theirs, name);
  }
});

test('top-level kinds carry their group/version/kind; nested types do not', () => {
  assert.deepEqual(ours['io.k8s.api.apps.v1.Deployment']!['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
  assert.deepEqual(ours['io.k8s.api.core.v1.PodList']!['x-kubernetes-group-version-kind'], [{ group: '', kind: 'PodList', version: 'v1' }]);
  assert.equal(ours['io.k8s.api.core.v1.PodSpec']!['x-kubernetes-group-version-kind'], undefined);
});

test('descriptions come from the type comments, paragraphs kept', () => {
  assert.equal(ours['io.k8s.api.core.v1.Container']!.description, 'A single application container that you want to run within a pod.');
  assert.match(ours['io.k8s.api.core.v1.PodSpec']!.properties.containers.description, /^List of containers belonging to the pod\./);
  assert.match(ours['io.k8s.apimachinery.pkg.api.resource.Quantity']!.description, /\n\n/);
});

test('fields kubernetes-types drops are restored', () => {
  const rule = ours['io.k8s.api.admissionregistration.v1.RuleWithOperations']!.properties;
  assert.deepEqual(rule.resources.type, 'array');
  const props = ours['io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps']!.properties;
  assert.equal(props['x-kubernetes-preserve-unknown-fields'].type, 'boolean');
  assert.equal(props['x-kubernetes-validations'].items.$ref, '#/definitions/io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.ValidationRule');
});
