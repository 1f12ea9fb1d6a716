// A small cluster for integration tests: a real API server (plain HTTP, in-memory store) with
// the Priority and DefaultTolerationSeconds admission plugins, an HTTP client, simulated nodes
// and, when asked, the scheduler and the node lifecycle controllers.
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiServer } from '../../../src/apiserver/server.js';
import { ApiClient } from '../../../src/client/api-client.js';
import { HttpTransport } from '../../../src/client/http-transport.js';
import { events, pods } from '../../../src/client/resources.js';
import { ControllerManager, type ControllerFactory } from '../../../src/controllers/manager.js';
import { newNodeLifecycleControllers, type NodeLifecycleOptions } from '../../../src/controllers/node-lifecycle/index.js';
import { Scheduler, type SchedulerOptions } from '../../../src/scheduler/scheduler.js';
import { SimNodes, type SimNodesOptions } from '../../../src/sim/sim-nodes.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { eventually as poll } from '../../helpers/eventually.js';

export interface TestCluster {
  client: ApiClient;
  sim: SimNodes;
  scheduler?: Scheduler;
  manager?: ControllerManager;
  stop(): Promise<void>;
}

export interface TestClusterOptions {
  sim?: Partial<SimNodesOptions>;
  /** false: no scheduler. */
  scheduler?: Partial<Omit<SchedulerOptions, 'client'>> | false;
  nodeLifecycle?: NodeLifecycleOptions;
  /** More controllers to run beside the node lifecycle ones (e.g. replicaset). */
  controllers?: Record<string, ControllerFactory>;
  tolerationSeconds?: number;
}

export async function startCluster(opts: TestClusterOptions = {}): Promise<TestCluster> {
  const store = new MemoryStore();
  let server!: ApiServer;
  server = new ApiServer({
    store,
    port: 0,
    authenticator: { authenticate: () => ({ name: 'test-admin', groups: ['system:masters', 'system:authenticated'] }) },
    defaultTolerationSeconds: opts.tolerationSeconds,
  });
  await server.start();
  const transport = new HttpTransport({ server: server.url });
  const client = new ApiClient(transport);
  const sim = new SimNodes(client, { count: 3, leaseRenewIntervalMs: 200, maxDeletionDelayMs: 50, ...opts.sim });
  await sim.start();
  let scheduler: Scheduler | undefined;
  if (opts.scheduler !== false) {
    scheduler = new Scheduler({ client, podInitialBackoffMs: 100, podMaxBackoffMs: 500, ...opts.scheduler });
    await scheduler.start();
  }
  let manager: ControllerManager | undefined;
  if (opts.nodeLifecycle || opts.controllers) {
    const factories = { ...(opts.nodeLifecycle ? newNodeLifecycleControllers(opts.nodeLifecycle) : {}), ...opts.controllers };
    manager = new ControllerManager({ client, factories });
    await manager.start();
  }
  return {
    client, sim, scheduler, manager,
    async stop() {
      await manager?.stop();
      await scheduler?.stop();
      await sim.stop();
      transport.close();
      await server.stop();
      await store.close();
    },
  };
}

/** Polls `fn` until it returns a truthy value (which it returns), or fails after timeoutMs. */
export function eventually<T>(fn: () => Promise<T | undefined | false | null>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  return poll(fn, what, { timeoutMs, intervalMs: 25 });
}

export function simplePod(name: string, spec: Partial<Pod['spec']> = {}, labels: Record<string, string> = {}): Pod {
  return {
    metadata: { name, namespace: 'default', labels },
    spec: {
      containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '64Mi' } } }],
      terminationGracePeriodSeconds: 1,
      ...spec,
    },
  };
}

export async function nodeOf(client: ApiClient, name: string, ns = 'default'): Promise<string | undefined> {
  return (await client.resource(pods, ns).get(name)).spec?.nodeName || undefined;
}

export async function waitBound(client: ApiClient, name: string, ns = 'default', timeoutMs = 10_000): Promise<string> {
  return eventually(() => nodeOf(client, name, ns), timeoutMs, `pod ${name} to be bound`);
}

export async function eventsFor(client: ApiClient, name: string, ns = 'default') {
  const list = await client.resource(events, ns).list({ fieldSelector: `involvedObject.name=${name}` });
  return list.items;
}
