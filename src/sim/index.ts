// Entry point for `coxswain sim --nodes N` and `coxswain up --sim-nodes N`.
import type { ApiClient } from '../client/api-client.js';
import { SimNodes, type SimNodesOptions } from './sim-nodes.js';

export { SimNodes, NODE_LEASE_NAMESPACE, type SimNodesOptions } from './sim-nodes.js';
export { SIM_NODE_LABEL } from './node-template.js';

/** Registers `opts.count` simulated nodes and keeps them alive until `stop()`. */
export async function startSim(client: ApiClient, opts: SimNodesOptions): Promise<SimNodes> {
  const sim = new SimNodes(client, opts);
  try {
    await sim.start();
  } catch (err) {
    await sim.stop();
    throw err;
  }
  return sim;
}
