// Pod, pod spec and pod template validation (upstream ValidatePodSpec, ValidatePodUpdate,
// ValidatePodTemplateSpec).
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../kinds.js';
import { validateContainers } from './container.js';
import { deepEqual, forbidden, invalid, notSupported, required } from './field-errors.js';
import { validateAnnotations, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { inclusiveRangeError, isDNS1123Label, isDNS1123Subdomain, isQualifiedName } from './names.js';
import { validateVolumes } from './volumes.js';

type Obj = Record<string, any>;

const restartPolicies = ['Always', 'OnFailure', 'Never'];
const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const tolerationOperators = ['Equal', 'Exists'];
const taintEffects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function validateTolerations(tolerations: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(tolerations)) return errs;
  tolerations.forEach((t: Obj, i) => {
    const tp = `${field}[${i}]`;
    if (t?.key) for (const m of isQualifiedName(t.key)) errs.push(invalid(`${tp}.key`, t.key, m));
    if (!t?.key && t?.operator !== 'Exists') {
      errs.push(invalid(`${tp}.operator`, t?.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t?.tolerationSeconds != null && t?.effect !== 'NoExecute') {
      errs.push(invalid(`${tp}.effect`, t?.effect ?? '', 'effect must be \'NoExecute\' when `tolerationSeconds` is set'));
    }
    if (t?.operator && !tolerationOperators.includes(t.operator)) errs.push(notSupported(`${tp}.operator`, t.operator, tolerationOperators));
    if (t?.operator === 'Exists' && t?.value) errs.push(invalid(`${tp}.operator`, t.value, 'value must be empty when `operator` is \'Exists\''));
    if (t?.effect && !taintEffects.includes(t.effect)) errs.push(notSupported(`${tp}.effect`, t.effect, taintEffects));
  });
  return errs;
}

export function validatePodSpec(spec: Obj | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!spec) return [required(field)];
  const volumes = validateVolumes(spec.volumes, `${field}.volumes`, errs);
  const names = new Set<string>();
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) errs.push(required(`${field}.containers`));
  validateContainers(spec.containers, `${field}.containers`, volumes, names, errs);
  validateContainers(spec.initContainers, `${field}.initContainers`, volumes, names, errs);
  if (spec.restartPolicy !== undefined && !restartPolicies.includes(spec.restartPolicy)) {
    errs.push(notSupported(`${field}.restartPolicy`, spec.restartPolicy, restartPolicies));
  }
  if (spec.dnsPolicy !== undefined && !dnsPolicies.includes(spec.dnsPolicy)) {
    errs.push(notSupported(`${field}.dnsPolicy`, spec.dnsPolicy, dnsPolicies));
  }
  if (spec.dnsPolicy === 'None' && !spec.dnsConfig) {
    errs.push(required(`${field}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None'));
  }
  if (spec.activeDeadlineSeconds != null) {
    const v = spec.activeDeadlineSeconds;
    if (!Number.isInteger(v) || v < 1 || v > 2147483647) errs.push(invalid(`${field}.activeDeadlineSeconds`, v, inclusiveRangeError(1, 2147483647)));
  }
  if (typeof spec.terminationGracePeriodSeconds === 'number' && spec.terminationGracePeriodSeconds < 0) {
    errs.push(invalid(`${field}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds, 'must be greater than or equal to 0'));
  }
  errs.push(...validateLabels(spec.nodeSelector, `${field}.nodeSelector`));
  errs.push(...validateTolerations(spec.tolerations, `${field}.tolerations`));
  for (const key of ['hostname', 'subdomain'] as const) {
    if (spec[key]) for (const m of isDNS1123Label(spec[key])) errs.push(invalid(`${field}.${key}`, spec[key], m));
  }
  if (spec.serviceAccountName) {
    for (const m of isDNS1123Subdomain(spec.serviceAccountName)) errs.push(invalid(`${field}.serviceAccountName`, spec.serviceAccountName, m));
  }
  if (spec.nodeName) {
    for (const m of isDNS1123Subdomain(spec.nodeName)) errs.push(invalid(`${field}.nodeName`, spec.nodeName, m));
  }
  return errs;
}

