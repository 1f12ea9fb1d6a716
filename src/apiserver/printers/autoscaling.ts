// HorizontalPodAutoscalers: REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE (upstream
// printHorizontalPodAutoscaler, which prints the autoscaling/v2 shape of any version).
import { hpaV1ToV2 } from '../../api/conversion/hpa.js';
import { ageCol, definePrinter, nameCol, str } from './columns.js';
import { int64 } from './format.js';
import { canonicalQuantity } from '../../api/quantity.js';
import { age } from './time.js';
import type { KubeObject, PrinterRegistration } from './types.js';

type Obj = Record<string, any>;

/** Quantity.String(), which prints a nil quantity as "<nil>". */
function q(v: unknown): string {
  return v === undefined || v === null ? '<nil>' : canonicalQuantity(v as string | number);
}

function metricText(spec: Obj, status: Obj | undefined): string {
  switch (spec.type) {
    case 'External': {
      const target = spec.external?.target ?? {};
      const current = status?.external?.current;
      if (target.averageValue !== undefined && target.averageValue !== null) {
        const cur = current?.averageValue !== undefined && current?.averageValue !== null ? q(current.averageValue) : '<unknown>';
        return `${cur}/${q(target.averageValue)} (avg)`;
      }
      return `${status?.external ? q(current?.value) : '<unknown>'}/${q(target.value)}`;
    }
    case 'Pods': {
      const cur = status?.pods ? q(status.pods.current?.averageValue) : '<unknown>';
      return `${cur}/${q(spec.pods?.target?.averageValue)}`;
    }
    case 'Object': {
      const target = spec.object?.target ?? {};
      const current = status?.object?.current;
      if (target.averageValue !== undefined && target.averageValue !== null) {
        const cur = current?.averageValue !== undefined && current?.averageValue !== null ? q(current.averageValue) : '<unknown>';
        return `${cur}/${q(target.averageValue)} (avg)`;
      }
      return `${status?.object ? q(current?.value) : '<unknown>'}/${q(target.value)}`;
    }
    case 'Resource':
    case 'ContainerResource': {
      const key = spec.type === 'Resource' ? 'resource' : 'containerResource';
      const source: Obj = spec[key] ?? {};
      const target = source.target ?? {};
      const current = status?.[key];
      if (target.averageValue !== undefined && target.averageValue !== null) {
        const cur = current ? q(current.current?.averageValue) : '<unknown>';
        return `${source.name}: ${cur}/${q(target.averageValue)}`;
      }
      const util = current?.current?.averageUtilization;
      const cur = typeof util === 'number' ? `${util}%` : '<unknown>';
      const tgt = typeof target.averageUtilization === 'number' ? `${target.averageUtilization}%` : '<auto>';
      return `${source.name}: ${cur}/${tgt}`;
    }
    default:
      return '<unknown type>';
  }
}

/** formatHPAMetrics: the first two metrics as "current/target", then "+ N more...". */
export function hpaTargets(hpa: KubeObject): string {
  const specs: Obj[] = hpa.spec?.metrics ?? [];
  const statuses: Obj[] = hpa.status?.currentMetrics ?? [];
  if (specs.length === 0) return '<none>';
  const max = 2;
  const list = specs.map((s, i) => metricText(s, statuses[i]));
  const text = list.slice(0, max).join(', ');
  return list.length > max ? `${text} + ${list.length - max} more...` : text;
}

function asV2(hpa: KubeObject): KubeObject {
  return hpa.apiVersion === 'autoscaling/v1' ? hpaV1ToV2(hpa) : hpa;
}

export const hpaPrinter = definePrinter(
  [
    nameCol,
    str('Reference', ['autoscaling.v2.HorizontalPodAutoscalerSpec', 'scaleTargetRef']),
    str('Targets', ['autoscaling.v2.HorizontalPodAutoscalerSpec', 'metrics']),
    str('MinPods', ['autoscaling.v2.HorizontalPodAutoscalerSpec', 'minReplicas']),
    str('MaxPods', ['autoscaling.v2.HorizontalPodAutoscalerSpec', 'maxReplicas']),
    str('Replicas', ['autoscaling.v2.HorizontalPodAutoscalerStatus', 'currentReplicas']),
    ageCol,
  ],
  (o, now) => {
    const hpa = asV2(o);
    const ref = hpa.spec?.scaleTargetRef ?? {};
    const min = hpa.spec?.minReplicas;
    return [
      hpa.metadata?.name,
      `${ref.kind ?? ''}/${ref.name ?? ''}`,
      hpaTargets(hpa),
      typeof min === 'number' ? String(min) : '<unset>',
      int64(hpa.spec?.maxReplicas),
      int64(hpa.status?.currentReplicas),
      age(hpa, now),
    ];
  },
);

export const autoscalingPrinters: PrinterRegistration[] = [
  { group: 'autoscaling', resource: 'horizontalpodautoscalers', printer: hpaPrinter },
];
