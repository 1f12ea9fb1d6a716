// Strategic merge patch (application/strategic-merge-patch+json) applied on the server, as
// upstream's StrategicMergeMapPatch (k8s.io/apimachinery/pkg/util/strategicpatch/patch.go:
// mergeMap and the functions it calls). Maps merge recursively and `null` deletes a key; lists
// whose field has patch strategy `merge` merge by the field's merge key (lists of primitives
// are unioned); other lists are replaced. Directives: `$patch` (replace | delete on a map;
// replace | delete in a merged list), `$retainKeys`, `$setElementOrder/<field>` and
// `$deleteFromPrimitiveList/<field>`.
import { ApiError } from '../api/errors.js';
import { noSchema, schemaForDefinition, type PatchField, type PatchSchema } from './strategic-merge-schema.js';
import { cloneJson } from './clone-json.js';

export { noSchema, schemaForDefinition, type PatchField, type PatchSchema };

type JsonMap = Record<string, unknown>;

const DIRECTIVE = '$patch';
const REPLACE = 'replace';
const DELETE = 'delete';
const MERGE = 'merge';
const RETAIN_KEYS_STRATEGY = 'retainKeys';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER = '$setElementOrder';

/**
 * A patch upstream rejects, with upstream's message. 400 and 422 follow upstream's
 * interpretStrategicMergePatchError for mergepatch's sentinel errors. Upstream lets any other
 * patch error reach the client as a 500; a malformed patch is the client's fault, so we
 * answer 400 BadRequest instead (a deliberate departure: the server never 5xxs on bad input).
 */
export class StrategicMergeError extends ApiError {
  override name = 'StrategicMergeError';
  constructor(message: string, code: 400 | 422 = 400) {
    super(code, code === 400 ? 'BadRequest' : 'Invalid', message);
  }
}

/** Applies `patch` to a copy of `original`; neither argument is modified. */
export function strategicMergePatch(original: unknown, patch: unknown, schema: PatchSchema): JsonMap {
  if (!isMap(patch) || (original != null && !isMap(original))) {
    throw new StrategicMergeError('invalid JSON document', 400);
  }
  return mergeMap(cloneJson(original ?? {}), cloneJson(patch), schema);
}

function mergeMap(original: JsonMap, patch: JsonMap, schema: PatchSchema): JsonMap {
  if (Object.hasOwn(patch, DIRECTIVE)) return mapDirective(patch[DIRECTIVE], patch);
  applyRetainKeys(original, patch);
  mergeOrderedLists(original, patch, schema);

  for (const [patchKey, value] of Object.entries(patch)) {
    const deleteList = patchKey.startsWith(DELETE_FROM_PRIMITIVE_LIST);
    const key = deleteList ? directiveTarget(patchKey, DELETE_FROM_PRIMITIVE_LIST) : patchKey;
    if (value === null) {
      delete original[key];
      continue;
    }
    if (!Object.hasOwn(original, key) || shape(original[key]) !== shape(value)) {
      // As upstream: a deletion list never adds the list it deletes from.
      if (!deleteList) putLiteral(original, key, value);
      continue;
    }
    if (isMap(value)) {
      const field = schema.field(key);
      if (strategyOf(field) === REPLACE) putLiteral(original, key, value);
      else put(original, key, mergeMap(original[key] as JsonMap, value, field.schema));
    } else if (Array.isArray(value)) {
      put(original, key, mergeListField(original[key] as unknown[], value, schema.field(key), deleteList));
    } else {
      put(original, key, value);
    }
  }
  return original;
}

/** `$patch` on a map: replace it with the patch's content, or make it empty. */
function mapDirective(directive: unknown, patch: JsonMap): JsonMap {
  if (directive === REPLACE) {
    delete patch[DIRECTIVE];
    return literal(patch) as JsonMap;
  }
  if (directive === DELETE) return {};
  throw new StrategicMergeError(`unknown patch type: ${goString(directive)} in map: ${goValue(patch)}`);
}

/** `$retainKeys`: drops the original's keys that are not listed; every patched key must be listed. */
function applyRetainKeys(original: JsonMap, patch: JsonMap): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const listed = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(listed)) throw new StrategicMergeError('invalid patch format of retainKeys', 400);
  const retained = new Set(listed);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || key.startsWith(DELETE_FROM_PRIMITIVE_LIST) || key.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!retained.has(key)) throw new StrategicMergeError('invalid patch format of retainKeys', 400);
  }
  for (const key of Object.keys(original)) if (!retained.has(key)) delete original[key];
}

