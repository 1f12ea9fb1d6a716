// Validation for the smaller core/v1 kinds: Namespace, Node, ServiceAccount, Event,
// LimitRange, ResourceQuota.
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../kinds.js';
import { duplicate, forbidden, invalid, notSupported, required } from './field-errors.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isQualifiedName, isValidLabelValue, nameIsDNSLabel } from './names.js';
import { validateResourceList } from './resources.js';

type Obj = Record<string, any>;

const taintEffects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const limitTypes = ['Container', 'Pod', 'PersistentVolumeClaim'];

export function validateNamespace(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, { namespaced: false, nameValidator: nameIsDNSLabel });
  (Array.isArray(obj.spec?.finalizers) ? obj.spec.finalizers : []).forEach((f: string, i: number) => {
    for (const m of isQualifiedName(String(f))) errs.push(invalid(`spec.finalizers[${i}]`, f, m));
  });
  return errs;
}

export function validateTaints(taints: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(taints)) return errs;
  const seen = new Set<string>();
  taints.forEach((t: Obj, i) => {
    const tp = `${field}[${i}]`;
    if (!t?.key) errs.push(required(`${tp}.key`));
    else for (const m of isQualifiedName(t.key)) errs.push(invalid(`${tp}.key`, t.key, m));
    if (t?.value) for (const m of isValidLabelValue(t.value)) errs.push(invalid(`${tp}.value`, t.value, m));
    if (!t?.effect) errs.push(required(`${tp}.effect`));
    else if (!taintEffects.includes(t.effect)) errs.push(notSupported(`${tp}.effect`, t.effect, taintEffects));
    const key = `${t?.key}:${t?.effect}`;
    if (seen.has(key)) errs.push(duplicate(tp, t));
    seen.add(key);
  });
  return errs;
}

function isCIDR(value: string): boolean {
  const m = /^(.+)\/([0-9]{1,3})$/.exec(value);
  if (!m) return false;
  const bits = Number(m[2]);
  if (/^[0-9.]+$/.test(m[1]!)) return bits <= 32 && m[1]!.split('.').length === 4 && m[1]!.split('.').every((p) => Number(p) <= 255 && p !== '');
  return m[1]!.includes(':') && bits <= 128;
}

export function validateNode(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, { namespaced: false });
  const spec: Obj = obj.spec ?? {};
  errs.push(...validateTaints(spec.taints, 'spec.taints'));
  const cidrs: string[] = Array.isArray(spec.podCIDRs) ? spec.podCIDRs : spec.podCIDR ? [spec.podCIDR] : [];
  cidrs.forEach((c, i) => {
    if (!isCIDR(c)) errs.push(invalid(`spec.podCIDRs[${i}]`, c, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
  });
  return errs;
}

export function validateNodeUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj, old);
  const before: string[] = old.spec?.podCIDRs ?? [];
  const after: string[] = obj.spec?.podCIDRs ?? [];
  if (before.length > 0 && JSON.stringify(before) !== JSON.stringify(after)) {
    errs.push(forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
  }
  return errs;
}

export function validateServiceAccount(obj: KubeObject): FieldError[] {
  return validateObjectMeta(obj, { namespaced: true });
}

/** core/v1 Event: the involved object's namespace must be the event's own (when set). */
export function validateCoreEvent(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, { namespaced: true });
  const ns = obj.metadata?.namespace;
  const involvedNs = obj.involvedObject?.namespace;
  if (involvedNs && ns && involvedNs !== ns) {
    errs.push(invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
  }
  if (typeof obj.count === 'number' && obj.count < 0) errs.push(invalid('count', obj.count, 'must be greater than or equal to 0'));
  return errs;
}

/** events.k8s.io/v1 Event: the newer API requires the reporting fields. */
export function validateEventsV1Event(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, { namespaced: true });
  if (!obj.eventTime) errs.push(required('eventTime'));
  if (!obj.reportingController) errs.push(required('reportingController'));
  else for (const m of isQualifiedName(obj.reportingController)) errs.push(invalid('reportingController', obj.reportingController, m));
  if (!obj.reportingInstance) errs.push(required('reportingInstance'));
  if (!obj.action) errs.push(required('action'));
  if (!obj.reason) errs.push(required('reason'));
  if (obj.type !== 'Normal' && obj.type !== 'Warning') errs.push(notSupported('type', obj.type ?? '', ['Normal', 'Warning']));
  return errs;
}

export function validateLimitRange(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, { namespaced: true });
  (Array.isArray(obj.spec?.limits) ? obj.spec.limits : []).forEach((item: Obj, i: number) => {
    const ip = `spec.limits[${i}]`;
    if (!limitTypes.includes(item?.type)) errs.push(notSupported(`${ip}.type`, item?.type ?? '', limitTypes));
    for (const key of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) {
      validateResourceList(item?.[key], `${ip}.${key}`, errs);
    }
  });
  return errs;
}

export function validateResourceQuota(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, { namespaced: true });
  validateResourceList(obj.spec?.hard, 'spec.hard', errs);
  return errs;
}
