// scheduling.k8s.io/v1 PriorityClass validation (upstream pkg/apis/scheduling/validation).
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../kinds.js';
import { forbidden, notSupported } from './field-errors.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';

/** Upstream HighestUserDefinablePriority. */
export const highestUserDefinablePriority = 1_000_000_000;
/** Built-in classes that may exceed the user limit. */
export const systemPriorityClasses: Record<string, number> = {
  'system-node-critical': 2_000_001_000,
  'system-cluster-critical': 2_000_000_000,
};
const preemptionPolicies = ['Never', 'PreemptLowerPriority'];

export function validatePriorityClass(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, { namespaced: false });
  const name = String(obj.metadata?.name ?? '');
  if (name in systemPriorityClasses) {
    if (obj.value !== systemPriorityClasses[name]) {
      errs.push(forbidden('metadata.name', `${name} is a system priority class name, its value must be ${systemPriorityClasses[name]}`));
    }
  } else {
    if (name.startsWith('system-')) errs.push(forbidden('metadata.name', "priority class names with 'system-' prefix are reserved"));
    if (typeof obj.value === 'number' && obj.value > highestUserDefinablePriority) {
      errs.push(forbidden('value', `maximum allowed value of a user defined priority is ${highestUserDefinablePriority}`));
    }
  }
  if (obj.preemptionPolicy !== undefined && !preemptionPolicies.includes(obj.preemptionPolicy)) {
    errs.push(notSupported('preemptionPolicy', obj.preemptionPolicy, preemptionPolicies));
  }
  return errs;
}

export function validatePriorityClassUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj, old);
  if (obj.value !== old.value) errs.push(forbidden('value', 'may not be changed in an update.'));
  if (obj.preemptionPolicy !== old.preemptionPolicy) errs.push(forbidden('preemptionPolicy', 'may not be changed in an update.'));
  return errs;
}
