// autoscaling/v1 and autoscaling/v2 HorizontalPodAutoscalers: one store, v2 is the storage version.
import type { KindDef } from '../kinds.js';
import { hpaV1ToV2, hpaV2ToV1 } from '../conversion/hpa.js';
import { defaultHorizontalPodAutoscalerV1, defaultHorizontalPodAutoscalerV2 } from '../defaults/autoscaling.js';
import { validateHorizontalPodAutoscalerV1, validateHorizontalPodAutoscalerV2 } from '../validation/autoscaling.js';
import { defineKind } from './define.js';

const hpa: Omit<KindDef, 'version'> = {
  group: 'autoscaling', kind: 'HorizontalPodAutoscaler', resource: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler', namespaced: true, shortNames: ['hpa'], categories: ['all'],
  subresources: ['status'], hasStatus: true,
  storage: { group: 'autoscaling', resource: 'horizontalpodautoscalers', version: 'v2' },
};

export const autoscalingKinds: KindDef[] = [
  defineKind({
    ...hpa, version: 'v2',
    applyDefaults: defaultHorizontalPodAutoscalerV2, validate: validateHorizontalPodAutoscalerV2,
  }),
  defineKind({
    ...hpa, version: 'v1',
    toStorage: hpaV1ToV2, fromStorage: hpaV2ToV1,
    applyDefaults: defaultHorizontalPodAutoscalerV1, validate: validateHorizontalPodAutoscalerV1,
  }),
];
