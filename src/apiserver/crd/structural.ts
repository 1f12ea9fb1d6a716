// Structural schemas of CustomResourceDefinitions (apiextensions.k8s.io/v1 JSONSchemaProps):
// pruning of unknown fields, defaulting, and validation with upstream's messages.
import type { FieldError } from '../../api/errors.js';

export interface JSONSchemaProps {
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps | boolean;
  items?: JSONSchemaProps;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  allOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
}

/** Fields every object has, which a CRD schema need not declare. */
const objectRoot = new Set(['apiVersion', 'kind', 'metadata']);

/**
 * Removes fields the schema does not declare (unless it preserves unknown fields), as
 * upstream prunes custom resources. Returns the pruned paths, for fieldValidation.
 */
export function prune(obj: Record<string, unknown>, schema: JSONSchemaProps): string[] {
  const pruned: string[] = [];
  pruneObject(obj, schema, '', pruned, true);
  return pruned;
}

function pruneValue(value: unknown, schema: JSONSchemaProps | undefined, path: string, pruned: string[]): void {
  if (!schema || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => pruneValue(v, schema.items, `${path}[${i}]`, pruned));
    return;
  }
  pruneObject(value as Record<string, unknown>, schema, path, pruned, schema['x-kubernetes-embedded-resource'] === true);
}

function pruneObject(obj: Record<string, unknown>, schema: JSONSchemaProps, path: string, pruned: string[], isRoot: boolean): void {
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  for (const key of Object.keys(obj)) {
    const child = path ? `${path}.${key}` : key;
    if (isRoot && objectRoot.has(key)) {
      if (key === 'metadata' && schema.properties?.metadata) continue;
      continue;
    }
    const prop = schema.properties?.[key];
    if (prop) {
      pruneValue(obj[key], prop, child, pruned);
    } else if (typeof schema.additionalProperties === 'object') {
      pruneValue(obj[key], schema.additionalProperties, child, pruned);
    } else if (!preserve && schema.additionalProperties !== true) {
      delete obj[key];
      pruned.push(child);
    }
  }
}

/** Fills `default`s from the schema where fields are absent, as upstream's structural defaulting. */
export function applySchemaDefaults(value: unknown, schema: JSONSchemaProps | undefined): void {
  if (!schema || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const v of value) applySchemaDefaults(v, schema.items);
    return;
  }
  const obj = value as Record<string, unknown>;
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (obj[key] === undefined && prop.default !== undefined) obj[key] = structuredClone(prop.default);
    if (obj[key] === null && prop.default !== undefined && !prop.nullable) obj[key] = structuredClone(prop.default);
    applySchemaDefaults(obj[key], prop);
  }
  if (typeof schema.additionalProperties === 'object') {
    for (const key of Object.keys(obj)) applySchemaDefaults(obj[key], schema.additionalProperties);
  }
}

/** Validates a custom resource against its schema (the metadata is validated elsewhere). */
export function validateAgainstSchema(obj: Record<string, unknown>, schema: JSONSchemaProps): FieldError[] {
  const errors: FieldError[] = [];
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (key === 'metadata' || key === 'apiVersion' || key === 'kind') continue;
    if (obj[key] !== undefined) validateValue(obj[key], prop, key, errors);
  }
  for (const req of schema.required ?? []) {
    if (obj[req] === undefined && !objectRoot.has(req)) errors.push({ type: 'FieldValueRequired', field: req, message: 'Required value' });
  }
  return errors;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
}

