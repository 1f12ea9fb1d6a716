// Checks a decoded object against the kind's OpenAPI schema the way upstream's decoder does:
// wrong JSON types are errors; unknown fields are errors under fieldValidation=Strict and
// warnings under Warn (the default); duplicate fields cannot survive JSON.parse here.
// It also normalizes as a round trip through Go types would: unknown fields are dropped, a
// null field is unset, a null list item becomes the item type's zero value, and empty
// optional maps and lists are omitted.
import type { KindDef, KubeObject } from '../api/kinds.js';

export interface Schema {
  type?: string;
  format?: string;
  $ref?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  allOf?: Schema[];
  required?: string[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
}

export interface SchemaFindings {
  /** Go-decoder style type errors: the object cannot be decoded at all. */
  typeErrors: string[];
  /** Paths of fields the schema does not declare. */
  unknownFields: string[];
}

export interface SchemaChecker {
  check(def: KindDef, obj: KubeObject): SchemaFindings;
}

const MAX_FINDINGS = 20;

export class OpenApiSchemaChecker implements SchemaChecker {
  private readonly byGvk = new Map<string, string>();
  /** Resolved schemas by the schema that refers to them: every request walks the same ones. */
  private readonly resolved = new WeakMap<Schema, Schema>();
  private readonly roots = new Map<string, Schema>();

  constructor(private readonly definitions: Record<string, Schema>) {
    for (const [name, schema] of Object.entries(definitions)) {
      for (const gvk of schema['x-kubernetes-group-version-kind'] ?? []) {
        this.byGvk.set(`${gvk.group}/${gvk.version}/${gvk.kind}`, name);
      }
    }
  }

  check(def: KindDef, obj: KubeObject): SchemaFindings {
    const findings: SchemaFindings = { typeErrors: [], unknownFields: [] };
    const name = this.byGvk.get(`${def.group}/${def.version}/${def.kind}`);
    if (!name) return findings;
    let root = this.roots.get(name);
    if (!root) this.roots.set(name, (root = { $ref: `#/definitions/${name}` }));
    this.walk(obj, root, [], shortName(name), findings);
    return findings;
  }

  private resolve(s: Schema): Schema {
    let r = this.resolved.get(s);
    if (!r) this.resolved.set(s, (r = this.resolveUncached(s)));
    return r;
  }

