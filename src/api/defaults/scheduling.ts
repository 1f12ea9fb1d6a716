// scheduling.k8s.io/v1 defaults.
import type { KubeObject } from '../kinds.js';
import { setDefault } from './set-default.js';

export function defaultPriorityClass(obj: KubeObject): void {
  setDefault(obj, 'preemptionPolicy', 'PreemptLowerPriority');
}
