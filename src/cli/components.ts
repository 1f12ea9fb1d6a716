// The cluster components besides the API server — controller manager, scheduler and
// simulated nodes — started over one API client (in-process for `up`, a kubeconfig for the
// standalone commands), each stopped in reverse order.
import type { ApiClient } from '../client/api-client.js';
import { ControllerManager } from '../controllers/manager.js';
import { allControllers } from '../controllers/registry.js';
import { startScheduler } from '../scheduler/start.js';
import { startSim } from '../sim/index.js';
import { newNodeIpamControllers } from '../controllers/nodeipam/index.js';
import { startServiceLB } from '../proxy/index.js';
import type { Logger } from '../logger.js';
import { sharedIdleGate } from '../client/idle-gate.js';

export interface ComponentOptions {
  /** `--controllers`: `*`, names, `-name`; empty array runs none. */
  controllers?: string[];
  scheduler?: boolean;
  simNodes?: number;
  /** Pod range split into per-node podCIDRs by the node IPAM controller (none: nodes get none). */
  clusterCIDR?: string;
  /** Run the built-in service load balancer (default: with the controllers). */
  serviceLB?: boolean;
  logger: Logger;
}

export interface RunningComponents {
  stop(): Promise<void>;
}

export interface ComponentClients {
  controllerManager: ApiClient;
  scheduler: ApiClient;
  sim: ApiClient;
}

export async function startComponents(clients: ComponentClients, opts: ComponentOptions): Promise<RunningComponents> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  };
  try {
    if (opts.controllers === undefined || opts.controllers.length > 0) {
      const manager = new ControllerManager({
        client: clients.controllerManager,
        factories: opts.clusterCIDR ? { ...allControllers, ...newNodeIpamControllers({ clusterCIDR: opts.clusterCIDR }) } : allControllers,
        controllers: opts.controllers,
        logger: opts.logger.child({ component: 'controller-manager' }),
        eventGate: sharedIdleGate(),
      });
      stops.push(() => manager.stop());
      await manager.start();
    }
    if (opts.serviceLB ?? (opts.controllers === undefined || opts.controllers.length > 0)) {
      const lb = startServiceLB(clients.controllerManager, { logger: opts.logger.child({ component: 'service-lb' }) });
      stops.push(() => lb.stop());
    }
    if (opts.scheduler !== false) {
      const scheduler = await startScheduler(clients.scheduler, { logger: opts.logger.child({ component: 'scheduler' }), eventGate: sharedIdleGate() });
      stops.push(() => scheduler.stop());
    }
    if (opts.simNodes && opts.simNodes > 0) {
      const sim = await startSim(clients.sim, { count: opts.simNodes, logger: opts.logger.child({ component: 'sim' }) });
      stops.push(() => sim.stop());
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  return { stop: stopAll };
}

/** Parses `--controllers a,b,-c` (empty string: none). */
export function parseControllerList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}
