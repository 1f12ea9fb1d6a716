// A real API server, a client over HTTP, and a controller manager running the controllers
// under test; plus the stand-in for a kubelet that the stories need (marking pods Running and
// Ready through pods/status) and a bounded poll. Shared by the replicaset and deployment tests.
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiClient } from '../../../src/client/api-client.js';
import { HttpTransport } from '../../../src/client/http-transport.js';
import { InformerFactory } from '../../../src/client/informer-factory.js';
import { pods } from '../../../src/client/resources.js';
import type { ControllerFactory } from '../../../src/controllers/manager.js';
import { ControllerManager } from '../../../src/controllers/manager.js';
import type { TestServer } from '../../helpers/api-server.js';
import { startTestServer } from '../../helpers/api-server.js';
import { eventually as poll, definedAnswer } from '../../helpers/eventually.js';

export interface Harness {
  server: TestServer;
  client: ApiClient;
  manager: ControllerManager;
  stop(): Promise<void>;
}

export async function startHarness(factories: Record<string, ControllerFactory>): Promise<Harness> {
  const server = await startTestServer();
  const client = new ApiClient(new HttpTransport({ server: server.url }));
  const manager = new ControllerManager({ client, factories });
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

/** Polls `fn` until it returns something other than undefined/false; fails after `timeoutMs`. */
export function eventually<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
  return poll(fn, what, { timeoutMs, accept: definedAnswer });
}

/** Marks `pod` Running and Ready through pods/status, as a kubelet would. */
export async function markPodReady(client: ApiClient, pod: Pod): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const next: Pod = {
    ...pod,
    status: {
      ...pod.status,
      phase: 'Running',
      conditions: [
        { type: 'Initialized', status: 'True', lastTransitionTime: now },
        { type: 'Ready', status: 'True', lastTransitionTime: now },
        { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
        { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
      ],
    },
  };
  await client.resource(pods, pod.metadata!.namespace).updateStatus(next);
}

/** Watches pods and marks each new one Running and Ready (a test stand-in for kubelets). */
export async function startPodReadiness(client: ApiClient, opts: { filter?: (pod: Pod) => boolean } = {}): Promise<{ stop(): Promise<void> }> {
  const informers = new InformerFactory(client);
  const informer = informers.informerFor(pods);
  const pending = new Set<Promise<void>>();
  const handle = (pod: Pod) => {
    if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Running') return;
    if (opts.filter && !opts.filter(pod)) return;
    const p = markPodReady(client, pod).catch(() => undefined).finally(() => pending.delete(p));
    pending.add(p);
  };
  informer.addEventHandler({ onAdd: handle, onUpdate: (_o, pod) => handle(pod) });
  informers.start();
  await informers.waitForSync();
  return {
    stop: async () => {
      await informers.stop();
      await Promise.all(pending);
    },
  };
}
