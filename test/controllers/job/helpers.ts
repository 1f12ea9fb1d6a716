// Shared pieces of the batch controller tests: a real API server with the job and/or cronjob
// controller running over it, a bounded poll, and a stand-in kubelet that finishes pods
// through the pods/status subresource.
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiClient } from '../../../src/client/api-client.js';
import type { Clock } from '../../../src/client/clock.js';
import { InProcessTransport } from '../../../src/client/in-process-transport.js';
import { InformerFactory } from '../../../src/client/informer-factory.js';
import { pods } from '../../../src/client/resources.js';
import type { ControllerFactory } from '../../../src/controllers/manager.js';
import { ControllerManager } from '../../../src/controllers/manager.js';
import { startTestServer } from '../../helpers/api-server.js';
import type { TestServer } from '../../helpers/api-server.js';
import { eventually as poll } from '../../helpers/eventually.js';

export interface Harness {
  server: TestServer;
  client: ApiClient;
  manager: ControllerManager;
  stop(): Promise<void>;
}

export async function startHarness(factories: Record<string, ControllerFactory>, clock?: Clock): Promise<Harness> {
  const server = await startTestServer();
  const client = new ApiClient(new InProcessTransport((r) => server.server.handleLocal(r), { name: 'system:kube-controller-manager', groups: ['system:masters'] }));
  const manager = new ControllerManager({ client, factories, clock });
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

/** Polls `fn` until it returns something truthy; fails after `timeoutMs` with `what`. */
export function eventually<T>(fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, what: string, timeoutMs = 10_000): Promise<T> {
  return poll(fn, what, { timeoutMs });
}

export function jobManifest(name: string, spec: Partial<NonNullable<Job['spec']>> = {}): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: {
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } },
      ...spec,
    },
  };
}

export type PodOutcome = 'Succeeded' | 'Failed' | 'Running' | undefined;

/**
 * Plays the kubelet for a test: watches pods and gives each new one the outcome `decide`
 * returns, through pods/status. Records the most pods ever active at once, checked on every
 * watch event.
 */
export class FakeKubelet {
  maxActive = 0;
  readonly seen = new Set<string>();
  private readonly informers: InformerFactory;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly client: ApiClient, private readonly decide: (pod: Pod) => PodOutcome) {
    this.informers = new InformerFactory(client);
    const informer = this.informers.informerFor(pods);
    const check = () => {
      const active = informer.lister.list().filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
      this.maxActive = Math.max(this.maxActive, active.length);
    };
    informer.addEventHandler({
      onAdd: (pod) => {
        check();
        this.handle(pod);
      },
      onUpdate: check,
      onDelete: check,
    });
  }

  async start(): Promise<void> {
    this.informers.start();
    await this.informers.waitForSync();
  }

  async stop(): Promise<void> {
    await this.informers.stop();
    await Promise.allSettled([...this.pending]);
  }

  private handle(pod: Pod): void {
    const name = pod.metadata!.name!;
    if (this.seen.has(name) || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
    this.seen.add(name);
    const outcome = this.decide(pod);
    if (!outcome) return;
    const p = setPodPhase(this.client, pod, outcome).catch(() => undefined);
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }
}

/** Sets a pod's phase (and a terminated container state for finished ones) via pods/status. */
export function setPodPhase(client: ApiClient, pod: Pod, phase: 'Succeeded' | 'Failed' | 'Running', exitCode = phase === 'Failed' ? 1 : 0): Promise<Pod> {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const container = pod.spec?.containers?.[0]?.name ?? 'main';
  const status: Pod['status'] = phase === 'Running'
    ? { phase, conditions: [{ type: 'Ready', status: 'True' }] }
    : {
      phase,
      conditions: [{ type: 'Ready', status: 'False' }],
      containerStatuses: [{
        name: container, image: 'busybox', imageID: '', ready: false, restartCount: 0,
        state: { terminated: { exitCode, reason: phase === 'Failed' ? 'Error' : 'Completed', startedAt: now, finishedAt: now } },
      }],
    };
  return client.resource(pods, pod.metadata!.namespace!).patch(pod.metadata!.name!, 'merge', { status }, { subresource: 'status' });
}
