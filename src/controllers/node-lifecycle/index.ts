// The node lifecycle controllers, keyed as kube-controller-manager's --controllers names them.
import type { ControllerFactory } from '../manager.js';
import { NodeLifecycleController, type NodeLifecycleOptions } from './node-lifecycle-controller.js';
import { TaintEvictionController } from './taint-eviction-controller.js';

export { NodeLifecycleController, type NodeLifecycleOptions } from './node-lifecycle-controller.js';
export { TaintEvictionController } from './taint-eviction-controller.js';

/** The controllers with non-default timings (tests use short grace periods). */
export function newNodeLifecycleControllers(opts: NodeLifecycleOptions = {}): Record<string, ControllerFactory> {
  return {
    nodelifecycle: (ctx) => new NodeLifecycleController(ctx, opts),
    'taint-eviction-controller': (ctx) => new TaintEvictionController(ctx),
  };
}

export const nodeLifecycleControllers: Record<string, ControllerFactory> = newNodeLifecycleControllers();
