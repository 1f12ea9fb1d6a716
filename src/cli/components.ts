// The cluster components besides the API server — controller manager, scheduler and
// simulated nodes — started over one API client (in-process for `up`, a kubeconfig for the
// standalone commands), each stopped in reverse order.
import type { ApiClient } from '../client/api-client.js';
import { ControllerManager } from '../controllers/manager.js';
import { allControllers } from '../controllers/registry.js';
import { startScheduler } from '../scheduler/start.js';
import { startSim } from '../sim/index.js';
import type { Logger } from '../logger.js';

export interface ComponentOptions {
  /** `--controllers`: `*`, names, `-name`; empty array runs none. */
  controllers?: string[];
  scheduler?: boolean;
  simNodes?: number;
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
        factories: allControllers,
        controllers: opts.controllers,
        logger: opts.logger.child({ component: 'controller-manager' }),
      });
      stops.push(() => manager.stop());
      await manager.start();
    }
    if (opts.scheduler !== false) {
      const scheduler = await startScheduler(clients.scheduler, { logger: opts.logger.child({ component: 'scheduler' }) });
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
