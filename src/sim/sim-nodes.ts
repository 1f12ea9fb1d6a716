// Simulated nodes, in the manner of KWOK: Node objects kept alive through Leases in
// kube-node-lease and a periodic status, and pods bound to them moved through their lifecycle
// without running anything: Running and Ready after a delay, Jobs' pods Succeeded after a run
// time, deletions completed after the shorter of the grace period and a configured delay.
//
// Built to scale to thousands of nodes and a hundred thousand pods in one process: one pod
// watch for all nodes (assigned pods, filtered locally to the nodes this simulator owns) that
// keeps only a few fields per pod, one timer heap for every lease renewal, start and deletion,
// and a bound on API calls in flight.
import type { Pod, Taint } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { ApiClient } from '../client/api-client.js';
import type { Clock } from '../client/clock.js';
import { realClock } from '../client/clock.js';
import { isAlreadyExists, isConflict, isNotFound } from '../client/errors.js';
import { Reflector } from '../client/reflector.js';
import { leases, nodes, pods } from '../client/resources.js';
import type { Logger } from '../logger.js';
import { nullLogger } from '../logger.js';
import { DueQueue } from './due-queue.js';
import { ConcurrencyLimiter } from './limiter.js';
import { buildNode, healthyConditions, nthAddress } from './node-template.js';
import { isJobPod, runningStatus, succeededStatus } from './pod-status.js';
import { slimPodListWatch } from './slim-pod.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export interface SimNodesOptions {
  /** How many nodes. */
  count: number;
  /** Node names are `${namePrefix}${i}` (default "sim-node-"). */
  namePrefix?: string;
  cpu?: string;
  memory?: string;
  /** Most pods per node (status.capacity.pods). */
  maxPods?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  /** Zones assigned round-robin as topology.kubernetes.io/zone. */
  zones?: string[];
  /** Lease duration (upstream kubelet: 40 s) and renewal interval (a quarter of it: 10 s). */
  leaseDurationSeconds?: number;
  leaseRenewIntervalMs?: number;
  /** Full node status posts (upstream nodeStatusReportFrequency with leases: 5 min). */
  nodeStatusIntervalMs?: number;
  /** Bound pod → Running and Ready (default 0: at once). */
  podStartDelayMs?: number;
  /** A Job's pod runs this long, then Succeeds (default 5 s). */
  jobPodRunMs?: number;
  /** Upper bound on waiting out a deletion grace period (default 1 s). */
  maxDeletionDelayMs?: number;
  /** API calls in flight at most (default 64). */
  maxInFlight?: number;
  /** First address of the fake pod IP range (default 10.128.0.0) and of node IPs (default 10.254.0.0). */
  podIPBase?: string;
  nodeIPBase?: string;
  clock?: Clock;
  logger?: Logger;
}

interface SimPod {
  uid: string;
  node: string;
  state: 'new' | 'starting' | 'running' | 'deleting' | 'done';
}

