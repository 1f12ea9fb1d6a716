// Non-negative / positive integer field rules (upstream ValidateNonnegativeField and friends).
import type { FieldError } from '../errors.js';
import { invalid } from './field-errors.js';

export function nonNegative(value: unknown, field: string): FieldError[] {
  return typeof value === 'number' && value < 0 ? [invalid(field, value, 'must be greater than or equal to 0')] : [];
}

export function positive(value: unknown, field: string): FieldError[] {
  return typeof value === 'number' && value <= 0 ? [invalid(field, value, 'must be greater than 0')] : [];
}
