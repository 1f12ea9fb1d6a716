// apps/v1 and ReplicationController validation (upstream pkg/apis/apps/validation and
// core ValidateReplicationController).
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../kinds.js';
import { selectorFromSet } from '../labels.js';
import { deepEqual, forbidden, immutable, invalid, notSupported, required } from './field-errors.js';
import { isZeroIntOrPercent, validateNotMoreThan100Percent, validatePositiveIntOrPercent } from './intstr.js';
import { validateWorkloadSelector } from './label-selector.js';
import { validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { nonNegative } from './numbers.js';
import { validatePodTemplateSpec } from './pod.js';

type Obj = Record<string, any>;

/** Pods of replica-managing controllers must restart: only "Always" is allowed. */
function validateAlwaysRestart(spec: Obj): FieldError[] {
  const policy = spec.template?.spec?.restartPolicy;
  return policy !== undefined && policy !== 'Always' ? [notSupported('spec.template.spec.restartPolicy', policy, ['Always'])] : [];
}

function validateReplicatedSpec(obj: KubeObject, kindName: string, template: Obj | undefined = obj.spec?.template): FieldError[] {
  const spec: Obj = obj.spec ?? {};
  const errs = [...validateObjectMeta(obj, { namespaced: true })];
  errs.push(...nonNegative(spec.replicas, 'spec.replicas'));
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  errs.push(...validateWorkloadSelector(spec, kindName));
  errs.push(...validatePodTemplateSpec(template, 'spec.template'));
  errs.push(...validateAlwaysRestart(spec));
  return errs;
}

/**
 * A StatefulSet's containers mount its volumeClaimTemplates by name; the controller adds those
 * volumes to each pod, so the template is validated as if it had them.
 */
function withClaimVolumes(spec: Obj): Obj | undefined {
  const template = spec.template;
  const claims: Obj[] = Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : [];
  if (!template || typeof template !== 'object' || !claims.length) return template;
  const volumes: Obj[] = Array.isArray(template.spec?.volumes) ? template.spec.volumes : [];
  const have = new Set(volumes.map((v) => v?.name));
  const extra = claims.map((c) => c?.metadata?.name).filter((n): n is string => typeof n === 'string' && !have.has(n))
    .map((name) => ({ name, persistentVolumeClaim: { claimName: name } }));
  return { ...template, spec: { ...(template.spec ?? {}), volumes: [...volumes, ...extra] } };
}

function validateSelectorImmutable(obj: KubeObject, old: KubeObject): FieldError[] {
  const sel = obj.spec?.selector;
  return deepEqual(sel, old.spec?.selector) ? [] : [immutable('spec.selector', sel ?? null)];
}

function validateRollingLimits(ru: Obj | undefined, field: string): FieldError[] {
  if (!ru) return [];
  const errs: FieldError[] = [];
  errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, `${field}.maxUnavailable`));
  errs.push(...validatePositiveIntOrPercent(ru.maxSurge, `${field}.maxSurge`));
  errs.push(...validateNotMoreThan100Percent(ru.maxUnavailable, `${field}.maxUnavailable`));
  if (isZeroIntOrPercent(ru.maxUnavailable) && (ru.maxSurge === undefined || isZeroIntOrPercent(ru.maxSurge))) {
    errs.push(invalid(`${field}.maxUnavailable`, ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
  }
  return errs;
}

export function validateDeployment(obj: KubeObject): FieldError[] {
  const spec: Obj = obj.spec ?? {};
  const errs = validateReplicatedSpec(obj, 'deployment');
  const strategy: Obj = spec.strategy ?? {};
  const types = ['Recreate', 'RollingUpdate'];
  if (strategy.type !== undefined && !types.includes(strategy.type)) errs.push(notSupported('spec.strategy.type', strategy.type, types));
  if (strategy.type === 'Recreate' && strategy.rollingUpdate) {
    errs.push(forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
  }
  errs.push(...validateRollingLimits(strategy.rollingUpdate, 'spec.strategy.rollingUpdate'));
  if (typeof spec.progressDeadlineSeconds === 'number') {
    errs.push(...nonNegative(spec.progressDeadlineSeconds, 'spec.progressDeadlineSeconds'));
    if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
      errs.push(invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

export function validateReplicaSet(obj: KubeObject): FieldError[] {
  return validateReplicatedSpec(obj, 'replicaset');
}

/** apps/v1: selectors may not change after creation. */
export function validateSelectorUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  return [...validateObjectMetaUpdate(obj, old), ...validateSelectorImmutable(obj, old)];
}

export function validateStatefulSet(obj: KubeObject): FieldError[] {
  const spec: Obj = obj.spec ?? {};
  const errs = validateReplicatedSpec(obj, 'statefulset', withClaimVolumes(spec));
  const policies = ['OrderedReady', 'Parallel'];
  if (spec.podManagementPolicy !== undefined && !policies.includes(spec.podManagementPolicy)) {
    errs.push(notSupported('spec.podManagementPolicy', spec.podManagementPolicy, policies));
  }
  const strategy: Obj = spec.updateStrategy ?? {};
  const types = ['OnDelete', 'RollingUpdate'];
  if (strategy.type !== undefined && !types.includes(strategy.type)) errs.push(notSupported('spec.updateStrategy', strategy.type, types));
  if (strategy.type === 'OnDelete' && strategy.rollingUpdate) {
    errs.push(invalid('spec.updateStrategy.rollingUpdate', strategy.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
  }
  errs.push(...nonNegative(strategy.rollingUpdate?.partition, 'spec.updateStrategy.rollingUpdate.partition'));
  const retention = ['Retain', 'Delete'];
  for (const key of ['whenDeleted', 'whenScaled']) {
    const v = spec.persistentVolumeClaimRetentionPolicy?.[key];
    if (v !== undefined && !retention.includes(v)) errs.push(notSupported(`spec.persistentVolumeClaimRetentionPolicy.${key}`, v, retention));
  }
  return errs;
}

const statefulSetMutable = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

export function validateStatefulSetUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj, old);
  const strip = (spec: Obj | undefined) => {
    const copy: Obj = { ...(spec ?? {}) };
    for (const k of statefulSetMutable) delete copy[k];
    return copy;
  };
  if (!deepEqual(strip(obj.spec), strip(old.spec))) {
    errs.push(forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
  }
  return errs;
}

export function validateDaemonSet(obj: KubeObject): FieldError[] {
  const spec: Obj = obj.spec ?? {};
  const errs = [...validateObjectMeta(obj, { namespaced: true })];
  errs.push(...validateWorkloadSelector(spec, 'daemonset'));
  errs.push(...validatePodTemplateSpec(spec.template, 'spec.template'));
  errs.push(...validateAlwaysRestart(spec));
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  const strategy: Obj = spec.updateStrategy ?? {};
  const types = ['OnDelete', 'RollingUpdate'];
  if (strategy.type !== undefined && !types.includes(strategy.type)) errs.push(notSupported('spec.updateStrategy.type', strategy.type, types));
  errs.push(...validateRollingLimits(strategy.rollingUpdate, 'spec.updateStrategy.rollingUpdate'));
  return errs;
}

export function validateReplicationController(obj: KubeObject): FieldError[] {
  const spec: Obj = obj.spec ?? {};
  const errs = [...validateObjectMeta(obj, { namespaced: true })];
  errs.push(...nonNegative(spec.replicas, 'spec.replicas'));
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  const selector = spec.selector as Record<string, string> | undefined;
  if (!selector || Object.keys(selector).length === 0) errs.push(required('spec.selector'));
  else errs.push(...validateLabels(selector, 'spec.selector'));
  if (!spec.template) {
    errs.push(required('spec.template'));
    return errs;
  }
  const labels = spec.template.metadata?.labels as Record<string, string> | undefined;
  if (selector && Object.keys(selector).length && !selectorFromSet(selector).matches(labels ?? {})) {
    errs.push(invalid('spec.template.metadata.labels', labels ?? {}, '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodTemplateSpec(spec.template, 'spec.template'));
  errs.push(...validateAlwaysRestart(spec));
  return errs;
}

export function validateControllerRevision(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, { namespaced: true });
  errs.push(...nonNegative(obj.revision, 'revision'));
  return errs;
}

export function validateControllerRevisionUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj, old);
  if (!deepEqual(obj.data, old.data)) errs.push(immutable('data', obj.data ?? null));
  return errs;
}
