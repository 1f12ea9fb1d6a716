// The node lifecycle controller (upstream pkg/controller/nodelifecycle): every monitor period it
// checks each node's last sign of life (lease renewals in kube-node-lease, Ready heartbeats);
// past the grace period the node's conditions become Unknown ("Kubelet stopped posting node
// status."). Node conditions map to NoSchedule taints (not-ready, unreachable, pressure,
// unschedulable), and Ready False/Unknown to the not-ready/unreachable NoExecute taint, added at
// a per-zone rate so a large outage does not evict everything at once; taints go when the
// node recovers. Evicting pods from NoExecute-tainted nodes is the taint eviction controller's.
import type { Node } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Timer } from '../../client/clock.js';
import { isConflict, isNotFound } from '../../client/errors.js';
import { leases, nodes } from '../../client/resources.js';
import { TokenBucket } from '../../client/rate-limiter.js';
import type { Lister } from '../../client/lister.js';
import { DeletedFinalStateUnknown } from '../../client/indexer.js';
import { QueueController, type ControllerContext } from '../controller.js';
import { observeHealth, unknownConditions, type NodeHealth } from './node-health.js';
import { desiredNoExecuteKey, desiredNoScheduleKeys, reconcileTaints } from './taints.js';
import { summarizeZones, zoneOf, zoneRate, type ZoneSummary } from './zones.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export interface NodeLifecycleOptions {
  /** Upstream --node-monitor-grace-period: 40 s. */
  nodeMonitorGracePeriodMs?: number;
  /** Upstream --node-startup-grace-period: 60 s (a node that never reported Ready). */
  nodeStartupGracePeriodMs?: number;
  /** Upstream --node-monitor-period: 5 s. */
  nodeMonitorPeriodMs?: number;
  /** Upstream --node-eviction-rate 0.1 and --secondary-node-eviction-rate 0.01 (nodes per second). */
  evictionRate?: number;
  secondaryEvictionRate?: number;
  /** Upstream --unhealthy-zone-threshold 0.55 and --large-cluster-size-threshold 50. */
  unhealthyZoneThreshold?: number;
  largeClusterSizeThreshold?: number;
}

function metaTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class NodeLifecycleController extends QueueController {
  readonly name = 'nodelifecycle';
  private readonly nodeLister: Lister<Node>;
  private readonly leaseLister: Lister<Lease>;
  private readonly health = new Map<string, NodeHealth>();
  private readonly limiters = new Map<string, { rate: number; bucket: TokenBucket }>();
  private readonly o: Required<NodeLifecycleOptions>;
  private zones: ZoneSummary | undefined;
  private monitor: Timer | undefined;
  private monitoring = false;

  constructor(ctx: ControllerContext, opts: NodeLifecycleOptions = {}) {
    super(ctx, 1);
    this.o = {
      nodeMonitorGracePeriodMs: opts.nodeMonitorGracePeriodMs ?? 40_000,
      nodeStartupGracePeriodMs: opts.nodeStartupGracePeriodMs ?? 60_000,
      nodeMonitorPeriodMs: opts.nodeMonitorPeriodMs ?? 5000,
      evictionRate: opts.evictionRate ?? 0.1,
      secondaryEvictionRate: opts.secondaryEvictionRate ?? 0.01,
      unhealthyZoneThreshold: opts.unhealthyZoneThreshold ?? 0.55,
      largeClusterSizeThreshold: opts.largeClusterSizeThreshold ?? 50,
    };
    const nodeInformer = ctx.informers.informerFor(nodes);
    const leaseInformer = ctx.informers.informerFor(leases);
    this.nodeLister = nodeInformer.lister;
    this.leaseLister = leaseInformer.lister;
    nodeInformer.addEventHandler({
      onAdd: (n) => this.enqueue(n.metadata!.name!),
      onUpdate: (_, n) => this.enqueue(n.metadata!.name!),
      onDelete: (n) => {
        const name = n instanceof DeletedFinalStateUnknown ? n.key : n.metadata?.name;
        if (name) this.health.delete(name);
      },
    });
    // Lease renewals only refresh the health record; the monitor pass acts on it.
    const onLease = (l: Lease) => {
      if (l.metadata?.namespace !== NODE_LEASE_NAMESPACE) return;
      const node = this.nodeLister.get(l.metadata.name ?? '');
      if (node) this.health.set(node.metadata!.name!, observeHealth(this.health.get(node.metadata!.name!), node, l, this.clock.now()));
    };
    leaseInformer.addEventHandler({ onAdd: onLease, onUpdate: (_, l) => onLease(l) });
  }

  override start(): void {
    super.start();
    this.monitoring = true;
    this.tick();
  }

  override async stop(): Promise<void> {
    this.monitoring = false;
    this.monitor?.cancel();
    await super.stop();
  }

  /** The monitor pass (upstream monitorNodeHealth): zone states, then every node. */
  private tick(): void {
    if (!this.monitoring) return;
    const all = this.nodeLister.list();
    this.zones = summarizeZones(all, this.o.unhealthyZoneThreshold);
    for (const n of all) this.enqueue(n.metadata!.name!);
    this.monitor = this.clock.setTimeout(() => this.tick(), this.o.nodeMonitorPeriodMs);
  }

  protected async sync(name: string): Promise<void> {
    let node = this.nodeLister.get(name);
    if (!node) {
      this.health.delete(name);
      return;
    }
    const now = this.clock.now();
    const lease = this.leaseLister.get(NODE_LEASE_NAMESPACE, name);
    const h = observeHealth(this.health.get(name), node, lease, now);
    this.health.set(name, h);
    const everReady = node.status?.conditions?.some((c) => c.type === 'Ready');
    const grace = everReady ? this.o.nodeMonitorGracePeriodMs : this.o.nodeStartupGracePeriodMs;
    if (now > h.probeTimestamp + grace) {
      const conditions = unknownConditions(node, now);
      if (conditions) {
        this.logger.info('node stopped posting status; marking its conditions Unknown', { node: name });
        node = await this.writeStatus({ ...structuredClone(node), status: { ...structuredClone(node.status), conditions } });
        if (!node) return;
      }
    }
    await this.reconcileTaints(node);
  }

  private async writeStatus(node: Node): Promise<Node | undefined> {
    try {
      return await this.ctx.client.resource(nodes).updateStatus(node);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      if (isConflict(err)) {
        // A newer status arrived: the next pass sees it.
        this.enqueueAfter(node.metadata!.name!, 100);
        return undefined;
      }
      throw err;
    }
  }

  /** NoSchedule taints follow conditions at once; a new NoExecute taint waits for its zone's rate. */
  private async reconcileTaints(node: Node): Promise<void> {
    const name = node.metadata!.name!;
    const now = metaTime(this.clock.now());
    let working: Node = node;
    const noSchedule = reconcileTaints(working, 'NoSchedule', desiredNoScheduleKeys(working), now);
    if (noSchedule) working = { ...working, spec: { ...working.spec, taints: noSchedule } };

    const want = desiredNoExecuteKey(working);
    const wantKeys = new Set<string>(want ? [want] : []);
    const adding = want !== undefined && !(working.spec?.taints ?? []).some((t) => t.key === want && t.effect === 'NoExecute');
    let allowNoExecute = true;
    if (adding) {
      const wait = this.admitTainting(working);
      if (wait !== 0) {
        allowNoExecute = false;
        if (Number.isFinite(wait)) this.enqueueAfter(name, wait);
      }
    }
    if (allowNoExecute) {
      const noExecute = reconcileTaints(working, 'NoExecute', wantKeys, now);
      if (noExecute) working = { ...working, spec: { ...working.spec, taints: noExecute } };
    }
    if (working === node) return;
    const next = structuredClone(node);
    next.spec = { ...next.spec, taints: working.spec?.taints };
    if (!next.spec.taints?.length) delete next.spec.taints;
    try {
      await this.ctx.client.resource(nodes).update(next);
    } catch (err) {
      if (isNotFound(err)) return;
      if (isConflict(err)) {
        this.enqueueAfter(name, 100);
        return;
      }
      throw err;
    }
  }

  /** 0 when a NoExecute taint may be added now; else ms to wait (Infinity: not while this lasts). */
  private admitTainting(node: Node): number {
    const zones = this.zones ?? summarizeZones(this.nodeLister.list(), this.o.unhealthyZoneThreshold);
    if (zones.allDisrupted) {
      this.logger.warn('every zone is fully disrupted; not tainting nodes', { node: node.metadata?.name });
      return this.o.nodeMonitorPeriodMs;
    }
    const zone = zoneOf(node);
    const z = zones.states.get(zone) ?? { state: 'Normal' as const, size: 1 };
    const rate = zoneRate(z.state, z.size, { primary: this.o.evictionRate, secondary: this.o.secondaryEvictionRate, largeClusterThreshold: this.o.largeClusterSizeThreshold });
    if (rate <= 0) return this.o.nodeMonitorPeriodMs;
    let l = this.limiters.get(zone);
    if (!l || l.rate !== rate) this.limiters.set(zone, (l = { rate, bucket: new TokenBucket(rate, 1, this.clock) }));
    return l.bucket.tryAccept() ? 0 : Math.ceil(1000 / rate);
  }
}
