// The set of fields an object sets (upstream TypedValue.ToFieldSet): every scalar, atomic list
// and atomic map is a member; items of granular lists are members; map entries are members
// unless they are struct fields with non-empty object values (their children stand for them).
import { isObject } from './json-value.js';
import { FieldSet } from './field-set.js';
import { indexListItems } from './list-items.js';
import type { PathElement } from './path-element.js';
import { resolveType, type ApplyType } from './type-schema.js';

export function fieldSetOf(obj: unknown, type: ApplyType): FieldSet {
  const set = new FieldSet();
  collect(obj, type, [], set);
  return set;
}

function collect(v: unknown, declared: ApplyType, path: PathElement[], set: FieldSet): void {
  const t = resolveType(declared, v);
  if (t.kind === 'scalar') {
    set.insert(path);
    return;
  }
  if (t.kind === 'list') {
    if (t.atomic) {
      set.insert(path);
      return;
    }
    if (!Array.isArray(v)) return;
    const items = indexListItems(t, v);
    if (!items) {
      set.insert(path);
      return;
    }
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const it of items) (seen.has(it.id) ? duplicates : seen).add(it.id);
    // Duplicated items are owned as a whole (upstream: inserted as members, not descended).
    for (const it of items) {
      const itemPath = [...path, it.pe];
      if (!duplicates.has(it.id)) collect(it.value, t.item, itemPath, set);
      set.insert(itemPath);
    }
    return;
  }
  if (t.atomic) {
    set.insert(path);
    return;
  }
  if (!isObject(v)) return;
  for (const [key, child] of Object.entries(v)) {
    const f = t.field(key);
    const childPath = [...path, { field: key }];
    collect(child, f.type, childPath, set);
    if (child === null || (isObject(child) && Object.keys(child).length === 0) || !f.named) set.insert(childPath);
  }
}