/**
 * `$setElementOrder/<field>`: merges the field's list now and orders the result. As upstream,
 * $setElementOrder wins over the order in the patch list, which wins over the live order;
 * live items the order does not name keep their place relative to the others.
 */
function mergeOrderedLists(original: JsonMap, patch: JsonMap, schema: PatchSchema): void {
  for (const directiveKey of Object.keys(patch)) {
    if (!directiveKey.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[directiveKey];
    delete patch[directiveKey];
    if (!Array.isArray(order)) throw new StrategicMergeError(badArgType(SLICE_TYPE, order));
    const key = directiveTarget(directiveKey, SET_ELEMENT_ORDER);
    const inOriginal = Object.hasOwn(original, key);
    const inPatch = Object.hasOwn(patch, key);
    if (!inOriginal && !inPatch) continue;
    const live = inOriginal ? original[key] : [];
    const patchList = inPatch ? patch[key] : [];
    if (!Array.isArray(live)) throw new StrategicMergeError(badArgType(SLICE_TYPE, live));
    if (!Array.isArray(patchList)) throw new StrategicMergeError(badArgType(SLICE_TYPE, patchList));
    const field = schema.field(key);
    validateOrder(patchList, order, field.mergeKey);

    const merged = !inPatch ? live
      : !inOriginal ? literal(patchList) as unknown[]
        : mergeListField(live, patchList, field, false);
    delete patch[key];
    // Upstream fails on a list with no elements at all; there is nothing to order.
    if (live.length === 0 && patchList.length === 0) {
      put(original, key, merged);
      continue;
    }
    const byKey = elementType(live, patchList) === MAP_TYPE;
    const [named, serverOnly] = partition(merged, order, field.mergeKey);
    put(original, key, normalizeElementOrder(named, serverOnly, order, live, field.mergeKey, byKey));
  }
}

/** Checks that the patch list's items appear in the $setElementOrder list in the same order. */
function validateOrder(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const items = mergeKey ? patchList.filter((item) => asMap(item)[DIRECTIVE] !== DELETE) : patchList;
  let p = 0;
  let o = 0;
  while (p < items.length && o < order.length) {
    if (isMap(items[p]) && Object.hasOwn(items[p] as JsonMap, DIRECTIVE)) {
      p++;
      continue;
    }
    if (mergeKeyValueEqual(items[p], order[o], mergeKey)) p++;
    o++;
  }
  if (p < items.length && o >= order.length) {
    throw new StrategicMergeError(`The order in patch list:\n${goValue(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goValue(order)}\n`);
  }
}

function mergeListField(original: unknown[], patch: unknown[], field: PatchField, deleteList: boolean): unknown[] {
  // As upstream: a deletion list applies whatever the field's strategy.
  if (strategyOf(field) === MERGE || deleteList) return mergeList(original, patch, field, deleteList);
  return literal(patch) as unknown[];
}

function mergeList(original: unknown[], patch: unknown[], field: PatchField, deleteList: boolean): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const { mergeKey } = field;
  const byKey = elementType(original, patch) === MAP_TYPE;
  let live = original;
  let items = patch;
  let merged: unknown[];
  if (!byKey) {
    if (deleteList) return original.filter((v) => !patch.includes(v));
    merged = [...new Set([...original, ...patch])];
  } else {
    if (!mergeKey) throw new StrategicMergeError(`cannot merge lists without merge key for ${field.schema.name}`);
    [live, items] = applyListDirectives(original, patch as JsonMap[], mergeKey);
    merged = mergeByKey(live, items as JsonMap[], mergeKey, field.schema);
  }
  const [patched, serverOnly] = partition(merged, items, mergeKey);
  return normalizeElementOrder(patched, serverOnly, items, live, mergeKey, byKey);
}

/**
 * The `$patch` items of a merged list: `delete` removes the live items with the item's key,
 * `replace` makes the other patch items the whole list. Returns the live items left and the
 * patch items still to merge.
 */
function applyListDirectives(original: unknown[], patch: JsonMap[], mergeKey: string): [unknown[], unknown[]] {
  const rest: JsonMap[] = [];
  let replace = false;
  for (const item of patch) {
    if (!Object.hasOwn(item, DIRECTIVE)) {
      rest.push(item);
      continue;
    }
    const directive = item[DIRECTIVE];
    if (directive === DELETE) {
      if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
      original = original.filter((live) => !hasKeyValue(live, mergeKey, item[mergeKey]));
    } else if (directive === REPLACE) {
      replace = true; // keep going: the other directives are dropped
    } else if (directive === MERGE) {
      throw new StrategicMergeError('merging lists cannot yet be specified in the patch');
    } else {
      throw new StrategicMergeError(`unknown patch type: ${goString(directive)} in map: ${goValue(item)}`);
    }
  }
  return replace ? [literal(rest) as unknown[], []] : [original, rest];
}

