// DefaultBinder (upstream plugins/defaultbinder): the Binding to POST to pods/<name>/binding.
// The scheduler's binding loop makes the API call.
import type { Binding } from 'kubernetes-types/core/v1.js';
import type { CycleState } from '../framework/cycle-state.js';
import type { BindPlugin, BindResult } from '../framework/interfaces.js';
import type { PodInfo } from '../framework/pod-info.js';
import { Names } from './names.js';

export function bindingFor(pod: PodInfo, nodeName: string): Binding {
  const m = pod.pod.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { namespace: m.namespace ?? 'default', name: m.name ?? '', ...(m.uid ? { uid: m.uid } : {}) },
    target: { kind: 'Node', name: nodeName },
  };
}

export class DefaultBinder implements BindPlugin {
  readonly name = Names.DefaultBinder;

  bind(_state: CycleState, pod: PodInfo, nodeName: string): BindResult {
    return { status: null, binding: bindingFor(pod, nodeName) };
  }
}
