// The DaemonSet controller, keyed as in kube-controller-manager --controllers.
import type { ControllerFactory } from '../manager.js';
import { newDaemonSetController } from './daemonset-controller.js';

export { DaemonSetController, newDaemonSetController } from './daemonset-controller.js';
export * from './daemon-pod.js';

export const daemonSetControllers: Record<string, ControllerFactory> = {
  daemonset: newDaemonSetController,
};
