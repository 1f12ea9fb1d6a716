// One step of a field path, as structured-merge-diff's fieldpath.PathElement: a struct field or
// map key, the key fields of a list-map item, the value of a set item, or a list index.
// Serialized in FieldsV1 as `f:<name>`, `k:{"name":"c"}`, `v:"x"`, `i:0`.
import { compareJson, goJsonStringify, valueToString, type Json } from './json-value.js';

export type PathElement =
  | { readonly field: string }
  /** Key fields sorted by name, as upstream's FieldList.Sort. */
  | { readonly key: readonly (readonly [string, Json])[] }
  | { readonly value: Json }
  | { readonly index: number };

export type FieldPath = readonly PathElement[];

export function fieldElement(name: string): PathElement {
  return { field: name };
}

export function keyElement(fields: Record<string, Json>): PathElement {
  const key = Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { key };
}

function order(pe: PathElement): number {
  return 'field' in pe ? 0 : 'key' in pe ? 1 : 'value' in pe ? 2 : 3;
}

/** Upstream's PathElement.Compare: fields < keys < values < indexes, then by content. */
export function comparePathElements(a: PathElement, b: PathElement): number {
  const oa = order(a);
  const ob = order(b);
  if (oa !== ob) return oa - ob;
  if ('field' in a && 'field' in b) return a.field < b.field ? -1 : a.field > b.field ? 1 : 0;
  if ('key' in a && 'key' in b) {
    for (let i = 0; i < a.key.length && i < b.key.length; i++) {
      const [na, va] = a.key[i]!;
      const [nb, vb] = b.key[i]!;
      if (na !== nb) return na < nb ? -1 : 1;
      const c = compareJson(va, vb);
      if (c !== 0) return c;
    }
    return a.key.length - b.key.length;
  }
  if ('value' in a && 'value' in b) return compareJson(a.value, b.value);
  if ('index' in a && 'index' in b) return a.index - b.index;
  return 0;
}

export function pathElementsEqual(a: PathElement, b: PathElement): boolean {
  return comparePathElements(a, b) === 0;
}

/** Serialized field elements by field name: field names repeat across every object of a kind. */
const fieldKeys = new Map<string, string>();
const MAX_FIELD_KEYS = 4096;
/** Serialized key, value and index elements: a set serializes the same element once per path through it. */
const otherKeys = new WeakMap<PathElement, string>();

/** The FieldsV1 key of a path element (upstream SerializePathElement). */
export function serializePathElement(pe: PathElement): string {
  if ('field' in pe) {
    let s = fieldKeys.get(pe.field);
    if (s === undefined) {
      s = `f:${pe.field}`;
      if (fieldKeys.size < MAX_FIELD_KEYS) fieldKeys.set(pe.field, s);
    }
    return s;
  }
  let s = otherKeys.get(pe);
  if (s !== undefined) return s;
  if ('key' in pe) s = `k:{${pe.key.map(([name, v]) => `${goJsonStringify(name)}:${goJsonStringify(v)}`).join(',')}}`;
  else if ('value' in pe) s = `v:${goJsonStringify(pe.value)}`;
  else s = `i:${pe.index}`;
  otherKeys.set(pe, s);
  return s;
}

/** Parses a FieldsV1 key; undefined for an unknown prefix (upstream skips those). Throws on bad JSON. */
export function parsePathElement(s: string): PathElement | undefined {
  if (s.length < 2 || s[1] !== ':') throw new Error(`invalid path element ${JSON.stringify(s)}`);
  const body = s.slice(2);
  switch (s[0]) {
    case 'f': return { field: body };
    case 'v': return { value: JSON.parse(body) as Json };
    case 'k': {
      const fields = JSON.parse(body) as unknown;
      if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
        throw new Error(`invalid key path element ${JSON.stringify(s)}`);
      }
      return keyElement(fields as Record<string, Json>);
    }
    case 'i': {
      if (!/^-?\d+$/.test(body)) throw new Error(`invalid index path element ${JSON.stringify(s)}`);
      return { index: Number(body) };
    }
    default: return undefined;
  }
}

/** A path as upstream prints it in conflicts: `.spec.containers[name="nginx"].image`. */
export function pathToString(path: FieldPath): string {
  return path.map((pe) => {
    if ('field' in pe) return `.${pe.field}`;
    if ('key' in pe) return `[${pe.key.map(([n, v]) => `${n}=${valueToString(v)}`).join(',')}]`;
    if ('value' in pe) return `[=${valueToString(pe.value)}]`;
    return `[${pe.index}]`;
  }).join('');
}
