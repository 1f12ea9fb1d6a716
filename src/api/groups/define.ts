// Helpers to declare registry entries: every kind gets ObjectMeta validation and immutable
// system metadata on update unless it brings its own validators.
import type { KindDef, KubeObject } from '../kinds.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.js';

export function defineKind(def: KindDef): KindDef {
  return {
    validate: (obj: KubeObject) => validateObjectMeta(obj, { namespaced: def.namespaced }),
    validateUpdate: validateObjectMetaUpdate,
    ...def,
  };
}

/** A field-selector getter for a dotted path; missing values read as "" as upstream. */
export function fieldAt(path: string): (obj: KubeObject) => string {
  const parts = path.split('.');
  return (obj) => {
    let cur: any = obj;
    for (const p of parts) cur = cur?.[p];
    return cur === undefined || cur === null ? '' : String(cur);
  };
}

/** Boolean fields select as "true"/"false" (missing is false), as upstream's strconv.FormatBool. */
export function boolFieldAt(path: string): (obj: KubeObject) => string {
  const get = fieldAt(path);
  return (obj) => (get(obj) === 'true' ? 'true' : 'false');
}

/** Integer fields select as their decimal text (missing is 0). */
export function intFieldAt(path: string): (obj: KubeObject) => string {
  const get = fieldAt(path);
  return (obj) => get(obj) || '0';
}

export const createOnly = ['create'];

export const scaleReplicas = { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' };
