// Server-side apply and managedFields (issue 3 item 3). See field-manager.ts for the entry points.
export {
  applyConfiguration, updateManagedFields, applyTypeFor, resetFieldsFor,
  type ApplyRequest, type ApplyResult, type UpdateRequest, type KubeObject,
} from './field-manager.js';
export { FieldSet, type FieldsV1 } from './field-set.js';
export { fieldSetOf } from './field-set-of.js';
export { compareObjects, type Comparison } from './compare.js';
export { mergeObjects } from './merge.js';
export { removeItems } from './remove-items.js';
export { applyConflictError } from './conflicts.js';
export {
  decodeManagedFields, encodeManagedFields, fieldManagerName, managerFromUserAgent, isResetManagedFields,
  type ManagedFieldsEntry, type Operation,
} from './managed-fields.js';
export { pathToString, type FieldPath, type PathElement } from './path-element.js';
export { ApplyTypes, type ApplyType } from './type-schema.js';

import { FieldSet, type FieldsV1 } from './field-set.js';

/** FieldsV1 JSON of a set (as stored in managedFields[].fieldsV1). */
export function toFieldsV1(set: FieldSet): FieldsV1 {
  return set.toFieldsV1();
}

/** The set a FieldsV1 JSON value encodes. */
export function fromFieldsV1(json: unknown): FieldSet {
  return FieldSet.fromFieldsV1(json);
}
