// autoscaling/v1 and autoscaling/v2 HorizontalPodAutoscaler validation (upstream
// pkg/apis/autoscaling/validation).
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../kinds.js';
import { invalid, notSupported, required } from './field-errors.js';
import { validateObjectMeta } from './meta.js';
import { isValidPathSegmentName } from './names.js';

type Obj = Record<string, any>;

const metricTypes = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];

function validateCommon(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, { namespaced: true });
  const spec: Obj = obj.spec ?? {};
  const ref: Obj = spec.scaleTargetRef ?? {};
  if (!ref.kind) errs.push(required('spec.scaleTargetRef.kind'));
  else for (const m of isValidPathSegmentName(ref.kind)) errs.push(invalid('spec.scaleTargetRef.kind', ref.kind, m));
  if (!ref.name) errs.push(required('spec.scaleTargetRef.name'));
  else for (const m of isValidPathSegmentName(ref.name)) errs.push(invalid('spec.scaleTargetRef.name', ref.name, m));
  if (typeof spec.minReplicas === 'number' && spec.minReplicas < 1) {
    errs.push(invalid('spec.minReplicas', spec.minReplicas, 'must be greater than or equal to 1'));
  }
  if (typeof spec.maxReplicas !== 'number' || spec.maxReplicas < 1) {
    errs.push(invalid('spec.maxReplicas', spec.maxReplicas ?? 0, 'must be greater than 0'));
  } else if (typeof spec.minReplicas === 'number' && spec.maxReplicas < spec.minReplicas) {
    errs.push(invalid('spec.maxReplicas', spec.maxReplicas, 'must be greater than or equal to `minReplicas`'));
  }
  return errs;
}

export function validateHorizontalPodAutoscalerV1(obj: KubeObject): FieldError[] {
  const errs = validateCommon(obj);
  const target = obj.spec?.targetCPUUtilizationPercentage;
  if (typeof target === 'number' && target < 1) {
    errs.push(invalid('spec.targetCPUUtilizationPercentage', target, 'must be greater than or equal to 1'));
  }
  return errs;
}

export function validateHorizontalPodAutoscalerV2(obj: KubeObject): FieldError[] {
  const errs = validateCommon(obj);
  (Array.isArray(obj.spec?.metrics) ? obj.spec.metrics : []).forEach((m: Obj, i: number) => {
    const mp = `spec.metrics[${i}]`;
    if (!m?.type) errs.push(required(`${mp}.type`));
    else if (!metricTypes.includes(m.type)) errs.push(notSupported(`${mp}.type`, m.type, metricTypes));
    const key = m?.type ? m.type[0].toLowerCase() + m.type.slice(1) : '';
    if (m?.type && metricTypes.includes(m.type) && !m[key]) errs.push(required(`${mp}.${key}`, `must populate information for the given metric source`));
    const target = m?.[key]?.target as Obj | undefined;
    if (target && typeof target.averageUtilization === 'number' && target.averageUtilization < 1) {
      errs.push(invalid(`${mp}.${key}.target.averageUtilization`, target.averageUtilization, 'must be greater than 0'));
    }
  });
  return errs;
}
