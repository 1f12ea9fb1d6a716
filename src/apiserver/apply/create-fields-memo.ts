// Creates of same-shaped objects (a ReplicaSet's pods, a benchmark's pods, the scheduler's
// events) record the same managedFields entry but for its time: the creator owns every field
// it sent, and a field's path never depends on a scalar value outside a list (a map key or a
// struct field names it; only list items are named by their values, keys or positions). So the
// entry computed for one object is reused for the next one whose text, with every scalar
// outside lists blanked to its type's zero, is the same.
// Only creates that send no managedFields qualify: then no other manager is involved.
import type { FieldsV1 } from './field-set.js';
import type { Json, JsonObject } from './json-value.js';
import type { ManagedFieldsEntry } from './managed-fields.js';
import type { ApplyType } from './type-schema.js';

const MAX_ENTRIES = 1024;
/** Larger objects (a ConfigMap of data, say) are computed every time: keys are whole texts. */
const MAX_KEY_LENGTH = 16 * 1024;

const typeIds = new WeakMap<ApplyType, number>();
let nextTypeId = 1;

/** What a create recorded: its one entry without the time, or none. */
type Remembered = Omit<ManagedFieldsEntry, 'time'> | null;

const memo = new Map<string, Remembered>();

/**
 * The memo key of a create by `manager` of `obj` as `type`, or undefined when the object's
 * metadata is not a plain object or the object is large (such objects are computed every time).
 */
export function createMemoKey(manager: string, apiVersion: string, type: ApplyType, obj: JsonObject): string | undefined {
  const meta = obj.metadata;
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return undefined;
  let typeId = typeIds.get(type);
  if (typeId === undefined) typeIds.set(type, (typeId = nextTypeId++));
  const key = `${typeId}\u0000${manager}\u0000${apiVersion}\u0000${JSON.stringify(blankScalars(obj))}`;
  return key.length <= MAX_KEY_LENGTH ? key : undefined;
}

/**
 * A copy of an object in which every scalar outside lists is its JSON type's zero (so that
 * schemaless fields still deduce to the same kind of value); lists are kept as they are.
 */
function blankScalars(value: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const k in value) {
    if (!Object.hasOwn(value, k)) continue;
    const v = value[k];
    let blank: Json | undefined;
    switch (typeof v) {
      case 'string': blank = ''; break;
      case 'number': blank = 0; break;
      case 'boolean': blank = false; break;
      case 'object': blank = v === null || Array.isArray(v) ? v : blankScalars(v as JsonObject); break;
      // undefined and the like: absent from the JSON, as from the object's own text.
      default: continue;
    }
    // JSON.parse makes "__proto__" an own key; assigning it would set the prototype instead.
    if (k === '__proto__') Object.defineProperty(out, k, { value: blank, enumerable: true, writable: true, configurable: true });
    else out[k] = blank;
  }
  return out;
}

/** The entries a remembered create records at `time`, or undefined when not remembered. */
export function recallCreate(key: string, time: string): ManagedFieldsEntry[] | undefined {
  const found = memo.get(key);
  if (found === undefined) return undefined;
  if (found === null) return [];
  const { manager, operation, apiVersion, fieldsType, fieldsV1, subresource } = found;
  const entry: ManagedFieldsEntry = { manager, operation, apiVersion, time, fieldsType, fieldsV1 };
  if (subresource !== undefined) entry.subresource = subresource;
  return [entry];
}

/**
 * Remembers what a create recorded. `entries` is what the full computation produced: none or
 * one entry. The fieldsV1 is shared between objects from now on, so it is frozen.
 */
export function rememberCreate(key: string, entries: readonly ManagedFieldsEntry[]): void {
  if (entries.length > 1) return;
  if (memo.size >= MAX_ENTRIES) memo.delete(memo.keys().next().value!);
  if (entries.length === 0) {
    memo.set(key, null);
    return;
  }
  const { time: _time, ...rest } = entries[0]!;
  if (rest.fieldsV1) deepFreeze(rest.fieldsV1);
  memo.set(key, rest);
}

/** Forgets every remembered create (tests compare memoized and computed results). */
export function clearCreateMemo(): void {
  memo.clear();
}

function deepFreeze(f: FieldsV1): void {
  for (const v of Object.values(f)) deepFreeze(v);
  Object.freeze(f);
}
