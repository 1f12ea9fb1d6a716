// Shared by the OpenAPI tests: a few served kinds, the upstream documents used as oracles
// (published OpenAPI: the v2 swagger of 1.20, v3 api/v1 of 1.27 and apps/v1 of 1.29; kept outside the repository),
// and a normaliser that reduces a property schema to its shape.
import { readFileSync } from 'node:fs';
import type { KindDef } from '../../src/api/kinds.js';

export const kinds: KindDef[] = [
  { group: '', version: 'v1', kind: 'Pod', resource: 'pods', singular: 'pod', namespaced: true, subresources: ['status'] },
  { group: '', version: 'v1', kind: 'Service', resource: 'services', singular: 'service', namespaced: true, subresources: ['status'] },
  { group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', singular: 'configmap', namespaced: true },
  { group: '', version: 'v1', kind: 'Namespace', resource: 'namespaces', singular: 'namespace', namespaced: false, subresources: ['status'] },
  { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments', singular: 'deployment', namespaced: true, subresources: ['status', 'scale'] },
];

// From dist/test/apiserver/ up to the directory holding the repository, then shared/.
const ORACLES = new URL('../../../../shared/upstream/openapi/', import.meta.url);

function readOracle(path: string): any {
  return JSON.parse(readFileSync(new URL(path, ORACLES), 'utf8'));
}

let v2: any;
export function upstreamV2(): any {
  return (v2 ??= readOracle('v2-swagger-k8s-1.20.json'));
}

const v3 = new Map<string, any>();
export function upstreamV3(path: 'api/v1' | 'apis/apps/v1'): any {
  if (!v3.has(path)) v3.set(path, readOracle(`v3/${path}.json`));
  return v3.get(path);
}

/** A property schema reduced to what must agree: type, format, target of $ref, items, map values. */
export function shape(schema: any): any {
  if (!schema) return schema;
  const s = schema.allOf?.length === 1 && !schema.$ref ? { ...schema, ...schema.allOf[0] } : schema;
  const out: any = {};
  if (s.type) out.type = s.type;
  if (s.format) out.format = s.format;
  if (s.$ref) out.ref = String(s.$ref).replace(/^#\/(definitions|components\/schemas)\//, '');
  if (s.items) out.items = shape(s.items);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') out.additionalProperties = shape(s.additionalProperties);
  return out;
}

export const PATCH_AND_LIST_EXTENSIONS = [
  'x-kubernetes-patch-merge-key', 'x-kubernetes-patch-strategy', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys',
] as const;

/** Definitions compared with the oracles: the kinds above and the types they are built from. */
export const COMPARED = [
  'io.k8s.api.core.v1.Pod', 'io.k8s.api.core.v1.PodList', 'io.k8s.api.core.v1.PodSpec', 'io.k8s.api.core.v1.PodStatus',
  'io.k8s.api.core.v1.Container', 'io.k8s.api.core.v1.ContainerPort', 'io.k8s.api.core.v1.EnvVar',
  'io.k8s.api.core.v1.EnvVarSource', 'io.k8s.api.core.v1.Volume', 'io.k8s.api.core.v1.VolumeMount',
  'io.k8s.api.core.v1.Probe', 'io.k8s.api.core.v1.HTTPGetAction', 'io.k8s.api.core.v1.ResourceRequirements',
  'io.k8s.api.core.v1.Toleration', 'io.k8s.api.core.v1.SecurityContext', 'io.k8s.api.core.v1.PodTemplateSpec',
  'io.k8s.api.core.v1.Service', 'io.k8s.api.core.v1.ServiceSpec', 'io.k8s.api.core.v1.ServicePort',
  'io.k8s.api.core.v1.ConfigMap', 'io.k8s.api.core.v1.Namespace',
  'io.k8s.api.apps.v1.Deployment', 'io.k8s.api.apps.v1.DeploymentList', 'io.k8s.api.apps.v1.DeploymentSpec',
  'io.k8s.api.apps.v1.DeploymentStrategy', 'io.k8s.api.apps.v1.RollingUpdateDeployment', 'io.k8s.api.apps.v1.DeploymentStatus',
  'io.k8s.api.autoscaling.v1.Scale',
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta',
  'io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference', 'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector',
  'io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry', 'io.k8s.apimachinery.pkg.apis.meta.v1.Status',
  'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions',
];
