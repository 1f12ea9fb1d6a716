// apps/v1 kinds.
import type { KindDef } from '../kinds.js';
import { defaultDaemonSet, defaultDeployment, defaultReplicaSet, defaultStatefulSet } from '../defaults/workloads.js';
import {
  validateControllerRevision, validateControllerRevisionUpdate, validateDaemonSet, validateDeployment,
  validateReplicaSet, validateSelectorUpdate, validateStatefulSet, validateStatefulSetUpdate,
} from '../validation/workloads.js';
import { defineKind, intFieldAt, scaleReplicas } from './define.js';

const apps = { group: 'apps', version: 'v1' } as const;

export const appsKinds: KindDef[] = [
  defineKind({
    ...apps, kind: 'Deployment', resource: 'deployments', singular: 'deployment', namespaced: true,
    shortNames: ['deploy'], categories: ['all'], subresources: ['status', 'scale'], hasStatus: true, scale: scaleReplicas,
    applyDefaults: defaultDeployment, validate: validateDeployment, validateUpdate: validateSelectorUpdate,
  }),
  defineKind({
    ...apps, kind: 'ReplicaSet', resource: 'replicasets', singular: 'replicaset', namespaced: true,
    shortNames: ['rs'], categories: ['all'], subresources: ['status', 'scale'], hasStatus: true, scale: scaleReplicas,
    fieldSelectors: { 'status.replicas': intFieldAt('status.replicas') },
    applyDefaults: defaultReplicaSet, validate: validateReplicaSet, validateUpdate: validateSelectorUpdate,
  }),
  defineKind({
    ...apps, kind: 'StatefulSet', resource: 'statefulsets', singular: 'statefulset', namespaced: true,
    shortNames: ['sts'], categories: ['all'], subresources: ['status', 'scale'], hasStatus: true, scale: scaleReplicas,
    applyDefaults: defaultStatefulSet, validate: validateStatefulSet, validateUpdate: validateStatefulSetUpdate,
  }),
  defineKind({
    ...apps, kind: 'DaemonSet', resource: 'daemonsets', singular: 'daemonset', namespaced: true,
    shortNames: ['ds'], categories: ['all'], subresources: ['status'], hasStatus: true,
    applyDefaults: defaultDaemonSet, validate: validateDaemonSet, validateUpdate: validateSelectorUpdate,
  }),
  defineKind({
    ...apps, kind: 'ControllerRevision', resource: 'controllerrevisions', singular: 'controllerrevision', namespaced: true,
    validate: validateControllerRevision, validateUpdate: validateControllerRevisionUpdate,
  }),
];