/** Merges each patch item into the live item with the same key, or adds it. */
function mergeByKey(live: unknown[], patch: JsonMap[], mergeKey: string, schema: PatchSchema): unknown[] {
  const merged = [...live];
  const at = new Map<unknown, number>();
  merged.forEach((v, i) => {
    if (isMap(v) && Object.hasOwn(v, mergeKey) && !at.has(v[mergeKey])) at.set(v[mergeKey], i);
  });
  for (const item of patch) {
    if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
    const i = at.get(item[mergeKey]);
    if (i !== undefined) {
      merged[i] = mergeMap(merged[i] as JsonMap, item, schema);
    } else {
      at.set(item[mergeKey], merged.length);
      merged.push(literal(item));
    }
  }
  return merged;
}

const NO_KEY = Symbol('no merge key');

/** Splits `list` into the items `by` names (by merge key, or by value for primitives) and the rest. */
function partition(list: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const named: unknown[] = [];
  const rest: unknown[] = [];
  if (!mergeKey) {
    const values = new Set(by);
    for (const v of list) (values.has(v) ? named : rest).push(v);
    return [named, rest];
  }
  const keys = new Set(by.map((b, i) => {
    if (!isMap(b)) throw new StrategicMergeError(`value for key ${i} is not a map`);
    return Object.hasOwn(b, mergeKey) ? b[mergeKey] : NO_KEY;
  }));
  for (const v of list) {
    const item = asMap(v);
    if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
    (keys.has(item[mergeKey]) ? named : rest).push(v);
  }
  return [named, rest];
}

/**
 * Upstream's normalizeElementOrder: patch items sorted by the patch's order, live-only items by
 * the live order, then interleaved so that live-only items stay before the patch items they
 * preceded in the live list. Items new to the list come before the live-only items after them.
 */
function normalizeElementOrder(patched: unknown[], serverOnly: unknown[], patchOrder: unknown[],
  serverOrder: unknown[], mergeKey: string, byKey: boolean): unknown[] {
  const left = sortByOrder(serverOnly, serverOrder, mergeKey, byKey);
  const right = sortByOrder(patched, patchOrder, mergeKey, byKey);
  const position = positionIn(serverOrder, mergeKey, byKey);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (j >= right.length) out.push(left[i++]);
    else if (i >= left.length) out.push(right[j++]);
    else {
      const li = position(left[i]);
      const ri = position(right[j]);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

/** Stable sort by position in `order`, with upstream's comparator (an item not in `order` sorts first). */
function sortByOrder(items: unknown[], order: unknown[], mergeKey: string, byKey: boolean): unknown[] {
  if (byKey) {
    for (const v of [...items, ...order]) {
      const item = asMap(v);
      if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
    }
  }
  const position = positionIn(order, mergeKey, byKey);
  const sorted = [...items];
  const allFound = sorted.every((v) => position(v) >= 0);
  if (allFound || sorted.length > GO_INSERTION_SORT_MAX) {
    // Items missing from `order` (only with an empty $setElementOrder) go last in long lists;
    // upstream's result there depends on Go's block merge sort, not worth mirroring.
    const rank = (v: unknown) => (position(v) < 0 ? order.length : position(v));
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
  // Go's sort.SliceStable is an insertion sort for up to 20 items; with upstream's comparator.
  const less = (a: unknown, b: unknown): boolean => {
    const ia = position(a);
    const ib = position(b);
    return ia < 0 || ib < 0 || ia < ib;
  };
  for (let i = 1; i < sorted.length; i++) {
    for (let j = i; j > 0 && less(sorted[j], sorted[j - 1]); j--) {
      [sorted[j - 1], sorted[j]] = [sorted[j], sorted[j - 1]];
    }
  }
  return sorted;
}

const GO_INSERTION_SORT_MAX = 20;

/** Where an item first appears in `list`, by merge key value (or by value for primitives); -1 if not. */
function positionIn(list: unknown[], mergeKey: string, byKey: boolean): (v: unknown) => number {
  const identity = (x: unknown) => (byKey ? (isMap(x) ? x[mergeKey] ?? undefined : undefined) : x);
  const positions = new Map<unknown, number>();
  list.forEach((x, i) => {
    const id = identity(x);
    if (!positions.has(id)) positions.set(id, i);
  });
  return (v) => positions.get(identity(v)) ?? -1;
}

function mergeKeyValueEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (!mergeKey) return left === right;
  const l = asMap(left);
  const r = asMap(right);
  if (!Object.hasOwn(l, mergeKey)) throw noMergeKey(l, mergeKey);
  if (!Object.hasOwn(r, mergeKey)) throw noMergeKey(r, mergeKey);
  return l[mergeKey] === r[mergeKey];
}

/** The field's strategy apart from retainKeys (which only matters when computing patches). */
function strategyOf(field: PatchField): string {
  const s = field.strategies;
  if (s.length === 0) return '';
  if (s.length === 1) return s[0] === RETAIN_KEYS_STRATEGY ? '' : s[0]!;
  if (s.length === 2 && s[0] === RETAIN_KEYS_STRATEGY) return s[1]!;
  if (s.length === 2 && s[1] === RETAIN_KEYS_STRATEGY) return s[0]!;
  throw new StrategicMergeError(`unexpected patch strategy: ${goValue(s)}`);
}

/** The field a parallel-list directive names: '$setElementOrder/containers' → 'containers'. */
function directiveTarget(key: string, prefix: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    throw new StrategicMergeError(prefix === SET_ELEMENT_ORDER
      ? 'invalid patch format of setElementOrder list'
      : 'invalid patch format of primitive list', 400);
  }
  return key.slice(slash + 1);
}

/** The type of a list's elements; they must all have the same one, and not be lists. */
function elementType(...lists: unknown[][]): string {
  let first: string | undefined;
  for (const list of lists) {
    for (const v of list) {
      const t = goType(v);
      if (first === undefined) {
        if (t === SLICE_TYPE) throw new StrategicMergeError('lists of lists are not supported', 422);
        first = t;
      } else if (t !== first) {
        throw new StrategicMergeError(`list element types are not identical: ${goValue(lists)}`);
      }
    }
  }
  if (first === undefined) throw new StrategicMergeError('no elements in any of the given slices');
  return first;
}

/**
 * A value taken from the patch as it is. As upstream's removeDirectives and
 * discardNullValuesFromPatch: maps holding `$patch` are dropped, null map values are
 * dropped. Unlike upstream (whose typed decoding drops them later), the parallel-list and
 * $retainKeys directives are dropped too. Returns undefined for a value to drop.
 */
function literal(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(literal).filter((v) => v !== undefined);
  if (!isMap(value)) return value;
  if (Object.hasOwn(value, DIRECTIVE)) return undefined;
  const out: JsonMap = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === null || key === RETAIN_KEYS || key.startsWith(SET_ELEMENT_ORDER) || key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) continue;
    const kept = literal(v);
    if (kept !== undefined) put(out, key, kept);
  }
  return out;
}

