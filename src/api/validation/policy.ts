// policy/v1 PodDisruptionBudget validation (upstream pkg/apis/policy/validation).
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../kinds.js';
import { invalid, notSupported } from './field-errors.js';
import { validatePositiveIntOrPercent, validateNotMoreThan100Percent } from './intstr.js';
import { validateLabelSelector } from './label-selector.js';
import { validateObjectMeta } from './meta.js';

const evictionPolicies = ['AlwaysAllow', 'IfHealthyBudget'];

export function validatePodDisruptionBudget(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, { namespaced: true });
  const spec: Record<string, any> = obj.spec ?? {};
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    errs.push(invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  }
  for (const key of ['minAvailable', 'maxUnavailable']) {
    errs.push(...validatePositiveIntOrPercent(spec[key], `spec.${key}`));
    errs.push(...validateNotMoreThan100Percent(spec[key], `spec.${key}`));
  }
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  if (spec.unhealthyPodEvictionPolicy !== undefined && !evictionPolicies.includes(spec.unhealthyPodEvictionPolicy)) {
    errs.push(notSupported('spec.unhealthyPodEvictionPolicy', spec.unhealthyPodEvictionPolicy, evictionPolicies));
  }
  return errs;
}
