// The built-in service load balancer, after k3s's ServiceLB (klipper-lb): a LoadBalancer
// Service without a loadBalancerClass gets the addresses of the Ready nodes in
// status.loadBalancer.ingress (ExternalIPs when any node has one, else InternalIPs; with
// externalTrafficPolicy Local only nodes with a ready endpoint), and the service proxy answers
// on nodeAddress:port. Services of another class are left to their controller; a Service that
// stops being a LoadBalancer has its ingress cleared, as upstream's service controller does.
import net from 'node:net';
import type { LoadBalancerIngress, LoadBalancerStatus, Node, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { ApiClient } from '../client/api-client.js';
import { isConflict, isNotFound } from '../client/errors.js';
import { EventRecorder } from '../client/event-recorder.js';
import { deletionHandlingKey, DeletedFinalStateUnknown } from '../client/indexer.js';
import { InformerFactory } from '../client/informer-factory.js';
import { RateLimitingQueue } from '../client/rate-limiting-queue.js';
import { endpointSlices, nodes, services } from '../client/resources.js';
import type { HandlerRegistration, SharedIndexInformer } from '../client/shared-informer.js';
import type { Logger } from '../logger.js';
import { nullLogger } from '../logger.js';
import { SERVICE_NAME_LABEL } from './userspace/service-ports.js';

export interface ServiceLBOptions {
  /** Only this node carries load balancers (default: every Ready node). */
  nodeName?: string;
  /**
   * Report these addresses instead of the nodes' (k3s reports 127.0.0.1 when rootless, where
   * the node's own address does not reach the load balancer).
   */
  ingressAddresses?: string[];
  /** The class this load balancer serves; Services without a class are always served. */
  loadBalancerClass?: string;
  logger?: Logger;
  /** An informer factory to share (not stopped here); else one of its own. */
  informers?: InformerFactory;
}

export interface ServiceLB {
  /** Resolves once every queued Service has been handled. */
  waitForIdle(): Promise<void>;
  stop(): Promise<void>;
}

const BY_SERVICE = 'servicelb-by-service';
const COMPONENT = 'service-lb-controller';

export function startServiceLB(client: ApiClient, opts: ServiceLBOptions = {}): ServiceLB {
  const c = new ServiceLBController(client, opts);
  c.start();
  return c;
}

/** Whether this controller owns `svc`'s load balancer. */
function servedHere(svc: Service, cls: string | undefined): boolean {
  const own = svc.spec?.loadBalancerClass ?? undefined;
  return own === undefined || own === cls;
}

function isReadyNode(n: Node): boolean {
  return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

class ServiceLBController implements ServiceLB {
  private readonly logger: Logger;
  private readonly informers: InformerFactory;
  private readonly ownsInformers: boolean;
  private readonly svcInformer: SharedIndexInformer<Service>;
  private readonly nodeInformer: SharedIndexInformer<Node>;
  private readonly sliceInformer: SharedIndexInformer<EndpointSlice>;
  private readonly queue = new RateLimitingQueue<string>();
  private readonly recorder: EventRecorder;
  private readonly registrations: HandlerRegistration[] = [];
  private worker: Promise<void> | undefined;
  private busy = 0;
  private idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly client: ApiClient, private readonly opts: ServiceLBOptions) {
    this.logger = (opts.logger ?? nullLogger).child({ component: COMPONENT });
    this.ownsInformers = !opts.informers;
    this.informers = opts.informers ?? new InformerFactory(client, { logger: opts.logger });
    this.svcInformer = this.informers.informerFor(services);
    this.nodeInformer = this.informers.informerFor(nodes);
    this.sliceInformer = this.informers.informerFor(endpointSlices, {
      indexers: { [BY_SERVICE]: (s: EndpointSlice) => (s.metadata?.labels?.[SERVICE_NAME_LABEL] ? [`${s.metadata.namespace}/${s.metadata.labels[SERVICE_NAME_LABEL]}`] : []) },
    });
    this.recorder = new EventRecorder(client, { component: COMPONENT, logger: opts.logger });
  }

  start(): void {
    const enqueueAllLB = () => {
      for (const s of this.svcInformer.lister.list()) if (s.spec?.type === 'LoadBalancer') this.queue.add(deletionHandlingKey(s));
    };
    this.registrations.push(
      this.svcInformer.addEventHandler({
        onAdd: (s) => this.queue.add(deletionHandlingKey(s)),
        onUpdate: (_, s) => this.queue.add(deletionHandlingKey(s)),
      }),
      // Node readiness and addresses change every load balancer's ingress.
      this.nodeInformer.addEventHandler({
        onAdd: enqueueAllLB,
        onUpdate: (old, n) => {
          if (isReadyNode(old) !== isReadyNode(n) || JSON.stringify(old.status?.addresses) !== JSON.stringify(n.status?.addresses)) enqueueAllLB();
        },
        onDelete: enqueueAllLB,
      }),
      // externalTrafficPolicy Local: which nodes have a ready endpoint.
      this.sliceInformer.addEventHandler({
        onAdd: (s) => this.enqueueSlice(s),
        onUpdate: (_, s) => this.enqueueSlice(s),
        onDelete: (s) => this.enqueueSlice(s instanceof DeletedFinalStateUnknown ? s.obj : s),
      }),
    );
    if (this.ownsInformers) this.informers.start();
    this.worker = this.work();
  }

  async waitForIdle(): Promise<void> {
    await Promise.all([this.svcInformer.waitForSync(), this.nodeInformer.waitForSync(), this.sliceInformer.waitForSync()]);
    while (!this.stopped && (this.queue.length > 0 || this.busy > 0 || this.queue.waitingCount > 0)) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const r of this.registrations.splice(0)) r.remove();
    this.queue.shutDown();
    await this.worker;
    await this.recorder.stop();
    if (this.ownsInformers) await this.informers.stop();
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private enqueueSlice(s: EndpointSlice): void {
    const name = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (name) this.queue.add(`${s.metadata?.namespace}/${name}`);
  }

  private async work(): Promise<void> {
    const synced = await Promise.all([this.svcInformer.waitForSync(), this.nodeInformer.waitForSync(), this.sliceInformer.waitForSync()]);
    if (!synced.every(Boolean)) return;
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      this.busy++;
      try {
        await this.sync(key);
        this.queue.forget(key);
      } catch (err) {
        if (!isConflict(err)) this.logger.warn('sync failed; will retry', { service: key, error: err instanceof Error ? err.message : String(err) });
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
        this.busy--;
        if (this.queue.length === 0 && this.busy === 0) for (const w of this.idleWaiters.splice(0)) w();
      }
    }
  }

  private async sync(key: string): Promise<void> {
    const svc = this.svcInformer.lister.getByKey(key);
    if (!svc) return;
    const current = svc.status?.loadBalancer ?? {};
    let desired: LoadBalancerStatus;
    if (svc.spec?.type === 'LoadBalancer') {
      if (!servedHere(svc, this.opts.loadBalancerClass)) return;
      desired = { ingress: this.ingressFor(svc) };
    } else {
      if (!current.ingress?.length) return;
      desired = {};
    }
    if (sameStatus(current, desired)) return;
    const updated: Service = { ...svc, status: { ...svc.status, loadBalancer: desired } };
    try {
      await this.client.resource(services, svc.metadata?.namespace).updateStatus(updated);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const before = (current.ingress ?? []).map((i) => i.ip ?? i.hostname).join(',');
    const after = (desired.ingress ?? []).map((i) => i.ip ?? i.hostname).join(',');
    this.logger.info('load balancer status updated', { service: key, from: before, to: after });
    // k3s's messages.
    if (svc.spec?.type === 'LoadBalancer' && !desired.ingress?.length) this.recorder.event(svc, 'Warning', 'UnAvailableLoadBalancer', 'There are no available nodes for LoadBalancer');
    else if (svc.spec?.type === 'LoadBalancer') this.recorder.event(svc, 'Normal', 'UpdatedLoadBalancer', `Updated LoadBalancer with new IPs: [${before}] -> [${after}]`);
  }

  private ingressFor(svc: Service): LoadBalancerIngress[] {
    let candidates = this.nodeInformer.lister.list().filter(isReadyNode);
    if (this.opts.nodeName) candidates = candidates.filter((n) => n.metadata?.name === this.opts.nodeName);
    if (svc.spec?.externalTrafficPolicy === 'Local') {
      const withEndpoint = new Set<string>();
      for (const s of this.sliceInformer.indexer.byIndex(BY_SERVICE, deletionHandlingKey(svc))) {
        for (const ep of s.endpoints ?? []) if ((ep.conditions?.ready ?? true) && ep.nodeName) withEndpoint.add(ep.nodeName);
      }
      candidates = candidates.filter((n) => withEndpoint.has(n.metadata?.name ?? ''));
    }
    if (candidates.length === 0) return [];
    let ips: string[];
    if (this.opts.ingressAddresses) {
      ips = [...this.opts.ingressAddresses];
    } else {
      const external = new Set<string>();
      const internal = new Set<string>();
      for (const n of candidates) {
        for (const a of n.status?.addresses ?? []) {
          if (a.type === 'ExternalIP') external.add(a.address);
          else if (a.type === 'InternalIP') internal.add(a.address);
        }
      }
      ips = [...(external.size ? external : internal)].sort();
    }
    // As k3s: only addresses of the Service's IP families (IPv4 when unset).
    const families = svc.spec?.ipFamilies?.length ? svc.spec.ipFamilies : ['IPv4'];
    ips = ips.filter((ip) => families.includes(net.isIPv6(ip) ? 'IPv6' : 'IPv4'));
    // ipMode VIP: traffic to the address is delivered to the node as if to the Service (upstream's default since 1.29).
    return ips.map((ip) => ({ ip, ipMode: 'VIP' }));
  }
}

function sameStatus(a: LoadBalancerStatus, b: LoadBalancerStatus): boolean {
  const norm = (s: LoadBalancerStatus) => JSON.stringify((s.ingress ?? []).map((i) => [i.ip ?? '', i.hostname ?? '', i.ipMode ?? '']));
  return norm(a) === norm(b);
}