function putLiteral(target: JsonMap, key: string, value: unknown): void {
  const kept = literal(value);
  if (kept === undefined) delete target[key];
  else put(target, key, kept);
}

/** Sets an own property even for keys like '__proto__'. */
function put(target: JsonMap, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

function hasKeyValue(v: unknown, key: string, value: unknown): boolean {
  return isMap(v) && Object.hasOwn(v, key) && v[key] === value;
}

function isMap(v: unknown): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asMap(v: unknown): JsonMap {
  if (!isMap(v)) throw new StrategicMergeError(badArgType(MAP_TYPE, v));
  return v;
}

function shape(v: unknown): 'map' | 'list' | 'scalar' {
  return Array.isArray(v) ? 'list' : isMap(v) ? 'map' : 'scalar';
}

// Go's view of decoded JSON, for upstream's error messages.
const MAP_TYPE = 'map[string]interface {}';
const SLICE_TYPE = '[]interface {}';

function noMergeKey(m: JsonMap, key: string): StrategicMergeError {
  return new StrategicMergeError(`map: ${goValue(m)} does not contain declared merge key: ${key}`);
}

function badArgType(expected: string, actual: unknown): string {
  return `expected a ${expected}, but received a ${goType(actual)}`;
}

/** reflect.TypeOf(v) printed with %s. */
function goType(v: unknown): string {
  if (v === null || v === undefined) return '%!s(<nil>)';
  if (Array.isArray(v)) return SLICE_TYPE;
  if (typeof v === 'object') return MAP_TYPE;
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return typeof v === 'boolean' ? 'bool' : 'string';
}

/** v printed with %v: map[a:1 b:[x y]], keys sorted. */
function goValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (typeof v === 'object') {
    const entries = Object.entries(v as JsonMap).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[${entries.map(([k, x]) => `${k}:${goValue(x)}`).join(' ')}]`;
  }
  return String(v);
}

/** v printed with %s. */
function goString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '%!s(<nil>)';
  if (typeof v === 'object') return goValue(v);
  return `%!s(${goType(v)}=${goValue(v)})`;
}
