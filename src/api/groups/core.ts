// core/v1 ("" group) kinds, with upstream resource names, short names, categories,
// subresources and field selectors.
import type { KindDef } from '../kinds.js';
import { defaultEndpoints, defaultLimitRange, defaultNamespace, defaultNode, defaultSecret } from '../defaults/core.js';
import { defaultPod, defaultPodTemplate } from '../defaults/pod.js';
import { defaultService } from '../defaults/service.js';
import { defaultPersistentVolume, defaultPersistentVolumeClaim } from '../defaults/storage.js';
import { defaultReplicationController } from '../defaults/workloads.js';
import { validateConfigMap, validateConfigMapUpdate, validateSecret, validateSecretUpdate } from '../validation/config.js';
import {
  validateCoreEvent, validateLimitRange, validateNamespace, validateNode, validateNodeUpdate,
  validateResourceQuota, validateServiceAccount,
} from '../validation/core.js';
import { validateObjectMetaUpdate } from '../validation/meta.js';
import { validatePod, validatePodTemplate, validatePodUpdate } from '../validation/pod.js';
import { validateEndpoints, validateService, validateServiceUpdate } from '../validation/service.js';
import {
  validatePersistentVolume, validatePersistentVolumeClaim, validatePersistentVolumeClaimUpdate,
} from '../validation/storage.js';
import { validateReplicationController } from '../validation/workloads.js';
import { boolFieldAt, createOnly, defineKind, fieldAt, intFieldAt, scaleReplicas } from './define.js';

const core = { group: '', version: 'v1' } as const;

/** Field selectors of core/v1 Events (shared by events.k8s.io/v1, which is stored as core events). */
export const coreEventFieldSelectors = {
  'involvedObject.kind': fieldAt('involvedObject.kind'),
  'involvedObject.namespace': fieldAt('involvedObject.namespace'),
  'involvedObject.name': fieldAt('involvedObject.name'),
  'involvedObject.uid': fieldAt('involvedObject.uid'),
  'involvedObject.apiVersion': fieldAt('involvedObject.apiVersion'),
  'involvedObject.resourceVersion': fieldAt('involvedObject.resourceVersion'),
  'involvedObject.fieldPath': fieldAt('involvedObject.fieldPath'),
  reason: fieldAt('reason'),
  reportingComponent: fieldAt('reportingComponent'),
  source: fieldAt('source.component'),
  type: fieldAt('type'),
};

