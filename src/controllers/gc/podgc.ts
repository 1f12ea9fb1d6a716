// The pod garbage collector (upstream's pkg/controller/podgc): every gcCheckPeriod it deletes
// terminated pods beyond a threshold (oldest first, evicted ones before the rest), pods bound
// to nodes that no longer exist (after a quarantine and a live check, as the node informer may
// lag), terminating pods on out-of-service nodes, and terminating pods never scheduled. Pods
// not yet terminal are first marked Failed, since no kubelet will ever do it.
import type { Node, Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { isNotFound } from '../../client/errors.js';
import type { Lister } from '../../client/lister.js';
import { nodes, pods } from '../../client/resources.js';
import type { ControllerContext } from '../controller.js';
import { QueueController } from '../controller.js';

export interface PodGCOptions {
  /** Terminated pods kept before the oldest are deleted; <= 0 disables (upstream's --terminated-pod-gc-threshold, 12500). */
  terminatedPodThreshold?: number;
  /** Upstream's gcCheckPeriod (20 s). */
  gcCheckPeriodMs?: number;
  /** How long a node must be missing from the informer before it is checked (upstream's quarantineTime, 40 s). */
  quarantineMs?: number;
}

export const DEFAULT_TERMINATED_POD_THRESHOLD = 12_500;
const OUT_OF_SERVICE_TAINT = 'node.kubernetes.io/out-of-service';
const GC_KEY = 'podgc';
/** Deletions run this many at a time (upstream runs one goroutine per pod). */
const PARALLEL_DELETES = 32;

export class PodGCController extends QueueController {
  readonly name = 'podgc';
  private readonly podLister: Lister<Pod>;
  private readonly nodeLister: Lister<Node>;
  private readonly threshold: number;
  private readonly periodMs: number;
  private readonly quarantineMs: number;
  /** Node name → when pods were first seen bound to it while it was missing from the informer. */
  private readonly missingSince = new Map<string, number>();

  constructor(ctx: ControllerContext, opts: PodGCOptions = {}) {
    super(ctx, 1);
    this.threshold = opts.terminatedPodThreshold ?? DEFAULT_TERMINATED_POD_THRESHOLD;
    this.periodMs = opts.gcCheckPeriodMs ?? 20_000;
    this.quarantineMs = opts.quarantineMs ?? 40_000;
    this.podLister = ctx.informers.informerFor(pods).lister;
    this.nodeLister = ctx.informers.informerFor(nodes).lister;
  }

  override start(): void {
    super.start();
    this.enqueue(GC_KEY);
  }

  protected override async sync(): Promise<void> {
    try {
      await this.gc();
    } finally {
      this.enqueueAfter(GC_KEY, this.periodMs);
    }
  }

  /** One pass of every clean-up, on the informers' current view. */
  async gc(): Promise<void> {
    const allPods = this.podLister.list();
    const allNodes = this.nodeLister.list();
    if (this.threshold > 0) await this.gcTerminated(allPods);
    await this.gcTerminating(allPods);
    await this.gcOrphaned(allPods, allNodes);
    await this.gcUnscheduledTerminating(allPods);
  }

  private async gcTerminated(all: Pod[]): Promise<void> {
    const terminated = all.filter(isPodTerminated);
    const deleteCount = terminated.length - this.threshold;
    if (deleteCount <= 0) return;
    this.logger.info('garbage collecting pods', { controller: this.name, numPods: deleteCount });
    terminated.sort(byEvictionAndCreationTimestamp);
    await this.forEach(terminated.slice(0, deleteCount), (p) => this.markFailedAndDelete(p));
  }

  /** Terminating pods on a NotReady node tainted out-of-service (upstream's gcTerminating). */
  private async gcTerminating(all: Pod[]): Promise<void> {
    const doomed = all.filter((p) => {
      if (!p.metadata?.deletionTimestamp || !p.spec?.nodeName) return false;
      const node = this.nodeLister.get(p.spec.nodeName);
      return !!node && !isNodeReady(node) && (node.spec?.taints ?? []).some((t) => t.key === OUT_OF_SERVICE_TAINT);
    });
    doomed.sort(byEvictionAndCreationTimestamp);
    await this.forEach(doomed, (p) => this.markFailedAndDelete(p));
  }

  /** Pods bound to nodes that are gone (upstream's gcOrphaned). */
  private async gcOrphaned(all: Pod[], allNodes: Node[]): Promise<void> {
    const existing = new Set(allNodes.map((n) => n.metadata!.name!));
    const now = this.clock.now();
    for (const name of this.missingSince.keys()) if (existing.has(name)) this.missingSince.delete(name);
    for (const p of all) {
      const nodeName = p.spec?.nodeName;
      if (nodeName && !existing.has(nodeName) && !this.missingSince.has(nodeName)) this.missingSince.set(nodeName, now);
    }
    // Past the quarantine, ask the API server itself: the informer may just be late.
    const deleted = new Set<string>();
    for (const [name, since] of [...this.missingSince]) {
      if (now - since < this.quarantineMs) continue;
      this.missingSince.delete(name);
      try {
        await this.ctx.client.resource(nodes).get(name);
      } catch (err) {
        if (isNotFound(err)) deleted.add(name);
        else this.logger.warn('error while getting node', { controller: this.name, node: name, error: err instanceof Error ? err.message : String(err) });
      }
    }
    if (deleted.size === 0) return;
    const orphaned = all.filter((p) => p.spec?.nodeName && deleted.has(p.spec.nodeName));
    const condition: PodCondition = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' };
    await this.forEach(orphaned, async (p) => {
      this.logger.info('found orphaned pod assigned to the node, deleting', { controller: this.name, pod: `${p.metadata?.namespace}/${p.metadata?.name}`, node: p.spec?.nodeName });
      await this.markFailedAndDelete(p, condition);
    });
  }

  private async gcUnscheduledTerminating(all: Pod[]): Promise<void> {
    const doomed = all.filter((p) => p.metadata?.deletionTimestamp && !p.spec?.nodeName);
    await this.forEach(doomed, (p) => this.markFailedAndDelete(p));
  }

  /** As upstream's markFailedAndDeletePodWithCondition: phase Failed first, then a forced delete. */
  private async markFailedAndDelete(p: Pod, condition?: PodCondition): Promise<void> {
    const ns = p.metadata!.namespace!;
    const name = p.metadata!.name!;
    const api = this.ctx.client.resource(pods, ns);
    this.logger.info('PodGC is force deleting Pod', { controller: this.name, pod: `${ns}/${name}` });
    try {
      if (p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed') {
        const status: Record<string, unknown> = { phase: 'Failed' };
        if (condition) status.conditions = withCondition(p.status?.conditions ?? [], condition, new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'));
        await api.patch(name, 'merge', { status }, { subresource: 'status' });
      }
      await api.delete(name, { gracePeriodSeconds: 0 });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Runs `fn` over `items` a few at a time; failures are logged, as upstream's HandleError. */
  private async forEach(items: Pod[], fn: (p: Pod) => Promise<void>): Promise<void> {
    for (let i = 0; i < items.length; i += PARALLEL_DELETES) {
      await Promise.all(items.slice(i, i + PARALLEL_DELETES).map((p) => fn(p).catch((err) => {
        this.logger.warn('pod garbage collection failed', { controller: this.name, pod: `${p.metadata?.namespace}/${p.metadata?.name}`, error: err instanceof Error ? err.message : String(err) });
      })));
    }
  }
}

/** Neither Pending, Running nor Unknown (upstream's isPodTerminated). */
export function isPodTerminated(p: Pod): boolean {
  const phase = p.status?.phase;
  return phase !== 'Pending' && phase !== 'Running' && phase !== 'Unknown' && phase !== undefined;
}

function isPodEvicted(p: Pod): boolean {
  return p.status?.phase === 'Failed' && p.status?.reason === 'Evicted';
}

/** Evicted pods first, then oldest, then by name (upstream's byEvictionAndCreationTimestamp). */
export function byEvictionAndCreationTimestamp(a: Pod, b: Pod): number {
  const ea = isPodEvicted(a);
  const eb = isPodEvicted(b);
  if (ea !== eb) return ea ? -1 : 1;
  const ta = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
  if (ta !== tb) return ta - tb;
  return (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

function isNodeReady(n: Node): boolean {
  return (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Sets `cond` in the list, keeping lastTransitionTime when its status did not change (upstream's UpdatePodCondition). */
function withCondition(conditions: PodCondition[], cond: PodCondition, now: string): PodCondition[] {
  const existing = conditions.find((c) => c.type === cond.type);
  const next: PodCondition = { ...cond, lastTransitionTime: existing && existing.status === cond.status ? existing.lastTransitionTime : now };
  return existing ? conditions.map((c) => (c.type === cond.type ? next : c)) : [...conditions, next];
}
