// What the client needs to know of a resource to build its paths: group, version, plural
// resource name, kind and scope. A KindDef from the api registry is one; the constants below
// cover the resources the controllers, scheduler and kubelet use, typed with kubernetes-types.
import type { ConfigMap, Endpoints, Event, Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, PodTemplate, ReplicationController, Secret, Service, ServiceAccount } from 'kubernetes-types/core/v1.js';
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress } from 'kubernetes-types/networking/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';

/** The least an object must have for the client: kubernetes-types' objects all fit. */
export interface ObjectWithMeta {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

export interface ResourceDescriptor<T extends ObjectWithMeta = ObjectWithMeta> {
  group: string;
  version: string;
  /** Plural, lower case: "deployments". */
  resource: string;
  kind: string;
  namespaced: boolean;
  /** Never set: carries the object type so `client.resource(pods)` knows it returns Pods. */
  readonly __object?: T;
}

export function apiVersionFor(d: Pick<ResourceDescriptor, 'group' | 'version'>): string {
  return d.group ? `${d.group}/${d.version}` : d.version;
}

/** "deployments.apps" / "pods": how upstream names a resource in logs and messages. */
export function groupResource(d: Pick<ResourceDescriptor, 'group' | 'resource'>): string {
  return d.group ? `${d.resource}.${d.group}` : d.resource;
}

function describe<T extends ObjectWithMeta>(group: string, version: string, resource: string, kind: string, namespaced: boolean): ResourceDescriptor<T> {
  return { group, version, resource, kind, namespaced };
}

export const namespaces = describe<Namespace>('', 'v1', 'namespaces', 'Namespace', false);
export const nodes = describe<Node>('', 'v1', 'nodes', 'Node', false);
export const pods = describe<Pod>('', 'v1', 'pods', 'Pod', true);
export const podTemplates = describe<PodTemplate>('', 'v1', 'podtemplates', 'PodTemplate', true);
export const services = describe<Service>('', 'v1', 'services', 'Service', true);
export const endpoints = describe<Endpoints>('', 'v1', 'endpoints', 'Endpoints', true);
export const configMaps = describe<ConfigMap>('', 'v1', 'configmaps', 'ConfigMap', true);
export const secrets = describe<Secret>('', 'v1', 'secrets', 'Secret', true);
export const serviceAccounts = describe<ServiceAccount>('', 'v1', 'serviceaccounts', 'ServiceAccount', true);
export const events = describe<Event>('', 'v1', 'events', 'Event', true);
export const persistentVolumes = describe<PersistentVolume>('', 'v1', 'persistentvolumes', 'PersistentVolume', false);
export const persistentVolumeClaims = describe<PersistentVolumeClaim>('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true);
export const replicationControllers = describe<ReplicationController>('', 'v1', 'replicationcontrollers', 'ReplicationController', true);
export const deployments = describe<Deployment>('apps', 'v1', 'deployments', 'Deployment', true);
export const replicaSets = describe<ReplicaSet>('apps', 'v1', 'replicasets', 'ReplicaSet', true);
export const statefulSets = describe<StatefulSet>('apps', 'v1', 'statefulsets', 'StatefulSet', true);
export const daemonSets = describe<DaemonSet>('apps', 'v1', 'daemonsets', 'DaemonSet', true);
export const controllerRevisions = describe<ControllerRevision>('apps', 'v1', 'controllerrevisions', 'ControllerRevision', true);
export const jobs = describe<Job>('batch', 'v1', 'jobs', 'Job', true);
export const cronJobs = describe<CronJob>('batch', 'v1', 'cronjobs', 'CronJob', true);
export const leases = describe<Lease>('coordination.k8s.io', 'v1', 'leases', 'Lease', true);
export const endpointSlices = describe<EndpointSlice>('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true);
export const ingresses = describe<Ingress>('networking.k8s.io', 'v1', 'ingresses', 'Ingress', true);
