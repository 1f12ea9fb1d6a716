// The node IPAM controller, keyed as kube-controller-manager's --controllers names it.
import type { ControllerFactory } from '../manager.js';
import { NodeIpamController, type NodeIpamOptions } from './nodeipam-controller.js';

export { NodeIpamController, type NodeIpamOptions } from './nodeipam-controller.js';
export { CidrSet } from './cidr-set.js';

/** With a cluster CIDR (as `coxswain up` passes it); without one the controller does nothing. */
export function newNodeIpamControllers(opts: NodeIpamOptions = {}): Record<string, ControllerFactory> {
  return { nodeipam: (ctx) => new NodeIpamController(ctx, opts) };
}

export const nodeIpamControllers: Record<string, ControllerFactory> = newNodeIpamControllers();
