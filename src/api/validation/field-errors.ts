// Constructors for FieldError that render like upstream's field.Error.ErrorBody():
// "<Type>: <bad value>: <detail>", where strings are quoted (Go %q) and other values
// are printed compactly. The lead's InvalidError prefixes "<field>: ".
import type { FieldError } from '../errors.js';

/** Renders a bad value the way upstream prints it: strings quoted, numbers/bools bare, others as JSON. */
export function formatBadValue(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

function withDetail(body: string, detail?: string): string {
  return detail ? `${body}: ${detail}` : body;
}

export function required(field: string, detail?: string): FieldError {
  return { type: 'FieldValueRequired', field, message: withDetail('Required value', detail) };
}

export function invalid(field: string, value: unknown, detail?: string): FieldError {
  return { type: 'FieldValueInvalid', field, message: withDetail(`Invalid value: ${formatBadValue(value)}`, detail) };
}

export function notSupported(field: string, value: unknown, supported: readonly string[]): FieldError {
  const list = supported.map((s) => JSON.stringify(s)).join(', ');
  return {
    type: 'FieldValueNotSupported',
    field,
    message: withDetail(`Unsupported value: ${formatBadValue(value)}`, supported.length ? `supported values: ${list}` : undefined),
  };
}

export function forbidden(field: string, detail?: string): FieldError {
  return { type: 'FieldValueForbidden', field, message: withDetail('Forbidden', detail) };
}

export function duplicate(field: string, value: unknown): FieldError {
  return { type: 'FieldValueDuplicate', field, message: `Duplicate value: ${formatBadValue(value)}` };
}

/** Upstream field.TooLong: "Too long: may not be more than N bytes". */
export function tooLong(field: string, max: number): FieldError {
  return { type: 'FieldValueTooLong', field, message: `Too long: may not be more than ${max} bytes` };
}

export function tooMany(field: string, actual: number, max: number): FieldError {
  return { type: 'FieldValueTooMany', field, message: `Too many: ${actual}: must have at most ${max} items` };
}

/**
 * Upstream field.NotFound ("Not found: <value>"). FieldError has no NotFound type, so it is
 * carried as FieldValueInvalid with the upstream text.
 */
export function notFound(field: string, value: unknown): FieldError {
  return { type: 'FieldValueInvalid', field, message: `Not found: ${formatBadValue(value)}` };
}

/** Upstream ValidateImmutableField: `Invalid value: <new>: field is immutable`. */
export function immutable(field: string, value: unknown): FieldError {
  return invalid(field, value, 'field is immutable');
}

/** Structural equality for JSON values (undefined and missing keys are the same). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return a === b;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) {
    if (!deepEqual(ao[k], bo[k])) return false;
  }
  return true;
}
