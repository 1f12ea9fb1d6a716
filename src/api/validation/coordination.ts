// coordination.k8s.io/v1 Lease validation (upstream pkg/apis/coordination/validation).
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../kinds.js';
import { validateObjectMeta } from './meta.js';
import { nonNegative, positive } from './numbers.js';

export function validateLease(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, { namespaced: true });
  errs.push(...positive(obj.spec?.leaseDurationSeconds, 'spec.leaseDurationSeconds'));
  errs.push(...nonNegative(obj.spec?.leaseTransitions, 'spec.leaseTransitions'));
  return errs;
}
