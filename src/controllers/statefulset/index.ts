// The StatefulSet controller, keyed as in kube-controller-manager --controllers.
import type { ControllerFactory } from '../manager.js';
import { newStatefulSetController } from './statefulset-controller.js';

export { StatefulSetController, newStatefulSetController } from './statefulset-controller.js';
export * from './stateful-pod.js';

export const statefulSetControllers: Record<string, ControllerFactory> = {
  statefulset: newStatefulSetController,
};