  private resolveUncached(s: Schema): Schema {
    let cur = s;
    for (let i = 0; i < 8 && cur.$ref; i++) {
      const target = this.definitions[cur.$ref.replace(/^#\/(definitions|components\/schemas)\//, '')];
      if (!target) return {};
      cur = target;
    }
    if (cur.allOf?.length === 1 && !cur.properties) return this.resolve(cur.allOf[0]);
    return cur;
  }

  private isCollection(schema: Schema): boolean {
    const s = this.resolve(schema);
    return s.type === 'array' || (s.type === 'object' && !s.properties && typeof s.additionalProperties === 'object');
  }

  private zeroValue(schema: Schema): unknown {
    const s = this.resolve(schema);
    if (s.type && s.type in zeroByType) return zeroByType[s.type];
    if (s.type === 'array') return [];
    return {};
  }

  /** `path` holds the field names and item indexes down to `value` (joined only for a finding). */
  private walk(value: unknown, schemaRef: Schema, path: PathSegment[], goType: string, f: SchemaFindings): void {
    if (f.typeErrors.length + f.unknownFields.length >= MAX_FINDINGS) return;
    if (value === null || value === undefined) return; // null means "unset", as Go's decoder treats it
    const s = this.resolve(schemaRef);
    if (schemaRef.$ref) goType = shortName(schemaRef.$ref);
    if (s['x-kubernetes-int-or-string'] || s.format === 'int-or-string') {
      if (typeof value !== 'string' && !Number.isInteger(value)) f.typeErrors.push(typeError(value, path, goType, 'intstr.IntOrString'));
      return;
    }
    if (s.format === 'quantity' || goType === 'Quantity') {
      if (typeof value !== 'string' && typeof value !== 'number') f.typeErrors.push(typeError(value, path, goType, 'resource.Quantity'));
      return;
    }
    if (s['x-kubernetes-preserve-unknown-fields'] && !s.type) return;
    switch (s.type) {
      case 'string':
        if (typeof value !== 'string') f.typeErrors.push(typeError(value, path, goType, 'string'));
        return;
      case 'integer':
        if (typeof value !== 'number' || !Number.isInteger(value)) f.typeErrors.push(typeError(value, path, goType, s.format ?? 'int64'));
        return;
      case 'number':
        if (typeof value !== 'number') f.typeErrors.push(typeError(value, path, goType, 'float64'));
        return;
      case 'boolean':
        if (typeof value !== 'boolean') f.typeErrors.push(typeError(value, path, goType, 'bool'));
        return;
      case 'array':
        if (!Array.isArray(value)) {
          f.typeErrors.push(typeError(value, path, goType, `[]${s.items?.$ref ? shortName(s.items.$ref) : s.items?.type ?? 'interface {}'}`));
          return;
        }
        if (s.items) {
          value.forEach((v, i) => {
            if (v === null) value[i] = v = this.zeroValue(s.items!);
            path.push(i);
            this.walk(v, s.items!, path, goType, f);
            path.pop();
          });
        }
        return;
    }
    if (s.properties || s.additionalProperties !== undefined || s.type === 'object') {
      if (typeof value !== 'object' || Array.isArray(value)) {
        f.typeErrors.push(typeError(value, path, goType, s.properties ? goType : 'map[string]interface {}'));
        return;
      }
      if (s['x-kubernetes-preserve-unknown-fields']) return;
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v === null && s.properties?.[k]) {
          delete (value as Record<string, unknown>)[k];
          continue;
        }
        const prop = s.properties?.[k];
        if (prop) {
          path.push(k);
          this.walk(v, prop, path, goType, f);
          path.pop();
          if (isEmptyCollection(v) && !s.required?.includes(k) && this.isCollection(prop)) {
            // As Go's encoding/json with omitempty: empty maps and slices are not kept.
            delete (value as Record<string, unknown>)[k];
          }
        }
        else if (typeof s.additionalProperties === 'object') {
          path.push(k);
          this.walk(v, s.additionalProperties, path, goType, f);
          path.pop();
        } else if (s.additionalProperties !== true && s.properties) {
          // As upstream's decoder: unknown fields are dropped (and reported).
          f.unknownFields.push(pathText([...path, k]));
          delete (value as Record<string, unknown>)[k];
        }
      }
    }
  }
}

function isEmptyCollection(v: unknown): boolean {
  if (Array.isArray(v)) return v.length === 0;
  return v !== null && typeof v === 'object' && Object.keys(v).length === 0;
}

/** Zero values of Go types, for null list items. */
const zeroByType: Record<string, unknown> = { string: '', integer: 0, number: 0, boolean: false };

/** A checker that knows no schemas (accepts everything). */
export const noSchemaChecker: SchemaChecker = {
  check: () => ({ typeErrors: [], unknownFields: [] }),
};

const shortNames = new Map<string, string>();

function shortName(ref: string): string {
  let n = shortNames.get(ref);
  if (n === undefined) {
    const parts = ref.split('.');
    n = parts[parts.length - 1]!;
    if (shortNames.size < 4096) shortNames.set(ref, n);
  }
  return n;
}

/** A field name or a list index. */
type PathSegment = string | number;

/** `spec.containers[0].image`, as the Go decoder names a field. */
function pathText(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'number') return 'number';
  return typeof v;
}

/** Mirrors encoding/json's message: `json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container`. */
function typeError(v: unknown, path: readonly PathSegment[], goType: string, want: string): string {
  return `json: cannot unmarshal ${jsonKind(v)} into Go struct field ${goType}.${pathText(path)} of type ${want}`;
}
