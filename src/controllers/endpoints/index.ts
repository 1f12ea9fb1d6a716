// The service-endpoint and disruption-budget controllers, keyed by their upstream names in
// kube-controller-manager's --controllers.
import type { ControllerFactory } from '../manager.js';
import { DisruptionController } from './disruption-controller.js';
import { EndpointSliceController } from './endpointslice-controller.js';
import { EndpointsController } from './endpoints-controller.js';

export const endpointsControllers: Record<string, ControllerFactory> = {
  endpoint: (ctx) => new EndpointsController(ctx),
  endpointslice: (ctx) => new EndpointSliceController(ctx),
  disruption: (ctx) => new DisruptionController(ctx),
};

export { EndpointsController } from './endpoints-controller.js';
export { EndpointSliceController } from './endpointslice-controller.js';
export type { EndpointSliceControllerOptions } from './endpointslice-controller.js';
export { DisruptionController } from './disruption-controller.js';
export { podDisruptionBudgets } from './policy-resources.js';
