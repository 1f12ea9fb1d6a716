// metadata.managedFields ⇄ the field sets of each manager, as upstream's
// k8s.io/apimachinery/pkg/util/managedfields/internal (managedfields.go, capmanagers.go,
// stripmeta.go): one entry per manager identity (name, operation, subresource, and for Update
// the apiVersion), FieldsV1 sets, times, and the upstream ordering of entries.
import { FieldSet, type FieldsV1 } from './field-set.js';
import { metaTimeText } from '../meta-time.js';

export type Operation = 'Apply' | 'Update';

/** The wire shape of metav1.ManagedFieldsEntry. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: FieldsV1;
  subresource?: string;
}

export interface ManagerFields {
  readonly manager: string;
  readonly operation: Operation;
  readonly apiVersion: string;
  readonly subresource: string;
  time?: string;
  set: FieldSet;
  /**
   * The stored entry's fieldsV1 and the set decoded from it: while `set` is still that very
   * set, encoding reuses the stored fieldsV1 (our own canonical encoding) instead of emitting
   * it again. Sets are never changed in place, only replaced.
   */
  stored?: { readonly set: FieldSet; readonly fieldsV1: FieldsV1 };
}

/** Manager identity → its fields. Keys are upstream's manager identifiers (BuildManagerIdentifier). */
export type Managers = Map<string, ManagerFields>;

/**
 * Upstream's manager identifier: the entry without fields and time, and, for appliers, without
 * apiVersion (an applier keeps one entry across versions). Go's JSON field order.
 */
export function managerIdentifier(m: Pick<ManagerFields, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  const id: Record<string, string> = {};
  if (m.manager) id.manager = m.manager;
  id.operation = m.operation;
  if (m.operation !== 'Apply' && m.apiVersion) id.apiVersion = m.apiVersion;
  if (m.subresource) id.subresource = m.subresource;
  return JSON.stringify(id);
}

/** Decodes managedFields; throws on entries upstream rejects (the caller decides what that means). */
export function decodeManagedFields(entries: readonly ManagedFieldsEntry[] | undefined, stored = false): Managers {
  const managers: Managers = new Map();
  (entries ?? []).forEach((e, i) => {
    if (e.operation !== 'Apply' && e.operation !== 'Update') throw new Error('operation must be `Apply` or `Update`');
    if (!e.apiVersion) throw new Error('apiVersion must not be empty');
    if (e.fieldsType !== 'FieldsV1') {
      throw new Error(e.fieldsType ? `invalid fieldsType "${e.fieldsType}" in managed fields entry ${i}` : `missing fieldsType in managed fields entry ${i}`);
    }
    const m: ManagerFields = {
      manager: e.manager ?? '',
      operation: e.operation,
      apiVersion: e.apiVersion,
      subresource: e.subresource ?? '',
      time: e.time,
      set: decodeFieldsV1(e.fieldsV1 ?? {}),
    };
    if (stored && e.fieldsV1) m.stored = { set: m.set, fieldsV1: e.fieldsV1 };
    managers.set(managerIdentifier(m), m);
  });
  return managers;
}

const MAX_DECODED = 1024;
const decoded = new Map<string, FieldSet>();

/**
 * FieldSet.fromFieldsV1 through a bounded memo keyed by the JSON text: every update decodes
 * the stored object's entries, which mostly repeat (the creator's fields of a ReplicaSet's
 * pods, a kubelet's status fields). Sets are never changed in place, so they can be shared.
 */
function decodeFieldsV1(fieldsV1: FieldsV1): FieldSet {
  const text = JSON.stringify(fieldsV1);
  let set = decoded.get(text);
  if (!set) {
    set = FieldSet.fromFieldsV1(fieldsV1);
    if (decoded.size >= MAX_DECODED) decoded.delete(decoded.keys().next().value!);
    decoded.set(text, set);
  }
  return set;
}

/** Decodes, or yields no managers when the entries are invalid (upstream emptyManagedFieldsOnErr). */
export function decodeManagedFieldsOrEmpty(entries: readonly ManagedFieldsEntry[] | undefined, stored = false): Managers {
  try {
    return decodeManagedFields(entries, stored);
  } catch {
    return new Map();
  }
}

/** Encodes in upstream order: Apply before Update, then by time (seconds), manager, apiVersion, subresource. */
export function encodeManagedFields(managers: Managers): ManagedFieldsEntry[] {
  const list = [...managers.values()].filter((m) => !m.set.empty());
  list.sort((p, q) => {
    if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
    const ps = unixSeconds(p.time);
    const qs = unixSeconds(q.time);
    if (ps !== qs) return ps - qs;
    if (p.manager !== q.manager) return p.manager < q.manager ? -1 : 1;
    if (p.apiVersion !== q.apiVersion) return p.apiVersion < q.apiVersion ? -1 : 1;
    return p.subresource < q.subresource ? -1 : p.subresource > q.subresource ? 1 : 0;
  });
  return list.map((m) => {
    const e: ManagedFieldsEntry = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion };
    if (m.time) e.time = m.time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = m.stored?.set === m.set ? m.stored.fieldsV1 : m.set.toFieldsV1();
    if (m.subresource) e.subresource = m.subresource;
    return e;
  });
}