function validateValue(value: unknown, s: JSONSchemaProps, path: string, errors: FieldError[]): void {
  const invalid = (message: string) => errors.push({ type: 'FieldValueInvalid', field: path, message: `Invalid value: ${show(value)}: ${message}` });
  if (value === null) {
    if (!s.nullable) errors.push({ type: 'FieldValueInvalid', field: path, message: `Invalid value: "null": ${path} in body must be of type ${s.type ?? 'object'}: "null"` });
    return;
  }
  const actual = typeOf(value);
  if (s['x-kubernetes-int-or-string']) {
    if (actual !== 'integer' && actual !== 'string') invalid(`${path} in body must be of type integer-or-string: "${actual}"`);
  } else if (s.type) {
    const ok = s.type === actual || (s.type === 'number' && actual === 'integer');
    if (!ok) {
      errors.push({ type: 'FieldValueTypeInvalid', field: path, message: `Invalid value: ${show(value)}: ${path} in body must be of type ${s.type}: "${actual}"` });
      return;
    }
  }
  if (s.enum && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    errors.push({ type: 'FieldValueNotSupported', field: path, message: `Unsupported value: ${show(value)}: supported values: ${s.enum.map(show).join(', ')}` });
  }
  if (typeof value === 'number') {
    if (s.minimum !== undefined && (s.exclusiveMinimum ? value <= s.minimum : value < s.minimum)) {
      invalid(`${path} in body should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${s.minimum}`);
    }
    if (s.maximum !== undefined && (s.exclusiveMaximum ? value >= s.maximum : value > s.maximum)) {
      invalid(`${path} in body should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${s.maximum}`);
    }
    if (s.multipleOf && value % s.multipleOf !== 0) invalid(`${path} in body should be a multiple of ${s.multipleOf}`);
  }
  if (typeof value === 'string') {
    if (s.maxLength !== undefined && value.length > s.maxLength) {
      errors.push({ type: 'FieldValueTooLong', field: path, message: `Too long: may not be longer than ${s.maxLength}` });
    }
    if (s.minLength !== undefined && value.length < s.minLength) invalid(`${path} in body should be at least ${s.minLength} chars long`);
    if (s.pattern !== undefined && !safeRegex(s.pattern)?.test(value)) invalid(`${path} in body should match '${s.pattern}'`);
  }
  if (Array.isArray(value)) {
    if (s.maxItems !== undefined && value.length > s.maxItems) {
      errors.push({ type: 'FieldValueTooMany', field: path, message: `Too many: ${value.length}: must have at most ${s.maxItems} items` });
    }
    if (s.minItems !== undefined && value.length < s.minItems) invalid(`${path} in body should have at least ${s.minItems} items`);
    if (s.items) value.forEach((v, i) => validateValue(v, s.items!, `${path}[${i}]`, errors));
    if (s.uniqueItems || s['x-kubernetes-list-type'] === 'set') {
      const seen = new Set<string>();
      value.forEach((v, i) => {
        const k = JSON.stringify(v);
        if (seen.has(k)) errors.push({ type: 'FieldValueDuplicate', field: `${path}[${i}]`, message: `Duplicate value: ${show(v)}` });
        seen.add(k);
      });
    }
  } else if (actual === 'object') {
    const obj = value as Record<string, unknown>;
    for (const [key, prop] of Object.entries(s.properties ?? {})) {
      if (obj[key] !== undefined) validateValue(obj[key], prop, `${path}.${key}`, errors);
    }
    if (typeof s.additionalProperties === 'object') {
      for (const [key, v] of Object.entries(obj)) {
        if (!s.properties?.[key]) validateValue(v, s.additionalProperties, `${path}.${key}`, errors);
      }
    }
    for (const req of s.required ?? []) {
      if (obj[req] === undefined) errors.push({ type: 'FieldValueRequired', field: `${path}.${req}`, message: 'Required value' });
    }
    const n = Object.keys(obj).length;
    if (s.maxProperties !== undefined && n > s.maxProperties) {
      errors.push({ type: 'FieldValueTooMany', field: path, message: `Too many: ${n}: must have at most ${s.maxProperties} items` });
    }
    if (s.minProperties !== undefined && n < s.minProperties) invalid(`${path} in body should have at least ${s.minProperties} properties`);
  }
  for (const sub of s.allOf ?? []) validateValue(value, sub, path, errors);
  if (s.anyOf?.length && !s.anyOf.some((sub) => quietlyValid(value, sub, path))) invalid(`${path} in body must match at least one schema in anyOf`);
  if (s.oneOf?.length && s.oneOf.filter((sub) => quietlyValid(value, sub, path)).length !== 1) invalid(`${path} in body must match exactly one schema in oneOf`);
  if (s.not && quietlyValid(value, s.not, path)) invalid(`${path} in body must not match the schema in not`);
}

function quietlyValid(value: unknown, s: JSONSchemaProps, path: string): boolean {
  const errs: FieldError[] = [];
  validateValue(value, s, path, errs);
  return errs.length === 0;
}

const regexCache = new Map<string, RegExp | undefined>();

function safeRegex(pattern: string): RegExp | undefined {
  if (!regexCache.has(pattern)) {
    try {
      regexCache.set(pattern, new RegExp(pattern, 'u'));
    } catch {
      regexCache.set(pattern, undefined);
    }
  }
  return regexCache.get(pattern);
}
