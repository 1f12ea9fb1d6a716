// HorizontalPodAutoscaler defaults, after autoscaling/v1 and autoscaling/v2 SetDefaults_*.
import type { KubeObject } from '../kinds.js';
import { child, setDefault, type Obj } from './set-default.js';

/** Upstream autoscaling.DefaultCPUUtilization, used when an HPA names no metric. */
export const defaultCPUUtilization = 80;

export function defaultHorizontalPodAutoscalerV1(obj: KubeObject): void {
  setDefault(child(obj, 'spec'), 'minReplicas', 1);
}

function fillScalingRules(rules: Obj | undefined, defaults: Obj): Obj {
  const out: Obj = { ...(rules ?? {}) };
  for (const [k, v] of Object.entries(defaults)) {
    if (out[k] === undefined || out[k] === null) out[k] = structuredClone(v);
  }
  return out;
}

export function defaultHorizontalPodAutoscalerV2(obj: KubeObject): void {
  const spec = child(obj, 'spec');
  setDefault(spec, 'minReplicas', 1);
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: defaultCPUUtilization } },
    }];
  }
  // Upstream fills behavior only when the user gave one.
  if (spec.behavior) {
    spec.behavior.scaleUp = fillScalingRules(spec.behavior.scaleUp, {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }],
    });
    spec.behavior.scaleDown = fillScalingRules(spec.behavior.scaleDown, {
      selectPolicy: 'Max',
      policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    });
  }
}
