// Removes the fields of a set from an object (upstream TypedValue.RemoveItems): a member path
// removes the field or item with everything below it; a path with children is descended into.
// Atomic lists and maps are never partially removed.
import { isObject, type Json, type JsonObject } from './json-value.js';
import type { FieldSet } from './field-set.js';
import { listItemElement } from './list-items.js';
import { resolveType, type ApplyType } from './type-schema.js';

export function removeItems<T>(value: T, toRemove: FieldSet, type: ApplyType): T {
  if (toRemove.empty()) return value;
  return removeFrom(value, toRemove, type) as T;
}

function removeFrom(v: unknown, toRemove: FieldSet, declared: ApplyType): unknown {
  const t = resolveType(declared, v);
  if (t.kind === 'scalar' || t.atomic) return v;
  if (t.kind === 'list') {
    if (!Array.isArray(v) || v.length === 0) return v;
    const out: unknown[] = [];
    for (const item of v) {
      let pe;
      try {
        pe = listItemElement(t, item);
      } catch {
        out.push(item);
        continue;
      }
      if (toRemove.hasMember(pe)) continue;
      const below = toRemove.withPrefix(pe);
      out.push(below.empty() ? item : removeFrom(item, below, t.item));
    }
    return out;
  }
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(v)) {
    const pe = { field: key };
    if (toRemove.hasMember(pe)) continue;
    const below = toRemove.withPrefix(pe);
    if (below.empty()) {
      out[key] = child;
      continue;
    }
    const pruned = removeFrom(child, below, t.field(key).type) as Json;
    // Upstream leaves a null where everything below was removed; a JSON object simply drops it.
    if (isEmptied(child, pruned)) continue;
    out[key] = pruned;
  }
  return out;
}

function isEmptied(before: unknown, after: unknown): boolean {
  if (Array.isArray(before)) return before.length > 0 && Array.isArray(after) && after.length === 0;
  if (isObject(before)) return Object.keys(before).length > 0 && isObject(after) && Object.keys(after).length === 0;
  return false;
}