function unixSeconds(time: string | undefined): number {
  if (!time) return 0;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

/** metav1.Time as written on the wire: RFC 3339 in UTC, whole seconds. */
export function formatTime(d: Date): string {
  return metaTimeText(d);
}

/**
 * A request asks to clear managedFields when it sends a non-null empty list or a list of one
 * empty entry (upstream isResetManagedFields); a missing field keeps them.
 */
export function isResetManagedFields(entries: unknown): boolean {
  if (!Array.isArray(entries)) return false;
  if (entries.length === 0) return true;
  const only = entries[0] as unknown;
  return entries.length === 1 && typeof only === 'object' && only !== null && Object.keys(only).length === 0;
}

/** Paths never recorded as owned (upstream stripmeta.go): identity and server-managed metadata. */
export const STRIPPED_FIELDS: FieldSet = FieldSet.of([
  [{ field: 'apiVersion' }],
  [{ field: 'kind' }],
  [{ field: 'metadata' }],
  [{ field: 'metadata' }, { field: 'name' }],
  [{ field: 'metadata' }, { field: 'namespace' }],
  [{ field: 'metadata' }, { field: 'creationTimestamp' }],
  [{ field: 'metadata' }, { field: 'selfLink' }],
  [{ field: 'metadata' }, { field: 'uid' }],
  [{ field: 'metadata' }, { field: 'clusterName' }],
  [{ field: 'metadata' }, { field: 'generation' }],
  [{ field: 'metadata' }, { field: 'managedFields' }],
  [{ field: 'metadata' }, { field: 'resourceVersion' }],
]);

/** Upstream DefaultMaxUpdateManagers, and the name of the entry older updates are folded into. */
export const MAX_UPDATE_MANAGERS = 10;
export const ANCIENT_CHANGES = 'ancient-changes';

/**
 * Caps the Update entries (upstream capmanagers.go): the oldest updaters are folded, per
 * apiVersion, into an "ancient-changes" entry until at most `max` remain.
 */
export function capUpdateManagers(managers: Managers, max = MAX_UPDATE_MANAGERS): void {
  const updaters = [...managers.entries()].filter(([, m]) => m.operation === 'Update').map(([id]) => id);
  if (updaters.length <= max) return;
  updaters.sort((a, b) => {
    const d = unixSeconds(managers.get(a)!.time) - unixSeconds(managers.get(b)!.time);
    return d !== 0 ? d : a < b ? -1 : a > b ? 1 : 0;
  });
  const firstByVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > max; i++) {
    const id = updaters[i]!;
    const m = managers.get(id)!;
    const bucketId = managerIdentifier({ manager: ANCIENT_CHANGES, operation: 'Update', apiVersion: m.apiVersion, subresource: '' });
    const first = firstByVersion.get(m.apiVersion);
    if (first === undefined) {
      firstByVersion.set(m.apiVersion, id);
      continue;
    }
    let bucket = managers.get(bucketId);
    if (!bucket) {
      const firstFields = managers.get(first)!;
      managers.delete(first);
      bucket = { manager: ANCIENT_CHANGES, operation: 'Update', apiVersion: m.apiVersion, subresource: '', time: firstFields.time, set: firstFields.set };
      managers.set(bucketId, bucket);
    }
    bucket.set = m.set.union(bucket.set);
    bucket.time = m.time;
    managers.delete(id);
    length--;
  }
}

/** Upstream FieldManagerMaxLength. */
const FIELD_MANAGER_MAX_LENGTH = 128;

/**
 * The manager of a non-apply request without ?fieldManager (upstream prefixFromUserAgent): the
 * user agent up to its first '/', printable characters only, at most 128 bytes.
 */
export function managerFromUserAgent(userAgent: string | undefined): string {
  const prefix = (userAgent ?? '').split('/')[0]!;
  let out = '';
  let bytes = 0;
  for (const ch of prefix) {
    if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch)) continue;
    const n = Buffer.byteLength(ch);
    if (bytes + n > FIELD_MANAGER_MAX_LENGTH) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/** upstream managerOrUserAgent. */
export function fieldManagerName(fieldManager: string | undefined, userAgent: string | undefined): string {
  return fieldManager ? fieldManager : managerFromUserAgent(userAgent);
}
