// The entry points the API server calls: applyConfiguration for server-side apply
// (application/apply-patch+yaml) and updateManagedFields for create, update and the other
// patch types. Both take and return plain objects and keep metadata.managedFields, as
// upstream's FieldManager (k8s.io/apimachinery/pkg/util/managedfields/internal/fieldmanager.go).
import { BadRequestError } from '../../api/errors.js';
import { builtinDefinitions } from '../openapi/definitions.js';
import { FieldSet } from './field-set.js';
import { isObject, type JsonObject } from './json-value.js';
import {
  STRIPPED_FIELDS, capUpdateManagers, decodeManagedFieldsOrEmpty, encodeManagedFields, formatTime,
  isResetManagedFields, managerIdentifier, type ManagedFieldsEntry, type Managers,
} from './managed-fields.js';
import { ApplyTypes, type ApplyType } from './type-schema.js';
import { recordApply, recordUpdate } from './updater.js';
import { createMemoKey, recallCreate, rememberCreate } from './create-fields-memo.js';

/** An API object as JSON. */
export type KubeObject = JsonObject & { metadata?: JsonObject };

interface Common {
  /** The field manager: ?fieldManager, or for non-apply requests fieldManagerName(…, User-Agent). */
  readonly manager: string;
  /** The request's group/version, e.g. 'apps/v1' or 'v1'. */
  readonly apiVersion: string;
  /** '' or undefined for the main resource, e.g. 'status' or 'scale'. */
  readonly subresource?: string;
  /** The object's schema; see applyTypeFor. */
  readonly type: ApplyType;
  /** Fields the endpoint resets and never assigns to anyone; see resetFieldsFor. */
  readonly ignored?: FieldSet;
  readonly now?: Date;
}

export interface ApplyRequest extends Common {
  /** The stored object; undefined when apply creates it. */
  readonly live: KubeObject | undefined;
  /** The applied configuration (the request body). */
  readonly applied: KubeObject;
  readonly force?: boolean;
  /** The kind the endpoint serves; a configuration of another kind is rejected. */
  readonly kind?: string;
}

export interface ApplyResult {
  /** The object to store, with metadata.managedFields set. */
  readonly object: KubeObject;
  readonly managedFields: ManagedFieldsEntry[];
  /** False when the configuration changed nothing but (possibly) ownership. */
  readonly changed: boolean;
}

/**
 * Server-side apply. Throws BadRequest for a configuration upstream refuses and the 409
 * Conflict (reason Conflict, causes FieldManagerConflict) when it would take fields other
 * managers own and `force` is not set.
 */
export function applyConfiguration(req: ApplyRequest): ApplyResult {
  const applied = req.applied;
  if (typeof applied.apiVersion === 'string' && applied.apiVersion !== req.apiVersion) {
    throw new BadRequestError(`Incorrect version specified in apply patch. Specified patch version: ${applied.apiVersion}, expected: ${req.apiVersion}`);
  }
  if (req.kind && typeof applied.kind === 'string' && applied.kind !== req.kind) {
    const [group, version] = req.apiVersion.includes('/') ? req.apiVersion.split('/') : ['', req.apiVersion];
    throw new BadRequestError(`invalid object type: ${group}/${version}, Kind=${applied.kind}`);
  }
  if (isObject(applied.metadata) && applied.metadata.managedFields !== undefined) {
    throw new BadRequestError('metadata.managedFields must be nil');
  }
  const managers = decodeManagedFieldsOrEmpty(managedFieldsOf(req.live));
  const subresource = req.subresource ?? '';
  const identity = { manager: req.manager, operation: 'Apply' as const, apiVersion: req.apiVersion, subresource };
  const id = managerIdentifier(identity);
  const live = req.live ? withoutManagedFields(req.live) : undefined;
  const { object, changed } = recordApply(live, applied, managers, { ...identity, id }, !!req.force,
    { type: req.type, ignored: req.ignored, stripped: STRIPPED_FIELDS });
  const own = managers.get(id);
  if (own && changed) own.time = formatTime(req.now ?? new Date());
  capUpdateManagers(managers);
  const managedFields = encodeManagedFields(managers);
  return { object: withManagedFields((object ?? {}) as KubeObject, managedFields), managedFields, changed };
}

export interface UpdateRequest extends Common {
  /** The stored object before the request; undefined on create. */
  readonly old: KubeObject | undefined;
  /** The object about to be stored (after the patch and defaulting), as the client sent its managedFields. */
  readonly updated: KubeObject;
}

