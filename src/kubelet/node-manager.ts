// Registers the kubelet's Node and keeps it alive (upstream's registerWithAPIServer,
// updateNodeStatus and the node lease controller): the Node is created (or, when it exists,
// its labels and status brought up to date), its Lease renewed every 10 s, and its status
// recomputed every 10 s (nodeStatusUpdateFrequency) and posted when it changed, or at least
// every 5 min.
import os from 'node:os';
import type { Node } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../client/api-client.js';
import type { Clock } from '../client/clock.js';
import { isAlreadyExists } from '../client/errors.js';
import { nodes } from '../client/resources.js';
import type { Logger } from '../logger.js';
import { LEASE_RENEW_INTERVAL_MS, NODE_STATUS_REPORT_MS, NODE_STATUS_UPDATE_MS } from './constants.js';
import type { MachineInfo } from './machine-info.js';
import { readMachineInfo } from './machine-info.js';
import { renewNodeLease } from './node-lease.js';
import type { NodeFacts } from './node-status.js';
import { buildNode, nodeLabels, nodeStatus, statusFingerprint } from './node-status.js';
import { Periodic } from './periodic.js';

export interface NodeManagerOptions {
  nodeName: string;
  nodeIP: string;
  rootDir: string;
  maxPods?: number;
  labels?: Record<string, string>;
  /** The streaming server's port, published as status.daemonEndpoints.kubeletEndpoint. */
  kubeletPort?: number;
  /** "<runtimeName>://<version>", and whether the runtime answers. */
  runtimeCheck: () => Promise<{ version: string; up: boolean }>;
}

export class NodeManager {
  private node: Node | undefined;
  private lastPosted = '';
  private lastPostedAt = 0;
  private machine: MachineInfo | undefined;
  private readonly leaseLoop: Periodic;
  private readonly statusLoop: Periodic;

  constructor(private readonly client: ApiClient, private readonly clock: Clock, private readonly logger: Logger, private readonly opts: NodeManagerOptions) {
    this.leaseLoop = new Periodic('node lease renewal', clock, LEASE_RENEW_INTERVAL_MS, () => this.renewLease(), logger);
    this.statusLoop = new Periodic('node status update', clock, NODE_STATUS_UPDATE_MS, () => this.updateStatus(false), logger);
  }

  /** The registered Node (after start). */
  get current(): Node | undefined {
    return this.node;
  }

  allocatable(): Record<string, string> {
    return { ...(this.node?.status?.allocatable ?? {}) };
  }

  async start(): Promise<void> {
    await this.register();
    await this.renewLease();
    this.leaseLoop.start(LEASE_RENEW_INTERVAL_MS);
    this.statusLoop.start(NODE_STATUS_UPDATE_MS);
  }

  async stop(): Promise<void> {
    await Promise.all([this.leaseLoop.stop(), this.statusLoop.stop()]);
  }

  /** Recomputes the status now and posts it if it changed. */
  async updateNow(): Promise<void> {
    await this.statusLoop.runNow();
  }

  private async facts(): Promise<NodeFacts> {
    this.machine = await readMachineInfo(this.opts.rootDir);
    const rt = await this.opts.runtimeCheck();
    return {
      nodeName: this.opts.nodeName,
      nodeIP: this.opts.nodeIP,
      hostname: os.hostname(),
      machine: this.machine,
      runtimeVersion: rt.version,
      runtimeUp: rt.up,
      maxPods: this.opts.maxPods,
      labels: this.opts.labels,
      kubeletPort: this.opts.kubeletPort,
      memoryAvailableBytes: os.freemem(),
    };
  }

  private async register(): Promise<void> {
    const facts = await this.facts();
    const api = this.client.resource(nodes);
    const wanted = buildNode(facts, this.clock.now());
    try {
      this.node = await api.create(wanted);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      // As upstream's reconcile of an existing node: keep its spec, add our labels.
      const existing = await api.get(this.opts.nodeName);
      const labels = { ...(existing.metadata?.labels ?? {}), ...nodeLabels(facts) };
      this.node = await api.patch(this.opts.nodeName, 'merge', { metadata: { labels } });
    }
    await this.postStatus(nodeStatus(facts, this.clock.now(), this.node?.status?.conditions ? this.node.status : undefined));
  }

  private async updateStatus(force: boolean): Promise<void> {
    const facts = await this.facts();
    const status = nodeStatus(facts, this.clock.now(), this.node?.status);
    const changed = statusFingerprint(status) !== this.lastPosted;
    if (force || changed || this.clock.now() - this.lastPostedAt >= NODE_STATUS_REPORT_MS) await this.postStatus(status);
  }

  private async postStatus(status: Node['status']): Promise<void> {
    this.node = await this.client.resource(nodes).patch(this.opts.nodeName, 'merge', { status }, { subresource: 'status' });
    this.lastPosted = statusFingerprint(status);
    this.lastPostedAt = this.clock.now();
  }

  private async renewLease(): Promise<void> {
    if (!this.node) return;
    await renewNodeLease(this.client, this.clock, this.node);
  }
}
