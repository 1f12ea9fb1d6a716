// Storage validation: PersistentVolume, PersistentVolumeClaim (core/v1) and storage.k8s.io/v1
// StorageClass, CSIDriver, CSINode, VolumeAttachment.
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../kinds.js';
import { Quantity } from '../quantity.js';
import { deepEqual, forbidden, immutable, notSupported, required } from './field-errors.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { validateResourceList } from './resources.js';

type Obj = Record<string, any>;

const accessModes = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const volumeModes = ['Block', 'Filesystem'];
const pvReclaimPolicies = ['Delete', 'Recycle', 'Retain'];
const scReclaimPolicies = ['Delete', 'Retain'];
const bindingModes = ['Immediate', 'WaitForFirstConsumer'];
/** PersistentVolumeSpec fields that are not a volume source. */
const pvNonSource = new Set(['capacity', 'accessModes', 'claimRef', 'persistentVolumeReclaimPolicy', 'storageClassName',
  'mountOptions', 'volumeMode', 'nodeAffinity', 'volumeAttributesClassName']);

function validateAccessModes(modes: unknown, field: string, errs: FieldError[]): void {
  if (!Array.isArray(modes) || modes.length === 0) {
    errs.push(required(field, 'at least 1 access mode is required'));
    return;
  }
  for (const m of modes) if (!accessModes.includes(m)) errs.push(notSupported(field, m, accessModes));
}

export function validatePersistentVolumeClaimSpec(spec: Obj | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const s: Obj = spec ?? {};
  validateAccessModes(s.accessModes, `${field}.accessModes`, errs);
  const requests = s.resources?.requests as Obj | undefined;
  if (!requests || requests.storage === undefined) errs.push(required(`${field}.resources[storage]`));
  validateResourceList(requests, `${field}.resources.requests`, errs);
  if (s.volumeMode !== undefined && !volumeModes.includes(s.volumeMode)) errs.push(notSupported(`${field}.volumeMode`, s.volumeMode, volumeModes));
  return errs;
}

export function validatePersistentVolumeClaim(obj: KubeObject): FieldError[] {
  return [...validateObjectMeta(obj, { namespaced: true }), ...validatePersistentVolumeClaimSpec(obj.spec, 'spec')];
}

export function validatePersistentVolumeClaimUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj, old);
  const strip = (spec: Obj | undefined, volumeName: string | undefined) => {
    const c: Obj = structuredClone(spec ?? {});
    if (c.resources) delete c.resources.requests;
    delete c.volumeAttributesClassName;
    // Binding sets volumeName once.
    if (!volumeName) delete c.volumeName;
    return c;
  };
  const oldVolume = old.spec?.volumeName as string | undefined;
  if (!deepEqual(strip(obj.spec, oldVolume), strip(old.spec, oldVolume))) {
    errs.push(forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  }
  const before = Quantity.tryParse(old.spec?.resources?.requests?.storage);
  const after = Quantity.tryParse(obj.spec?.resources?.requests?.storage);
  if (before && after && after.cmp(before) < 0) {
    errs.push(forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
  }
  return errs;
}

export function validatePersistentVolume(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, { namespaced: false });
  const spec: Obj = obj.spec ?? {};
  const capacity = spec.capacity as Obj | undefined;
  if (!capacity || Object.keys(capacity).length === 0) errs.push(required('spec.capacity'));
  else if (capacity.storage === undefined || Object.keys(capacity).length > 1) errs.push(notSupported('spec.capacity', capacity, ['storage']));
  validateResourceList(capacity, 'spec.capacity', errs);
  validateAccessModes(spec.accessModes, 'spec.accessModes', errs);
  const sources = Object.keys(spec).filter((k) => !pvNonSource.has(k) && spec[k] != null);
  if (sources.length === 0) errs.push(required('spec', 'must specify a volume type'));
  sources.slice(1).forEach((k) => errs.push(forbidden(`spec.${k}`, 'may not specify more than 1 volume type')));
  if (spec.persistentVolumeReclaimPolicy !== undefined && !pvReclaimPolicies.includes(spec.persistentVolumeReclaimPolicy)) {
    errs.push(notSupported('spec.persistentVolumeReclaimPolicy', spec.persistentVolumeReclaimPolicy, pvReclaimPolicies));
  }
  if (spec.volumeMode !== undefined && !volumeModes.includes(spec.volumeMode)) errs.push(notSupported('spec.volumeMode', spec.volumeMode, volumeModes));
  if (spec.hostPath && !spec.hostPath.path) errs.push(required('spec.hostPath.path'));
  if (spec.local && !spec.local.path) errs.push(required('spec.local.path'));
  return errs;
}

export function validateStorageClass(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, { namespaced: false });
  if (!obj.provisioner) errs.push(required('provisioner'));
  if (obj.reclaimPolicy !== undefined && !scReclaimPolicies.includes(obj.reclaimPolicy)) {
    errs.push(notSupported('reclaimPolicy', obj.reclaimPolicy, scReclaimPolicies));
  }
  if (obj.volumeBindingMode !== undefined && !bindingModes.includes(obj.volumeBindingMode)) {
    errs.push(notSupported('volumeBindingMode', obj.volumeBindingMode, bindingModes));
  }
  return errs;
}

export function validateStorageClassUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj, old);
  for (const key of ['parameters', 'provisioner', 'reclaimPolicy']) {
    if (!deepEqual(obj[key], old[key])) errs.push(forbidden(key, `updates to ${key} are forbidden.`));
  }
  if (!deepEqual(obj.volumeBindingMode, old.volumeBindingMode)) errs.push(immutable('volumeBindingMode', obj.volumeBindingMode ?? null));
  return errs;
}

export function validateCSIDriver(obj: KubeObject): FieldError[] {
  return validateObjectMeta(obj, { namespaced: false });
}

export function validateCSIDriverUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj, old);
  for (const key of ['attachRequired', 'podInfoOnMount', 'volumeLifecycleModes', 'fsGroupPolicy']) {
    if (!deepEqual(obj.spec?.[key], old.spec?.[key])) errs.push(immutable(`spec.${key}`, obj.spec?.[key] ?? null));
  }
  return errs;
}

export function validateCSINode(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, { namespaced: false });
  (Array.isArray(obj.spec?.drivers) ? obj.spec.drivers : []).forEach((d: Obj, i: number) => {
    if (!d?.name) errs.push(required(`spec.drivers[${i}].name`));
    if (!d?.nodeID) errs.push(required(`spec.drivers[${i}].nodeID`));
  });
  return errs;
}

export function validateVolumeAttachment(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, { namespaced: false });
  if (!obj.spec?.attacher) errs.push(required('spec.attacher'));
  if (!obj.spec?.nodeName) errs.push(required('spec.nodeName'));
  if (!obj.spec?.source?.persistentVolumeName && !obj.spec?.source?.inlineVolumeSpec) {
    errs.push(required('spec.source', 'must specify exactly one of inlineVolumeSpec and persistentVolumeName'));
  }
  return errs;
}

export function validateVolumeAttachmentUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj, old);
  if (!deepEqual(obj.spec, old.spec)) errs.push(immutable('spec', obj.spec ?? null));
  return errs;
}