type State = 'INITIALIZED' | 'STARTING' | 'RUNNING' | 'STOPPED';

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class SimNodes {
  readonly nodeNames: string[];
  readonly stats = { leaseRenewals: 0, statusUpdates: 0, podsStarted: 0, podsSucceeded: 0, podsDeleted: 0, errors: 0 };
  private readonly owned = new Map<string, { name: string; index: number; ip: string; readySince: number }>();
  private readonly frozen = new Set<string>();
  private readonly podState = new Map<string, SimPod>();
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly due: DueQueue;
  private readonly limiter: ConcurrencyLimiter;
  private readonly o: Required<Omit<SimNodesOptions, 'zones' | 'clock' | 'logger' | 'labels' | 'taints'>> & Pick<SimNodesOptions, 'zones'>;
  private reflector: Reflector<Pod> | undefined;
  private nextPodIP = 0;
  private state: State = 'INITIALIZED';

  constructor(private readonly client: ApiClient, private readonly opts: SimNodesOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = (opts.logger ?? nullLogger).child({ component: 'sim-nodes' });
    this.o = {
      count: opts.count,
      namePrefix: opts.namePrefix ?? 'sim-node-',
      cpu: opts.cpu ?? '32',
      memory: opts.memory ?? '256Gi',
      maxPods: opts.maxPods ?? '110',
      zones: opts.zones,
      leaseDurationSeconds: opts.leaseDurationSeconds ?? 40,
      leaseRenewIntervalMs: opts.leaseRenewIntervalMs ?? 10_000,
      nodeStatusIntervalMs: opts.nodeStatusIntervalMs ?? 5 * 60_000,
      podStartDelayMs: opts.podStartDelayMs ?? 0,
      jobPodRunMs: opts.jobPodRunMs ?? 5000,
      maxDeletionDelayMs: opts.maxDeletionDelayMs ?? 1000,
      maxInFlight: opts.maxInFlight ?? 64,
      podIPBase: opts.podIPBase ?? '10.128.0.0',
      nodeIPBase: opts.nodeIPBase ?? '10.254.0.0',
    };
    this.due = new DueQueue(this.clock);
    this.limiter = new ConcurrencyLimiter(this.o.maxInFlight);
    this.nodeNames = Array.from({ length: opts.count }, (_, i) => `${this.o.namePrefix}${i}`);
    const now = this.clock.now();
    this.nodeNames.forEach((name, i) => this.owned.set(name, { name, index: i, ip: nthAddress(this.o.nodeIPBase, i + 1), readySince: now }));
  }

  /** Registers the nodes and their leases, then starts heartbeats and the pod watch. */
  async start(): Promise<void> {
    if (this.state !== 'INITIALIZED') throw new Error(`cannot start simulated nodes that are ${this.state}`);
    this.state = 'STARTING';
    await Promise.all(this.nodeNames.map((name) => this.limiter.run(() => this.register(name))));
    if (this.state !== 'STARTING') return;
    const now = this.clock.now();
    // Spread renewals and status posts over their interval so they do not arrive in bursts.
    const n = this.nodeNames.length;
    this.nodeNames.forEach((name, i) => {
      this.scheduleLease(name, now + Math.floor((i * this.o.leaseRenewIntervalMs) / n));
      this.scheduleStatus(name, now + Math.floor((i * this.o.nodeStatusIntervalMs) / n) + this.o.nodeStatusIntervalMs);
    });
    this.reflector = new Reflector<Pod>(
      slimPodListWatch(this.client.resource(pods), { fieldSelector: 'spec.nodeName!=', pageSize: 1000 }),
      {
        replace: (items) => this.replacePods(items),
        add: (p) => this.onPod(p),
        update: (p) => this.onPod(p),
        delete: (p) => this.forget(podKey(p)),
      },
      { name: 'sim-pods', clock: this.clock, logger: this.opts.logger },
    );
    this.reflector.start();
    this.state = 'RUNNING';
    this.logger.info('simulated nodes running', { nodes: n });
  }

  /** Stops heartbeats and pod handling; waits for calls in flight. Idempotent. */
  async stop(): Promise<void> {
    if (this.state === 'STOPPED') return;
    this.state = 'STOPPED';
    this.due.close();
    await this.reflector?.stop();
    await this.limiter.idle();
  }

  /** The node's "kubelet" dies: no lease renewals, no status, its pods are left as they are. */
  stopHeartbeat(nodeName: string): void {
    if (!this.owned.has(nodeName)) throw new Error(`node ${nodeName} is not simulated here`);
    this.frozen.add(nodeName);
  }

  /** The node comes back: it renews its lease and posts a Ready status at once. */
  resumeHeartbeat(nodeName: string): void {
    if (!this.frozen.delete(nodeName)) return;
    const now = this.clock.now();
    this.owned.get(nodeName)!.readySince = now;
    this.scheduleLease(nodeName, now);
    this.scheduleStatus(nodeName, now);
  }

  /** How many pods on simulated nodes are being tracked (for tests and benchmarks). */
  get trackedPods(): number {
    return this.podState.size;
  }

  // Nodes and leases

  private async register(name: string): Promise<void> {
    const info = this.owned.get(name)!;
    const zones = this.o.zones;
    const node = buildNode(name, {
      cpu: this.o.cpu, memory: this.o.memory, pods: this.o.maxPods,
      labels: this.opts.labels ?? {}, taints: this.opts.taints ?? [],
      zone: zones?.length ? zones[info.index % zones.length] : undefined,
      internalIP: info.ip,
    }, this.clock.now());
    let uid: string | undefined;
    try {
      uid = (await this.client.resource(nodes).create(node)).metadata?.uid;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      // A restart: the node is ours again; report it healthy.
      const existing = await this.client.resource(nodes).get(name);
      uid = existing.metadata?.uid;
      await this.postStatus(name);
    }
    const lease: Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name, namespace: NODE_LEASE_NAMESPACE,
        // As the kubelet: the lease goes away with its node.
        ownerReferences: uid ? [{ apiVersion: 'v1', kind: 'Node', name, uid }] : undefined,
      },
      spec: { holderIdentity: name, leaseDurationSeconds: this.o.leaseDurationSeconds, renewTime: microTime(this.clock.now()) },
    };
    try {
      await this.client.resource(leases, NODE_LEASE_NAMESPACE).create(lease);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      await this.renewLease(name);
    }
  }

  private scheduleLease(name: string, at: number): void {
    this.due.schedule(`lease/${name}`, at, () => {
      if (this.frozen.has(name)) return;
      void this.limiter.run(() => this.renewLease(name)).then(
        () => this.scheduleLease(name, this.clock.now() + this.o.leaseRenewIntervalMs),
        (err) => {
          this.stats.errors++;
          this.logger.warn('lease renewal failed', { node: name, error: String(err) });
          // As the kubelet: retry soon rather than wait a whole interval.
          this.scheduleLease(name, this.clock.now() + Math.min(1000, this.o.leaseRenewIntervalMs));
        },
      );
    });
  }

  private async renewLease(name: string): Promise<void> {
    await this.client.resource(leases, NODE_LEASE_NAMESPACE)
      .patch(name, 'merge', { spec: { holderIdentity: name, leaseDurationSeconds: this.o.leaseDurationSeconds, renewTime: microTime(this.clock.now()) } });
    this.stats.leaseRenewals++;
  }

  private scheduleStatus(name: string, at: number): void {
    this.due.schedule(`status/${name}`, at, () => {
      if (this.frozen.has(name)) return;
      void this.limiter.run(() => this.postStatus(name)).catch((err) => {
        this.stats.errors++;
        this.logger.warn('node status update failed', { node: name, error: String(err) });
      }).finally(() => this.scheduleStatus(name, this.clock.now() + this.o.nodeStatusIntervalMs));
    });
  }

  private async postStatus(name: string): Promise<void> {
    const info = this.owned.get(name)!;
    // A merge patch replaces the whole list: these four conditions are the kubelet's own.
    await this.client.resource(nodes).patch(name, 'merge', { status: { conditions: healthyConditions(this.clock.now(), info.readySince) } }, { subresource: 'status' });
    this.stats.statusUpdates++;
  }

  // Pods

  private replacePods(items: Pod[]): void {
    const seen = new Set<string>();
    for (const p of items) {
      seen.add(podKey(p));
      this.onPod(p);
    }
    for (const key of [...this.podState.keys()]) if (!seen.has(key)) this.forget(key);
  }

  private onPod(pod: Pod): void {
    const key = podKey(pod);
    const owner = this.owned.get(pod.spec?.nodeName ?? '');
    if (!owner) {
      this.forget(key);
      return;
    }
    // The node's own name string, not the one decoded with each pod: one copy per node.
    const node = owner.name;
    const uid = pod.metadata?.uid ?? '';
    let st = this.podState.get(key);
    if (!st || st.uid !== uid) {
      if (st) this.forget(key);
      st = { uid, node, state: 'new' };
      this.podState.set(key, st);
    }
    const now = this.clock.now();
    if (pod.metadata?.deletionTimestamp) {
      if (st.state === 'deleting') return;
      st.state = 'deleting';
      const graceMs = (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
      this.due.schedule(key, now + Math.min(graceMs, this.o.maxDeletionDelayMs), () => this.finishDeletion(key, pod));
      return;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      st.state = 'done';
      this.due.cancel(key);
      return;
    }
    if (st.state !== 'new') return;
    if (phase === 'Running') {
      // Already started (by an earlier run of the simulator): only a Job's completion is left.
      st.state = 'running';
      if (isJobPod(pod)) {
        const started = Date.parse(pod.status?.startTime ?? '') || now;
        this.due.schedule(key, Math.max(now, started + this.o.jobPodRunMs), () => this.succeed(key, pod, pod.status!));
      }
      return;
    }
    st.state = 'starting';
    this.due.schedule(key, now + this.o.podStartDelayMs, () => this.startPod(key, pod));
  }

  /** Runs `action` for a pod unless its node is frozen (then it waits until the node is back). */
  private onLiveNode(key: string, node: string, action: () => void): void {
    if (!this.frozen.has(node)) action();
    else this.due.schedule(key, this.clock.now() + this.o.leaseRenewIntervalMs, () => this.onLiveNode(key, node, action));
  }

  private startPod(key: string, pod: Pod): void {
    const st = this.podState.get(key);
    if (!st || st.state !== 'starting') return;
    this.onLiveNode(key, st.node, () => {
      const node = this.owned.get(st.node)!;
      const status = runningStatus(pod, node.ip, nthAddress(this.o.podIPBase, ++this.nextPodIP), this.clock.now());
      void this.limiter.run(() => this.patchStatus(pod, status)).then(() => {
        if (st.state !== 'starting') return;
        st.state = 'running';
        this.stats.podsStarted++;
        if (isJobPod(pod)) this.due.schedule(key, this.clock.now() + this.o.jobPodRunMs, () => this.succeed(key, pod, status));
      }, (err) => this.podCallFailed(key, err));
    });
  }

  private succeed(key: string, pod: Pod, running: NonNullable<Pod['status']>): void {
    const st = this.podState.get(key);
    if (!st || st.state !== 'running') return;
    this.onLiveNode(key, st.node, () => {
      void this.limiter.run(() => this.patchStatus(pod, succeededStatus(pod, running, this.clock.now()))).then(() => {
        st.state = 'done';
        this.stats.podsSucceeded++;
      }, (err) => this.podCallFailed(key, err));
    });
  }

  private finishDeletion(key: string, pod: Pod): void {
    const st = this.podState.get(key);
    if (!st || st.state !== 'deleting') return;
    this.onLiveNode(key, st.node, () => {
      void this.limiter.run(() => this.client.resource(pods, pod.metadata!.namespace!)
        .delete(pod.metadata!.name!, { gracePeriodSeconds: 0, preconditions: { uid: st.uid } })).then(() => {
        this.stats.podsDeleted++;
      }, (err) => this.podCallFailed(key, err));
    });
  }

  private async patchStatus(pod: Pod, status: NonNullable<Pod['status']>): Promise<void> {
    await this.client.resource(pods, pod.metadata!.namespace!).patch(pod.metadata!.name!, 'merge', { status }, { subresource: 'status' });
  }

  private podCallFailed(key: string, err: unknown): void {
    // Gone or replaced meanwhile: the watch tells what happens next.
    if (isNotFound(err) || isConflict(err)) return;
    this.stats.errors++;
    this.logger.warn('pod update failed', { pod: key, error: String(err) });
  }

  private forget(key: string): void {
    if (!this.podState.delete(key)) return;
    this.due.cancel(key);
  }
}

function podKey(p: Pod): string {
  return `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`;
}
