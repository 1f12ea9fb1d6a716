// IntOrString rules for rollout limits (upstream ValidatePositiveIntOrPercent,
// IsNotMoreThan100Percent).
import type { FieldError } from '../errors.js';
import { invalid } from './field-errors.js';

const percentRe = /^[0-9]+%$/;

export function validatePositiveIntOrPercent(value: unknown, field: string): FieldError[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') {
    if (!percentRe.test(value)) {
      return [invalid(field, value, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
    }
    return [];
  }
  if (typeof value === 'number' && value < 0) return [invalid(field, value, 'must be greater than or equal to 0')];
  return [];
}

export function validateNotMoreThan100Percent(value: unknown, field: string): FieldError[] {
  if (typeof value === 'string' && percentRe.test(value) && Number(value.slice(0, -1)) > 100) {
    return [invalid(field, value, 'must not be greater than 100%')];
  }
  return [];
}

/** True for 0 and "0%". */
export function isZeroIntOrPercent(value: unknown): boolean {
  return value === 0 || value === '0%';
}