export function validatePod(pod: KubeObject): FieldError[] {
  return [...validateObjectMeta(pod, { namespaced: true }), ...validatePodSpec(pod.spec, 'spec')];
}

/** Upstream's wording for a forbidden pod spec change (the diff it appends is left out). */
export const podUpdateForbiddenMessage =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

function copyImages(from: Obj[] | undefined, to: Obj[] | undefined): void {
  if (!Array.isArray(from) || !Array.isArray(to)) return;
  to.forEach((c, i) => {
    if (from[i] && c) c.image = from[i].image;
  });
}

export function validatePodUpdate(pod: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(pod, old);
  const spec: Obj = structuredClone(pod.spec ?? {});
  const oldSpec: Obj = old.spec ?? {};
  // Mutable fields: images, activeDeadlineSeconds (set or lowered), tolerations (additions only).
  copyImages(oldSpec.containers, spec.containers);
  copyImages(oldSpec.initContainers, spec.initContainers);
  const newDeadline = spec.activeDeadlineSeconds;
  const oldDeadline = oldSpec.activeDeadlineSeconds;
  if (oldDeadline != null && (newDeadline == null || newDeadline > oldDeadline)) {
    errs.push(invalid('spec.activeDeadlineSeconds', newDeadline ?? null, 'must be less than or equal to previous value'));
  }
  spec.activeDeadlineSeconds = oldDeadline;
  const oldTolerations: Obj[] = Array.isArray(oldSpec.tolerations) ? oldSpec.tolerations : [];
  const newTolerations: Obj[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  if (oldTolerations.every((t) => newTolerations.some((n) => deepEqual(n, t)))) spec.tolerations = oldSpec.tolerations;
  if (typeof oldSpec.terminationGracePeriodSeconds === 'number' && oldSpec.terminationGracePeriodSeconds < 0 && spec.terminationGracePeriodSeconds === 1) {
    spec.terminationGracePeriodSeconds = oldSpec.terminationGracePeriodSeconds;
  }
  // Scheduling gates may only be removed.
  const oldGates: Obj[] = Array.isArray(oldSpec.schedulingGates) ? oldSpec.schedulingGates : [];
  const newGates: Obj[] = Array.isArray(spec.schedulingGates) ? spec.schedulingGates : [];
  if (newGates.every((g) => oldGates.some((o) => deepEqual(o, g)))) spec.schedulingGates = oldSpec.schedulingGates;
  if (!deepEqual(spec, oldSpec)) errs.push(forbidden('spec', podUpdateForbiddenMessage));
  return errs;
}

/** A PodTemplateSpec as embedded in workloads: labels, annotations and a full pod spec. */
export function validatePodTemplateSpec(template: Obj | undefined, field: string, opts: { allowActiveDeadline?: boolean } = {}): FieldError[] {
  if (!template) return [required(field)];
  const errs: FieldError[] = [];
  errs.push(...validateLabels(template.metadata?.labels, `${field}.metadata.labels`));
  errs.push(...validateAnnotations(template.metadata?.annotations, `${field}.metadata.annotations`));
  errs.push(...validatePodSpec(template.spec, `${field}.spec`));
  // Upstream: replica-managing controllers cannot run pods with a deadline (Jobs can).
  if (!opts.allowActiveDeadline && template.spec?.activeDeadlineSeconds != null) {
    errs.push(invalid(`${field}.spec.activeDeadlineSeconds`, template.spec.activeDeadlineSeconds, 'activeDeadlineSeconds in ReplicaSet is not Supported'));
  }
  return errs;
}

/** core/v1 PodTemplate objects. */
export function validatePodTemplate(obj: KubeObject): FieldError[] {
  return [...validateObjectMeta(obj, { namespaced: true }), ...validatePodTemplateSpec(obj.template, 'template', { allowActiveDeadline: true })];
}
