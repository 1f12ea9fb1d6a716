// Merges an applied configuration into the live object (upstream TypedValue.Merge with the
// "keep right-hand side" rule): the configuration's scalars, atomic lists and atomic maps win;
// granular maps merge key by key; associative lists merge item by item, keeping the live order
// of items the configuration does not mention and the configuration's order for the rest.
import { BadRequestError } from '../../api/errors.js';
import { isObject, type JsonObject } from './json-value.js';
import { indexListItems, type IndexedItem } from './list-items.js';
import { pathToString, type PathElement } from './path-element.js';
import { resolveType, type ApplyType, type ListType, type MapType } from './type-schema.js';

/** Merges `config` over `live`; either may be undefined (absent). */
export function mergeObjects(live: unknown, config: unknown, type: ApplyType): unknown {
  return mergeAt(live, config, type, []);
}

function mergeAt(l: unknown, r: unknown, declared: ApplyType, path: PathElement[]): unknown {
  const t = resolveType(declared, r === undefined || r === null ? l : r);
  if (t.kind === 'scalar') return r !== undefined ? r : l;
  if (t.kind === 'list') return mergeList(l, r, t, path);
  return mergeMap(l, r, t, path);
}

function keepRight(l: unknown, r: unknown): unknown {
  return r !== undefined ? r : l;
}

function mergeList(l: unknown, r: unknown, t: ListType, path: PathElement[]): unknown {
  const la = Array.isArray(l) ? l : undefined;
  const ra = Array.isArray(r) ? r : undefined;
  if (t.atomic || (!la?.length && !ra?.length)) return keepRight(l, r);
  const lhs = indexListItems(t, la ?? []);
  const rhs = indexListItems(t, ra ?? []);
  if (!lhs || !rhs) return keepRight(l, r);
  const observedR = new Map<string, IndexedItem>();
  for (const it of rhs) {
    if (observedR.has(it.id)) {
      throw new BadRequestError(`failed to merge config: ${pathToString(path)}: duplicate entries for key ${pathToString([it.pe])}`);
    }
    observedR.set(it.id, it);
  }
  // Duplicated live items merge as absent (upstream keeps a null for them).
  const observedL = new Map<string, unknown>();
  for (const it of lhs) observedL.set(it.id, observedL.has(it.id) ? undefined : it.value);

  const out: unknown[] = [];
  const push = (v: unknown): void => {
    if (v !== undefined) out.push(v);
  };
  const item = (pe: PathElement, lv: unknown, rv: unknown): unknown =>
    mergeAt(lv, rv, t.item, [...path, pe]);

  // Upstream's walk: follow the live order, but place shared items where the configuration
  // orders them relative to each other.
  const shared = rhs.filter((it) => observedL.has(it.id)).map((it) => it.id);
  let nextShared = shared.shift();
  const mergedR = new Set<string>();
  let li = 0;
  let ri = 0;
  while (li < lhs.length || ri < rhs.length) {
    if (li < lhs.length && ri < rhs.length) {
      const lItem = lhs[li]!;
      if (lItem.id === rhs[ri]!.id) {
        mergedR.add(lItem.id);
        push(item(lItem.pe, observedL.get(lItem.id), observedR.get(lItem.id)!.value));
        li++;
        ri++;
        nextShared = shared.shift();
        continue;
      }
      if (observedR.has(lItem.id) && nextShared !== undefined && nextShared !== lItem.id) {
        li++;
        continue;
      }
    }
    if (li < lhs.length) {
      const lItem = lhs[li]!;
      if (!observedR.has(lItem.id)) {
        push(item(lItem.pe, lItem.value, undefined));
        li++;
        continue;
      } else if (mergedR.has(lItem.id)) {
        li++;
      }
    }
    if (ri < rhs.length) {
      const rItem = rhs[ri]!;
      mergedR.add(rItem.id);
      push(item(rItem.pe, observedL.get(rItem.id), rItem.value));
      ri++;
      if (nextShared === rItem.id) nextShared = shared.shift();
    }
  }
  return out;
}

function mergeMap(l: unknown, r: unknown, t: MapType, path: PathElement[]): unknown {
  const lm = isObject(l) ? l : undefined;
  const rm = isObject(r) ? r : undefined;
  const lEmpty = !lm || Object.keys(lm).length === 0;
  const rEmpty = !rm || Object.keys(rm).length === 0;
  if (t.atomic || (lEmpty && rEmpty)) return keepRight(l, r);
  const out: JsonObject = {};
  for (const key of new Set([...Object.keys(lm ?? {}), ...Object.keys(rm ?? {})])) {
    const lv = lm && Object.hasOwn(lm, key) ? lm[key] : undefined;
    const rv = rm && Object.hasOwn(rm, key) ? rm[key] : undefined;
    const merged = mergeAt(lv, rv, t.field(key).type, [...path, { field: key }]);
    if (merged !== undefined) out[key] = merged as JsonObject[string];
  }
  return out;
}
