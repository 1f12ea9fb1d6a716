// Shared pieces of the lifecycle controller tests: a real API server with an in-process
// client, a controller manager running the controllers under test, bounded polling, and
// small object builders.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { ApiClient } from '../../../src/client/api-client.js';
import { InProcessTransport } from '../../../src/client/in-process-transport.js';
import type { Clock } from '../../../src/client/clock.js';
import type { ControllerFactory } from '../../../src/controllers/manager.js';
import { ControllerManager } from '../../../src/controllers/manager.js';
import type { TestServer } from '../../helpers/api-server.js';
import { startTestServer } from '../../helpers/api-server.js';
import { eventually as poll } from '../../helpers/eventually.js';

export interface Cluster {
  server: TestServer;
  client: ApiClient;
  manager: ControllerManager;
  stop(): Promise<void>;
}

export function localClient(server: TestServer): ApiClient {
  return new ApiClient(new InProcessTransport((r) => server.server.handleLocal(r), { name: 'system:kube-controller-manager', groups: ['system:masters'] }));
}

/** An API server plus a controller manager running `factories` (started and synced). */
export async function startCluster(factories: Record<string, ControllerFactory>, opts: { clock?: Clock } = {}): Promise<Cluster> {
  const server = await startTestServer();
  const client = localClient(server);
  const manager = new ControllerManager({ client, factories, clock: opts.clock });
  await manager.start();
  return {
    server,
    client,
    manager,
    stop: async () => {
      await manager.stop();
      await server.stop();
    },
  };
}

/** Polls `fn` until it returns something truthy; fails after `timeoutMs`. */
export function eventually<T>(fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, what: string, timeoutMs = 10_000): Promise<T> {
  return poll(fn, what, { timeoutMs });
}

/** Resolves to true once `get` throws NotFound. */
export async function isGone(get: () => Promise<unknown>): Promise<boolean> {
  try {
    await get();
    return false;
  } catch (err) {
    if ((err as { reason?: string }).reason === 'NotFound') return true;
    throw err;
  }
}

export function replicaSet(name: string, namespace = 'default'): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    },
  };
}

export function ownerRef(owner: { apiVersion?: string; kind?: string; metadata?: { name?: string; uid?: string } }, extra: Partial<OwnerReference> = {}): OwnerReference {
  return { apiVersion: owner.apiVersion!, kind: owner.kind!, name: owner.metadata!.name!, uid: owner.metadata!.uid!, controller: true, blockOwnerDeletion: true, ...extra };
}

export function pod(name: string, opts: { namespace?: string; owners?: OwnerReference[]; finalizers?: string[]; nodeName?: string } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: opts.namespace ?? 'default', ownerReferences: opts.owners, finalizers: opts.finalizers },
    spec: { containers: [{ name: 'c', image: 'busybox' }], nodeName: opts.nodeName },
  };
}