export const coreKinds: KindDef[] = [
  defineKind({
    ...core, kind: 'Namespace', resource: 'namespaces', singular: 'namespace', namespaced: false,
    shortNames: ['ns'], subresources: ['status', 'finalize'], hasStatus: true,
    fieldSelectors: { 'status.phase': fieldAt('status.phase') },
    applyDefaults: defaultNamespace, validate: validateNamespace,
  }),
  defineKind({
    ...core, kind: 'Pod', resource: 'pods', singular: 'pod', namespaced: true, shortNames: ['po'], categories: ['all'],
    subresources: ['status', 'binding', 'log', 'exec', 'attach', 'portforward', 'proxy', 'eviction', 'ephemeralcontainers'],
    hasStatus: true,
    fieldSelectors: {
      'spec.nodeName': fieldAt('spec.nodeName'),
      'spec.restartPolicy': fieldAt('spec.restartPolicy'),
      'spec.schedulerName': fieldAt('spec.schedulerName'),
      'spec.serviceAccountName': fieldAt('spec.serviceAccountName'),
      'spec.hostNetwork': boolFieldAt('spec.hostNetwork'),
      'status.phase': fieldAt('status.phase'),
      'status.podIP': fieldAt('status.podIP'),
      'status.nominatedNodeName': fieldAt('status.nominatedNodeName'),
    },
    applyDefaults: defaultPod, validate: validatePod, validateUpdate: validatePodUpdate,
  }),
  defineKind({
    ...core, kind: 'Binding', resource: 'bindings', singular: 'binding', namespaced: true, verbs: createOnly,
  }),
  defineKind({
    ...core, kind: 'Service', resource: 'services', singular: 'service', namespaced: true, shortNames: ['svc'],
    categories: ['all'], subresources: ['status', 'proxy'], hasStatus: true,
    fieldSelectors: { 'spec.clusterIP': fieldAt('spec.clusterIP'), 'spec.type': fieldAt('spec.type') },
    applyDefaults: defaultService, validate: validateService, validateUpdate: validateServiceUpdate,
  }),
  defineKind({
    ...core, kind: 'Endpoints', resource: 'endpoints', singular: 'endpoints', namespaced: true, shortNames: ['ep'],
    applyDefaults: defaultEndpoints, validate: validateEndpoints,
  }),
  defineKind({
    ...core, kind: 'ConfigMap', resource: 'configmaps', singular: 'configmap', namespaced: true, shortNames: ['cm'],
    validate: validateConfigMap, validateUpdate: validateConfigMapUpdate,
  }),
  defineKind({
    ...core, kind: 'Secret', resource: 'secrets', singular: 'secret', namespaced: true,
    fieldSelectors: { type: fieldAt('type') },
    applyDefaults: defaultSecret, validate: validateSecret, validateUpdate: validateSecretUpdate,
  }),
  defineKind({
    ...core, kind: 'ServiceAccount', resource: 'serviceaccounts', singular: 'serviceaccount', namespaced: true,
    shortNames: ['sa'], subresources: ['token'], validate: validateServiceAccount,
  }),
  defineKind({
    ...core, kind: 'Node', resource: 'nodes', singular: 'node', namespaced: false, shortNames: ['no'],
    subresources: ['status', 'proxy'], hasStatus: true,
    fieldSelectors: { 'spec.unschedulable': boolFieldAt('spec.unschedulable') },
    applyDefaults: defaultNode, validate: validateNode, validateUpdate: validateNodeUpdate,
  }),
  defineKind({
    ...core, kind: 'Event', resource: 'events', singular: 'event', namespaced: true, shortNames: ['ev'],
    fieldSelectors: coreEventFieldSelectors, validate: validateCoreEvent,
  }),
  defineKind({
    ...core, kind: 'PersistentVolume', resource: 'persistentvolumes', singular: 'persistentvolume', namespaced: false,
    shortNames: ['pv'], subresources: ['status'], hasStatus: true,
    applyDefaults: defaultPersistentVolume, validate: validatePersistentVolume,
  }),
  defineKind({
    ...core, kind: 'PersistentVolumeClaim', resource: 'persistentvolumeclaims', singular: 'persistentvolumeclaim',
    namespaced: true, shortNames: ['pvc'], subresources: ['status'], hasStatus: true,
    applyDefaults: defaultPersistentVolumeClaim, validate: validatePersistentVolumeClaim,
    validateUpdate: validatePersistentVolumeClaimUpdate,
  }),
  defineKind({
    ...core, kind: 'LimitRange', resource: 'limitranges', singular: 'limitrange', namespaced: true, shortNames: ['limits'],
    applyDefaults: defaultLimitRange, validate: validateLimitRange,
  }),
  defineKind({
    ...core, kind: 'ResourceQuota', resource: 'resourcequotas', singular: 'resourcequota', namespaced: true,
    shortNames: ['quota'], subresources: ['status'], hasStatus: true, validate: validateResourceQuota,
  }),
  defineKind({
    ...core, kind: 'ReplicationController', resource: 'replicationcontrollers', singular: 'replicationcontroller',
    namespaced: true, shortNames: ['rc'], categories: ['all'], subresources: ['status', 'scale'], hasStatus: true,
    scale: scaleReplicas,
    fieldSelectors: { 'status.replicas': intFieldAt('status.replicas') },
    applyDefaults: defaultReplicationController, validate: validateReplicationController,
    validateUpdate: validateObjectMetaUpdate,
  }),
  defineKind({
    ...core, kind: 'PodTemplate', resource: 'podtemplates', singular: 'podtemplate', namespaced: true,
    applyDefaults: defaultPodTemplate, validate: validatePodTemplate,
  }),
];
