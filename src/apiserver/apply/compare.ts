// What changed between two versions of an object (upstream TypedValue.Compare): leaves (scalars,
// atomic lists and maps, and empty ones) that were added, removed or modified, plus every
// granular map entry and list item that appeared or disappeared.
import { deepEqual, isObject } from './json-value.js';
import { FieldSet } from './field-set.js';
import { indexListItems, type IndexedItem } from './list-items.js';
import type { PathElement } from './path-element.js';
import { resolveType, type ApplyType, type ListType, type MapType } from './type-schema.js';

export interface Comparison {
  readonly added: FieldSet;
  readonly modified: FieldSet;
  readonly removed: FieldSet;
}

/** Compares `lhs` (before) with `rhs` (after); undefined stands for an absent object. */
export function compareObjects(lhs: unknown, rhs: unknown, type: ApplyType): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  if (lhs !== undefined || rhs !== undefined) compareAt(lhs, rhs, type, [], c);
  return c;
}

function compareAt(l: unknown, r: unknown, declared: ApplyType, path: PathElement[], c: Comparison): void {
  const lt = resolveType(declared, l === undefined ? r : l);
  const rt = resolveType(declared, r === undefined ? l : r);
  let leaf: boolean;
  if (lt.kind !== rt.kind) leaf = true; // a deduced value changed shape: one leaf
  else if (lt.kind === 'scalar') leaf = true;
  else if (lt.kind === 'list') leaf = compareList(l, r, lt, path, c);
  else leaf = compareMap(l, r, lt as MapType, path, c);
  if (leaf) {
    if (l === undefined) c.added.insert(path);
    else if (r === undefined) c.removed.insert(path);
    else if (!deepEqual(l, r)) c.modified.insert(path);
  } else if (l === undefined) {
    c.added.insert(path);
  } else if (r === undefined) {
    c.removed.insert(path);
  }
}

/** Returns true when the list is compared as one leaf. */
function compareList(l: unknown, r: unknown, t: ListType, path: PathElement[], c: Comparison): boolean {
  const la = Array.isArray(l) ? l : undefined;
  const ra = Array.isArray(r) ? r : undefined;
  if (t.atomic || (!la?.length && !ra?.length)) return true;
  const li = indexListItems(t, la ?? []);
  const ri = indexListItems(t, ra ?? []);
  if (!li || !ri) return true;
  const lhs = group(li);
  const rhs = group(ri);
  const order = [...lhs.keys(), ...[...rhs.keys()].filter((k) => !lhs.has(k))];
  for (const id of order) {
    const lItems = lhs.get(id) ?? [];
    const rItems = rhs.get(id) ?? [];
    const pe = (lItems[0] ?? rItems[0])!.pe;
    const itemPath = [...path, pe];
    if (lItems.length <= 1 && rItems.length <= 1) {
      compareAt(lItems[0]?.value, rItems[0]?.value, t.item, itemPath, c);
    } else if (lItems.length >= 2 && rItems.length >= 2) {
      if (!deepEqual(lItems.map((i) => i.value), rItems.map((i) => i.value))) c.modified.insert(itemPath);
    } else if (lItems.length >= 2) {
      // Duplicates resolved into one item: the duplicates are removed, the survivor is new.
      if (rItems.length) compareAt(undefined, rItems[0]!.value, t.item, itemPath, c);
      c.removed.insert(itemPath);
    } else {
      if (lItems.length) compareAt(lItems[0]!.value, undefined, t.item, itemPath, c);
      c.added.insert(itemPath);
    }
  }
  return false;
}

function group(items: IndexedItem[]): Map<string, IndexedItem[]> {
  const m = new Map<string, IndexedItem[]>();
  for (const it of items) {
    const g = m.get(it.id);
    if (g) g.push(it);
    else m.set(it.id, [it]);
  }
  return m;
}

function compareMap(l: unknown, r: unknown, t: MapType, path: PathElement[], c: Comparison): boolean {
  const lm = isObject(l) ? l : undefined;
  const rm = isObject(r) ? r : undefined;
  const lEmpty = !lm || Object.keys(lm).length === 0;
  const rEmpty = !rm || Object.keys(rm).length === 0;
  if (t.atomic || (lEmpty && rEmpty)) return true;
  const keys = new Set([...Object.keys(lm ?? {}), ...Object.keys(rm ?? {})]);
  for (const key of keys) {
    const lv = lm && Object.hasOwn(lm, key) ? lm[key] : undefined;
    const rv = rm && Object.hasOwn(rm, key) ? rm[key] : undefined;
    // Equal values hold no change at any depth; most of an updated object is unchanged.
    if (lv !== undefined && rv !== undefined && deepEqual(lv, rv)) continue;
    compareAt(lv, rv, t.field(key).type, [...path, { field: key }], c);
  }
  return false;
}
