// Test scaffolding for the workload controllers: a real API server, a controller manager with
// the controllers under test, and a stand-in for the scheduler and kubelet that binds pods,
// marks them Running and Ready through pods/status, and finishes graceful deletions.
import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { ApiClient } from '../../../src/client/api-client.js';
import { isConflict, isNotFound } from '../../../src/client/errors.js';
import { InProcessTransport } from '../../../src/client/in-process-transport.js';
import { InformerFactory } from '../../../src/client/informer-factory.js';
import { nodes, pods } from '../../../src/client/resources.js';
import type { ControllerFactory } from '../../../src/controllers/manager.js';
import { ControllerManager } from '../../../src/controllers/manager.js';
import { startTestServer, type TestServer } from '../../helpers/api-server.js';
import { eventually as poll } from '../../helpers/eventually.js';

export interface WorkloadCluster {
  server: TestServer;
  client: ApiClient;
  manager: ControllerManager;
  kubelet: FakeKubelet;
  stop(): Promise<void>;
}

export async function startWorkloadCluster(factories: Record<string, ControllerFactory>, kubelet: FakeKubeletOptions = {}): Promise<WorkloadCluster> {
  const server = await startTestServer();
  const client = new ApiClient(new InProcessTransport((r) => server.server.handleLocal(r), { name: 'system:kube-controller-manager', groups: ['system:masters'] }));
  const manager = new ControllerManager({ client, factories });
  await manager.start();
  const fake = new FakeKubelet(client, kubelet);
  await fake.start();
  return {
    server,
    client,
    manager,
    kubelet: fake,
    stop: async () => {
      await fake.stop();
      await manager.stop();
      await server.stop();
    },
  };
}

/** Polls `fn` until it returns a truthy value (returned) or throws the last failure after `timeoutMs`. */
export function eventually<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  return poll(fn, what, { timeoutMs });
}

export async function createNode(client: ApiClient, name: string, opts: { labels?: Record<string, string>; taints?: Taint[] } = {}): Promise<Node> {
  return client.resource(nodes).create({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(opts.labels ?? {}) } },
    spec: opts.taints ? { taints: opts.taints } : {},
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  });
}

/** Marks the pod Running and Ready through pods/status, as a kubelet would. */
export async function markPodReady(client: ApiClient, namespace: string, name: string): Promise<void> {
  const api = client.resource(pods, namespace);
  for (;;) {
    const pod = await api.get(name);
    if (pod.metadata?.deletionTimestamp) return;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const status = {
      ...(pod.status ?? {}),
      phase: 'Running',
      podIP: '10.42.0.1',
      startTime: pod.status?.startTime ?? now,
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
        { type: 'Initialized', status: 'True', lastTransitionTime: now },
        { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
        { type: 'Ready', status: 'True', lastTransitionTime: now },
      ],
    };
    try {
      await api.updateStatus({ ...pod, status });
      return;
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
}

export interface FakeKubeletOptions {
  /** Marks new pods Running and Ready when this says so (default: never; tests call markPodReady). */
  autoReady?: (pod: Pod) => boolean;
  /** Binds pods pinned to a node by `metadata.name In [node]` affinity, as the scheduler would (default true). */
  bind?: boolean;
}

function pinnedNode(pod: Pod): string | undefined {
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
  }
  return undefined;
}

/**
 * Plays scheduler and kubelet for controller tests: binds pinned pods, readies pods the
 * options select, and deletes pods whose graceful deletion began (the containers "stopped").
 */
export class FakeKubelet {
  private readonly informers: InformerFactory;
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly client: ApiClient, private readonly opts: FakeKubeletOptions) {
    this.informers = new InformerFactory(client);
  }

  /** Changes which pods become ready by themselves. */
  setAutoReady(pred: ((pod: Pod) => boolean) | undefined): void {
    this.opts.autoReady = pred;
    for (const pod of this.informers.informerFor(pods).lister.list()) this.handle(pod);
  }

  async start(): Promise<void> {
    const informer = this.informers.informerFor(pods);
    informer.addEventHandler({ onAdd: (p) => this.handle(p), onUpdate: (_o, p) => this.handle(p) });
    this.informers.start();
    await this.informers.waitForSync();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.informers.stop();
    await Promise.allSettled([...this.inFlight]);
  }

  private handle(pod: Pod): void {
    if (this.stopped) return;
    const work = this.act(pod).catch(() => {
      // A conflict or a pod gone meanwhile: the next event for it brings the latest state.
    });
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async act(pod: Pod): Promise<void> {
    const ns = pod.metadata!.namespace!;
    const name = pod.metadata!.name!;
    const api = this.client.resource(pods, ns);
    if (pod.metadata?.deletionTimestamp) {
      try {
        await api.delete(name, { gracePeriodSeconds: 0 });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    const target = pinnedNode(pod);
    if ((this.opts.bind ?? true) && !pod.spec?.nodeName && target) {
      await api.bind(name, target);
      return; // the update event of the binding brings us back for readiness
    }
    const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    if (!ready && this.opts.autoReady?.(pod)) await markPodReady(this.client, ns, name);
  }
}
