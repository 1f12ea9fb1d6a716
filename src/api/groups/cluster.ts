// Cluster-level groups: coordination, policy, RBAC, storage, scheduling, and the create-only
// review APIs of authentication and authorization.
import type { KindDef } from '../kinds.js';
import { defaultPriorityClass } from '../defaults/scheduling.js';
import { defaultCSIDriver, defaultStorageClass } from '../defaults/storage.js';
import { validateLease } from '../validation/coordination.js';
import { validatePodDisruptionBudget } from '../validation/policy.js';
import {
  validateBindingUpdate, validateClusterRole, validateClusterRoleBinding, validateRole, validateRoleBinding,
} from '../validation/rbac.js';
import { validatePriorityClass, validatePriorityClassUpdate } from '../validation/scheduling.js';
import {
  validateCSIDriver, validateCSIDriverUpdate, validateCSINode, validateStorageClass, validateStorageClassUpdate,
  validateVolumeAttachment, validateVolumeAttachmentUpdate,
} from '../validation/storage.js';
import { createOnly, defineKind } from './define.js';

const rbac = { group: 'rbac.authorization.k8s.io', version: 'v1' } as const;
const storage = { group: 'storage.k8s.io', version: 'v1' } as const;
const authz = { group: 'authorization.k8s.io', version: 'v1', verbs: createOnly } as const;
const authn = { group: 'authentication.k8s.io', version: 'v1', verbs: createOnly } as const;

export const clusterKinds: KindDef[] = [
  defineKind({
    group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', resource: 'leases', singular: 'lease', namespaced: true,
    validate: validateLease,
  }),
  defineKind({
    group: 'policy', version: 'v1', kind: 'PodDisruptionBudget', resource: 'poddisruptionbudgets',
    singular: 'poddisruptionbudget', namespaced: true, shortNames: ['pdb'], subresources: ['status'], hasStatus: true,
    validate: validatePodDisruptionBudget,
  }),
  defineKind({ ...rbac, kind: 'Role', resource: 'roles', singular: 'role', namespaced: true, validate: validateRole }),
  defineKind({
    ...rbac, kind: 'RoleBinding', resource: 'rolebindings', singular: 'rolebinding', namespaced: true,
    validate: validateRoleBinding, validateUpdate: validateBindingUpdate,
  }),
  defineKind({ ...rbac, kind: 'ClusterRole', resource: 'clusterroles', singular: 'clusterrole', namespaced: false, validate: validateClusterRole }),
  defineKind({
    ...rbac, kind: 'ClusterRoleBinding', resource: 'clusterrolebindings', singular: 'clusterrolebinding', namespaced: false,
    validate: validateClusterRoleBinding, validateUpdate: validateBindingUpdate,
  }),
  defineKind({
    ...storage, kind: 'StorageClass', resource: 'storageclasses', singular: 'storageclass', namespaced: false,
    shortNames: ['sc'], applyDefaults: defaultStorageClass, validate: validateStorageClass,
    validateUpdate: validateStorageClassUpdate,
  }),
  defineKind({
    ...storage, kind: 'CSIDriver', resource: 'csidrivers', singular: 'csidriver', namespaced: false,
    applyDefaults: defaultCSIDriver, validate: validateCSIDriver, validateUpdate: validateCSIDriverUpdate,
  }),
  defineKind({ ...storage, kind: 'CSINode', resource: 'csinodes', singular: 'csinode', namespaced: false, validate: validateCSINode }),
  defineKind({
    ...storage, kind: 'VolumeAttachment', resource: 'volumeattachments', singular: 'volumeattachment', namespaced: false,
    subresources: ['status'], hasStatus: true,
    validate: validateVolumeAttachment, validateUpdate: validateVolumeAttachmentUpdate,
  }),
  defineKind({
    group: 'scheduling.k8s.io', version: 'v1', kind: 'PriorityClass', resource: 'priorityclasses', singular: 'priorityclass',
    namespaced: false, shortNames: ['pc'], applyDefaults: defaultPriorityClass, validate: validatePriorityClass,
    validateUpdate: validatePriorityClassUpdate,
  }),
  defineKind({ ...authz, kind: 'SelfSubjectAccessReview', resource: 'selfsubjectaccessreviews', singular: 'selfsubjectaccessreview', namespaced: false, validate: () => [] }),
  defineKind({ ...authz, kind: 'SelfSubjectRulesReview', resource: 'selfsubjectrulesreviews', singular: 'selfsubjectrulesreview', namespaced: false, validate: () => [] }),
  defineKind({ ...authz, kind: 'SubjectAccessReview', resource: 'subjectaccessreviews', singular: 'subjectaccessreview', namespaced: false, validate: () => [] }),
  defineKind({ ...authz, kind: 'LocalSubjectAccessReview', resource: 'localsubjectaccessreviews', singular: 'localsubjectaccessreview', namespaced: true, validate: () => [] }),
  defineKind({ ...authn, kind: 'TokenReview', resource: 'tokenreviews', singular: 'tokenreview', namespaced: false, validate: () => [] }),
  defineKind({ ...authn, kind: 'SelfSubjectReview', resource: 'selfsubjectreviews', singular: 'selfsubjectreview', namespaced: false, validate: () => [] }),
];
