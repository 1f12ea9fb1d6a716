// A small cluster for the endpoint and disruption stories: a real API server, a client over
// HTTP, and a controller manager running the controllers under test. There is no kubelet:
// tests bind pods to a node and give them an IP and readiness through pods/status.
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { ApiClient } from '../../../src/client/api-client.js';
import { HttpTransport } from '../../../src/client/http-transport.js';
import { nodes, pods } from '../../../src/client/resources.js';
import type { ControllerFactory } from '../../../src/controllers/manager.js';
import { ControllerManager } from '../../../src/controllers/manager.js';
import { startTestServer } from '../../helpers/api-server.js';
import type { TestServer } from '../../helpers/api-server.js';
import { eventually as poll, definedAnswer } from '../../helpers/eventually.js';

export interface Cluster {
  server: TestServer;
  client: ApiClient;
  manager: ControllerManager;
  stop(): Promise<void>;
}

export async function startCluster(factories: Record<string, ControllerFactory>): Promise<Cluster> {
  const server = await startTestServer();
  const transport = new HttpTransport({ server: server.url });
  const client = new ApiClient(transport);
  const manager = new ControllerManager({ client, factories });
  await manager.start();
  return {
    server,
    client,
    manager,
    stop: async () => {
      await manager.stop();
      transport.close();
      await server.stop();
    },
  };
}

/** Polls `fn` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export function eventually<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  return poll(fn, what, { timeoutMs, intervalMs: 25, accept: definedAnswer });
}

export async function createNode(client: ApiClient, name: string, labels: Record<string, string> = {}): Promise<Node> {
  return client.resource(nodes).create({ metadata: { name, labels } });
}

export interface PodSpecOptions {
  labels: Record<string, string>;
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  hostname?: string;
  subdomain?: string;
  ownerReferences?: OwnerReference[];
}

/** Creates a pod, binds it to `node`, and (when `ip` is given) reports it Running with that IP. */
export async function runPod(client: ApiClient, ns: string, name: string, opts: PodSpecOptions & { node: string; ip?: string; ready?: boolean }): Promise<Pod> {
  const api = client.resource(pods, ns);
  await api.create({
    metadata: { name, namespace: ns, labels: opts.labels, ...(opts.ownerReferences ? { ownerReferences: opts.ownerReferences } : {}) },
    spec: {
      ...(opts.hostname ? { hostname: opts.hostname } : {}),
      ...(opts.subdomain ? { subdomain: opts.subdomain } : {}),
      containers: [{ name: 'app', image: 'example/app:1', ...(opts.ports ? { ports: opts.ports } : {}) }],
    },
  });
  await api.bind(name, opts.node);
  if (opts.ip === undefined) return api.get(name);
  return setPodStatus(client, ns, name, { ip: opts.ip, ready: opts.ready ?? true });
}

/** Writes the status a kubelet would: Running, the IP, and the Ready condition. */
export async function setPodStatus(client: ApiClient, ns: string, name: string, s: { ip: string; ready: boolean }): Promise<Pod> {
  const api = client.resource(pods, ns);
  const pod = await api.get(name);
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const keep = (pod.status?.conditions ?? []).filter((c) => c.type !== 'Ready' && c.type !== 'ContainersReady');
  const wasReady = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const readyStatus = s.ready ? 'True' : 'False';
  const transition = wasReady?.status === readyStatus ? wasReady.lastTransitionTime : now;
  const status: Pod['status'] = {
    ...pod.status,
    phase: 'Running',
    podIP: s.ip,
    podIPs: [{ ip: s.ip }],
    conditions: [
      ...keep,
      { type: 'ContainersReady', status: readyStatus, lastTransitionTime: transition },
      { type: 'Ready', status: readyStatus, lastTransitionTime: transition },
    ],
  };
  return api.updateStatus({ ...pod, status });
}
