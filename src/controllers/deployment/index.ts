// The Deployment controller, keyed by its kube-controller-manager name.
import type { ControllerFactory } from '../manager.js';
import { DeploymentController } from './deployment-controller.js';

export { DeploymentController } from './deployment-controller.js';
export { computePodTemplateHash, POD_TEMPLATE_HASH_LABEL } from './pod-template-hash.js';
export { resolveFenceposts, scaledValueFromIntOrPercent, maxSurge, maxUnavailable } from './rolling-math.js';

export const deploymentControllers: Record<string, ControllerFactory> = {
  deployment: (ctx) => new DeploymentController(ctx),
};
