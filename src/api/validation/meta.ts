// ObjectMeta validation, after apimachinery's ValidateObjectMeta / ValidateObjectMetaUpdate.
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../kinds.js';
import { forbidden, immutable, invalid, required, tooLong } from './field-errors.js';
import { isDNS1123Label, isQualifiedName, isValidLabelValue, nameIsDNSSubdomain, type NameValidator } from './names.js';

/** Upstream TotalAnnotationSizeLimitB. */
export const totalAnnotationSizeLimitBytes = 256 * 1024;

export interface ObjectMetaOptions {
  namespaced: boolean;
  /** Defaults to DNS-1123 subdomain. */
  nameValidator?: NameValidator;
}

export function validateLabels(labels: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (labels === undefined || labels === null) return errs;
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    for (const m of isQualifiedName(k)) errs.push(invalid(field, k, m));
    for (const m of isValidLabelValue(String(v ?? ''))) errs.push(invalid(field, v, m));
  }
  return errs;
}

export function validateAnnotations(annotations: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (annotations === undefined || annotations === null) return errs;
  let size = 0;
  for (const [k, v] of Object.entries(annotations as Record<string, unknown>)) {
    // Upstream lower-cases the key before checking it.
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(invalid(field, k, m));
    size += Buffer.byteLength(k) + Buffer.byteLength(String(v ?? ''));
  }
  if (size > totalAnnotationSizeLimitBytes) errs.push(tooLong(field, totalAnnotationSizeLimitBytes));
  return errs;
}

export function validateObjectMeta(obj: KubeObject, opts: ObjectMetaOptions): FieldError[] {
  const errs: FieldError[] = [];
  const meta = (obj.metadata ?? {}) as Record<string, any>;
  const nameOk = opts.nameValidator ?? nameIsDNSSubdomain;
  if (meta.generateName) {
    for (const m of nameOk(String(meta.generateName), true)) errs.push(invalid('metadata.generateName', meta.generateName, m));
  }
  if (!meta.name) {
    errs.push(required('metadata.name', 'name or generateName is required'));
  } else {
    for (const m of nameOk(String(meta.name), false)) errs.push(invalid('metadata.name', meta.name, m));
  }
  if (opts.namespaced) {
    if (!meta.namespace) errs.push(required('metadata.namespace'));
    else for (const m of isDNS1123Label(String(meta.namespace))) errs.push(invalid('metadata.namespace', meta.namespace, m));
  } else if (meta.namespace) {
    errs.push(forbidden('metadata.namespace', 'not allowed on this type'));
  }
  if (typeof meta.generation === 'number' && meta.generation < 0) {
    errs.push(invalid('metadata.generation', meta.generation, 'must be greater than or equal to 0'));
  }
  errs.push(...validateLabels(meta.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(meta.annotations, 'metadata.annotations'));
  errs.push(...validateFinalizers(meta.finalizers));
  errs.push(...validateOwnerReferences(meta.ownerReferences));
  return errs;
}

function validateFinalizers(finalizers: unknown): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(finalizers)) return errs;
  finalizers.forEach((f: string, i) => {
    const field = `metadata.finalizers[${i}]`;
    for (const m of isQualifiedName(String(f))) errs.push(invalid(field, f, m));
    // Upstream: an unprefixed finalizer must be one of the standard ones.
    if (!String(f).includes('/') && !['kubernetes', 'orphan', 'foregroundDeletion'].includes(String(f))) {
      errs.push(invalid(field, f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
  return errs;
}

function validateOwnerReferences(refs: unknown): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(refs)) return errs;
  let controllers = 0;
  refs.forEach((r: Record<string, any>, i) => {
    if (!r?.apiVersion) errs.push(invalid(`metadata.ownerReferences[${i}].apiVersion`, r?.apiVersion ?? '', 'version must not be empty'));
    if (!r?.kind) errs.push(invalid(`metadata.ownerReferences[${i}].kind`, r?.kind ?? '', 'kind must not be empty'));
    if (!r?.name) errs.push(invalid(`metadata.ownerReferences[${i}].name`, r?.name ?? '', 'name must not be empty'));
    if (!r?.uid) errs.push(invalid(`metadata.ownerReferences[${i}].uid`, r?.uid ?? '', 'uid must not be empty'));
    if (r?.controller === true) controllers++;
  });
  if (controllers > 1) {
    errs.push(invalid('metadata.ownerReferences', refs, 'Only one reference can have Controller set to true'));
  }
  return errs;
}

export function validateObjectMetaUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const meta = (obj.metadata ?? {}) as Record<string, any>;
  const oldMeta = (old.metadata ?? {}) as Record<string, any>;
  for (const key of ['name', 'namespace', 'uid', 'creationTimestamp'] as const) {
    if (oldMeta[key] !== undefined && meta[key] !== undefined && meta[key] !== oldMeta[key]) {
      errs.push(immutable(`metadata.${key}`, meta[key]));
    }
  }
  for (const key of ['deletionTimestamp', 'deletionGracePeriodSeconds'] as const) {
    if (oldMeta[key] !== undefined && meta[key] !== undefined && meta[key] !== oldMeta[key]) {
      errs.push(immutable(`metadata.${key}`, meta[key]));
    }
  }
  // Upstream ValidateNoNewFinalizers: a terminating object may only lose finalizers.
  if (oldMeta.deletionTimestamp) {
    const before = new Set<string>(oldMeta.finalizers ?? []);
    const added = ((meta.finalizers ?? []) as string[]).filter((f) => !before.has(f));
    if (added.length) {
      errs.push(forbidden('metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`));
    }
  }
  if (typeof meta.generation === 'number' && typeof oldMeta.generation === 'number' && meta.generation < oldMeta.generation) {
    errs.push(invalid('metadata.generation', meta.generation, 'must not be decremented'));
  }
  return errs;
}
