// The node IPAM controller with upstream's RangeAllocator (pkg/controller/nodeipam): each Node
// without spec.podCIDR gets the next free subnet of the cluster CIDR (spec.podCIDR and
// spec.podCIDRs). Subnets in use are read from the Nodes themselves, so a restart loses
// nothing; a deleted Node's subnet is free again. When none is left the Node gets a
// CIDRNotAvailable event. Runs only when given a cluster CIDR (upstream --allocate-node-cidrs).
import type { Node } from 'kubernetes-types/core/v1.js';
import { isNotFound } from '../../client/errors.js';
import { nodes } from '../../client/resources.js';
import type { Lister } from '../../client/lister.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { QueueController, type ControllerContext } from '../controller.js';
import { CidrSet } from './cidr-set.js';

export interface NodeIpamOptions {
  /** Upstream --cluster-cidr, e.g. 10.42.0.0/16; without it the controller does nothing. */
  clusterCIDR?: string;
  /** Upstream --node-cidr-mask-size (IPv4 default 24). */
  nodeCIDRMaskSize?: number;
}

export class NodeIpamController extends QueueController {
  readonly name = 'nodeipam';
  private readonly set: CidrSet | undefined;
  private readonly nodeLister: Lister<Node> | undefined;
  private readonly recorder: EventRecorder | undefined;
  /** Subnets patched onto nodes whose update the cache may not show yet. */
  private readonly assigned = new Map<string, string>();

  constructor(ctx: ControllerContext, opts: NodeIpamOptions = {}) {
    // One worker: allocations are decided one node at a time, as upstream serialises them.
    super(ctx, 1);
    if (!opts.clusterCIDR) return;
    this.set = new CidrSet(opts.clusterCIDR, opts.nodeCIDRMaskSize ?? 24);
    this.recorder = ctx.recorder('cidrAllocator');
    const informer = ctx.informers.informerFor(nodes);
    this.nodeLister = informer.lister;
    informer.addEventHandler({
      onAdd: (n) => this.enqueue(n.metadata!.name!),
      onUpdate: (_, n) => this.enqueue(n.metadata!.name!),
      onDelete: (n) => {
        const name = 'metadata' in n ? n.metadata?.name : undefined;
        if (name) this.assigned.delete(name);
        // A freed subnet may be what a waiting node needs.
        for (const waiting of this.nodeLister!.list()) if (!waiting.spec?.podCIDR) this.enqueue(waiting.metadata!.name!);
      },
    });
  }

  override start(): void {
    if (this.set) super.start();
  }

  protected async sync(name: string): Promise<void> {
    const set = this.set!;
    const node = this.nodeLister!.get(name);
    if (!node) {
      this.assigned.delete(name);
      return;
    }
    if (node.spec?.podCIDR || node.spec?.podCIDRs?.length) {
      this.assigned.delete(name);
      return;
    }
    const pending = this.assigned.get(name);
    const taken = this.takenIndexes(name);
    const cidr = pending ?? set.allocateNext((i) => taken.has(i));
    if (!cidr) {
      this.recorder!.event(node, 'Normal', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
      // Retried with back-off, as upstream requeues a node it could not serve.
      throw new Error(`no pod CIDR left in ${set.clusterCIDR} for node ${name}`);
    }
    this.assigned.set(name, cidr);
    try {
      await this.ctx.client.resource(nodes).patch(name, 'merge', { spec: { podCIDR: cidr, podCIDRs: [cidr] } });
      this.logger.info('set node pod CIDR', { node: name, podCIDR: cidr });
    } catch (err) {
      this.assigned.delete(name);
      if (isNotFound(err)) return;
      throw err;
    }
  }

  /** Subnets held by other nodes (stored, or just patched). */
  private takenIndexes(self: string): Set<number> {
    const set = this.set!;
    const taken = new Set<number>();
    const mark = (cidr: string | undefined) => {
      const i = cidr ? set.indexOf(cidr) : undefined;
      if (i !== undefined) taken.add(i);
    };
    for (const n of this.nodeLister!.list()) {
      if (n.metadata?.name === self) continue;
      for (const c of n.spec?.podCIDRs ?? [n.spec?.podCIDR]) mark(c);
    }
    for (const [node, cidr] of this.assigned) if (node !== self) mark(cidr);
    return taken;
  }
}
