// autoscaling/v1 ↔ autoscaling/v2 HorizontalPodAutoscaler conversion. v2 is the storage
// version. v1 can only express a CPU utilization target; as upstream, everything else rides
// along in annotations on the v1 object so a v1 round trip loses nothing.
import type { KubeObject } from '../kinds.js';
import { defaultHorizontalPodAutoscalerV2 } from '../defaults/autoscaling.js';

export const hpaMetricsAnnotation = 'autoscaling.alpha.kubernetes.io/metrics';
export const hpaCurrentMetricsAnnotation = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const hpaConditionsAnnotation = 'autoscaling.alpha.kubernetes.io/conditions';
export const hpaBehaviorAnnotation = 'autoscaling.alpha.kubernetes.io/behavior';

type Obj = Record<string, any>;

function isCPUUtilization(m: Obj): boolean {
  return m?.type === 'Resource' && m.resource?.name === 'cpu' && m.resource?.target?.type === 'Utilization';
}

function isCurrentCPU(m: Obj): boolean {
  return m?.type === 'Resource' && m.resource?.name === 'cpu' && m.resource?.current?.averageUtilization !== undefined;
}

function readAnnotation(annotations: Obj, key: string): any {
  const raw = annotations[key];
  delete annotations[key];
  if (typeof raw !== 'string') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function cleanMeta(meta: Obj): Obj {
  const out = { ...meta };
  if (out.annotations && Object.keys(out.annotations).length === 0) delete out.annotations;
  return out;
}

export function hpaV1ToV2(v1: KubeObject): KubeObject {
  const src = structuredClone(v1);
  const meta: Obj = { ...(src.metadata ?? {}) };
  const annotations: Obj = { ...(meta.annotations ?? {}) };
  meta.annotations = annotations;
  const spec: Obj = src.spec ?? {};
  const metrics: Obj[] = readAnnotation(annotations, hpaMetricsAnnotation) ?? [];
  if (typeof spec.targetCPUUtilizationPercentage === 'number') {
    metrics.push({
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } },
    });
  }
  const behavior = readAnnotation(annotations, hpaBehaviorAnnotation);
  const outSpec: Obj = { scaleTargetRef: spec.scaleTargetRef, minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas };
  if (metrics.length) outSpec.metrics = metrics;
  if (behavior) outSpec.behavior = behavior;
  const out: KubeObject = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta, spec: outSpec };
  const currentMetrics: Obj[] = readAnnotation(annotations, hpaCurrentMetricsAnnotation) ?? [];
  const conditions = readAnnotation(annotations, hpaConditionsAnnotation);
  if (src.status) {
    const { currentCPUUtilizationPercentage, ...rest } = src.status as Obj;
    if (typeof currentCPUUtilizationPercentage === 'number') {
      currentMetrics.push({ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: currentCPUUtilizationPercentage } } });
    }
    out.status = { ...rest };
    if (currentMetrics.length) out.status.currentMetrics = currentMetrics;
    if (conditions) out.status.conditions = conditions;
  }
  out.metadata = cleanMeta(meta);
  // v2 defaults (e.g. the 80% CPU target when no metric is named) apply to the stored object.
  defaultHorizontalPodAutoscalerV2(out);
  return out;
}

export function hpaV2ToV1(v2: KubeObject): KubeObject {
  const src = structuredClone(v2);
  const meta: Obj = { ...(src.metadata ?? {}) };
  const annotations: Obj = { ...(meta.annotations ?? {}) };
  const spec: Obj = src.spec ?? {};
  const metrics: Obj[] = Array.isArray(spec.metrics) ? spec.metrics : [];
  const cpu = metrics.find(isCPUUtilization);
  const others = metrics.filter((m) => m !== cpu);
  if (others.length) annotations[hpaMetricsAnnotation] = JSON.stringify(others);
  if (spec.behavior) annotations[hpaBehaviorAnnotation] = JSON.stringify(spec.behavior);
  const outSpec: Obj = { scaleTargetRef: spec.scaleTargetRef, minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas };
  if (cpu) outSpec.targetCPUUtilizationPercentage = cpu.resource.target.averageUtilization;
  const out: KubeObject = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: meta, spec: outSpec };
  if (src.status) {
    const { currentMetrics, conditions, ...rest } = src.status as Obj;
    out.status = { ...rest };
    const current: Obj[] = Array.isArray(currentMetrics) ? currentMetrics : [];
    const currentCPU = current.find(isCurrentCPU);
    if (currentCPU) out.status.currentCPUUtilizationPercentage = currentCPU.resource.current.averageUtilization;
    const otherCurrent = current.filter((m) => m !== currentCPU);
    if (otherCurrent.length) annotations[hpaCurrentMetricsAnnotation] = JSON.stringify(otherCurrent);
    if (Array.isArray(conditions) && conditions.length) annotations[hpaConditionsAnnotation] = JSON.stringify(conditions);
  }
  meta.annotations = annotations;
  out.metadata = cleanMeta(meta);
  return out;
}