/**
 * Records a create, update or non-apply patch (operation Update): the fields it changed become
 * the manager's and leave other managers. The returned object carries the new managedFields.
 * As upstream: a request that omits managedFields (or sends invalid ones) keeps the stored
 * ones; `managedFields: []` or `[{}]` clears them; on a subresource the request's are ignored;
 * once an existing object has no managedFields, updates do not start tracking again (only apply does).
 */
export function updateManagedFields(req: UpdateRequest): KubeObject {
  // A create that sends no managedFields: same-shaped creates record the same entry.
  const memoKey = !req.old && !req.subresource && !req.ignored && isObject(req.updated.metadata) && req.updated.metadata.managedFields === undefined
    ? createMemoKey(req.manager, req.apiVersion, req.type, req.updated) : undefined;
  if (memoKey !== undefined) {
    const recalled = recallCreate(memoKey, formatTime(req.now ?? new Date()));
    if (recalled) return withManagedFields(req.updated, recalled);
  }
  const subresource = req.subresource ?? '';
  const managers = managersForUpdate(req.old, req.updated, subresource !== '');
  const updated = withoutManagedFields(req.updated);
  if (managers.size === 0 && req.old && isObject(req.old.metadata) && req.old.metadata.uid) return updated;
  const identity = { manager: req.manager, operation: 'Update' as const, apiVersion: req.apiVersion, subresource };
  const id = managerIdentifier(identity);
  const old = req.old ? withoutManagedFields(req.old) : zeroObjectFor(updated);
  const took = recordUpdate(old, updated, managers, { ...identity, id },
    { type: req.type, ignored: req.ignored, stripped: STRIPPED_FIELDS });
  if (took) managers.get(id)!.time = formatTime(req.now ?? new Date());
  capUpdateManagers(managers);
  const entries = encodeManagedFields(managers);
  if (memoKey !== undefined) rememberCreate(memoKey, entries);
  return withManagedFields(updated, entries);
}

/**
 * What upstream compares a create against: the kind's zero value, in which non-pointer structs
 * such as spec are present and empty. So a creator owns spec's fields, not spec itself ("." absent).
 */
function zeroObjectFor(obj: KubeObject): KubeObject {
  return isObject(obj.spec) ? { spec: {} } : {};
}

/** upstream decodeLiveOrNew. */
function managersForUpdate(old: KubeObject | undefined, updated: KubeObject, subresource: boolean): Managers {
  // The stored object's entries are our own encoding, so unchanged ones can be reused as they are.
  if (subresource) return decodeManagedFieldsOrEmpty(managedFieldsOf(old), true);
  const sent = isObject(updated.metadata) ? updated.metadata.managedFields : undefined;
  if (isResetManagedFields(sent)) return new Map();
  if (Array.isArray(sent)) {
    const fromRequest = decodeManagedFieldsOrEmpty(sent as ManagedFieldsEntry[]);
    if (fromRequest.size > 0) return fromRequest;
  }
  return decodeManagedFieldsOrEmpty(managedFieldsOf(old), true);
}

function managedFieldsOf(obj: KubeObject | undefined): ManagedFieldsEntry[] | undefined {
  const mf = obj && isObject(obj.metadata) ? obj.metadata.managedFields : undefined;
  return Array.isArray(mf) ? (mf as unknown as ManagedFieldsEntry[]) : undefined;
}

function withoutManagedFields(obj: KubeObject): KubeObject {
  if (!isObject(obj.metadata) || !Object.hasOwn(obj.metadata, 'managedFields')) return obj;
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

function withManagedFields(obj: KubeObject, entries: ManagedFieldsEntry[]): KubeObject {
  const base = withoutManagedFields(obj);
  if (entries.length === 0) return base;
  const metadata = isObject(base.metadata) ? base.metadata : {};
  return { ...base, metadata: { ...metadata, managedFields: entries as unknown as JsonObject[] } };
}

let builtinTypes: ApplyTypes | undefined;

/** The apply type of a built-in kind (a deduced object for kinds without a definition, e.g. CRDs without schema). */
export function applyTypeFor(group: string, version: string, kind: string): ApplyType {
  builtinTypes ??= new ApplyTypes(builtinDefinitions());
  return builtinTypes.forKind(group, version, kind);
}

/**
 * Fields an endpoint resets (upstream strategies' GetResetFields): the main resource of a kind
 * with a status subresource does not set status; the status subresource sets neither spec nor labels.
 */
export function resetFieldsFor(subresource: string | undefined, hasStatusSubresource: boolean): FieldSet | undefined {
  if (subresource === 'status') return FieldSet.of([[{ field: 'spec' }], [{ field: 'metadata' }, { field: 'labels' }]]);
  if (!subresource && hasStatusSubresource) return FieldSet.of([[{ field: 'status' }]]);
  return undefined;
}
