// The userspace service proxy: watches Services and EndpointSlices and keeps one listener per
// service address (ClusterIP:port, nodeAddress:nodePort, nodeAddress:port for the built-in
// LoadBalancer, externalIP:port) that forwards to the service port's endpoints. Like
// upstream's proxiers it waits for both caches to sync before the first sync, and then syncs
// only the Services an event touched: their balancers are updated in place, and only
// listeners whose address changed are closed or bound.
import { performance } from 'node:perf_hooks';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { ApiClient } from '../../client/api-client.js';
import type { Clock } from '../../client/clock.js';
import { realClock } from '../../client/clock.js';
import { InformerFactory } from '../../client/informer-factory.js';
import type { HandlerRegistration, SharedIndexInformer } from '../../client/shared-informer.js';
import { watchServiceChanges } from '../change-handlers.js';
import { endpointSlices, services } from '../../client/resources.js';
import type { Logger } from '../../logger.js';
import { nullLogger } from '../../logger.js';
import { categorizeEndpoints } from './endpoint-categories.js';
import type { ForwardTarget, Forwarder } from './forwarder.js';
import { listenerKey } from './forwarder.js';
import { LatencyRecorder } from './latency-recorder.js';
import { LocalAddresses } from './local-addresses.js';
import { RoundRobinBalancer } from './round-robin.js';
import type { ProxyProtocol, ServicePortSpec } from './service-ports.js';
import { endpointsForPort, SERVICE_NAME_LABEL, servicePortsOf } from './service-ports.js';
import { TcpForwarder } from './tcp-forwarder.js';
import { UdpForwarder } from './udp-forwarder.js';

export interface UserspaceProxyOptions {
  /** This node: endpoints with this nodeName are local (externalTrafficPolicy / internalTrafficPolicy Local). */
  nodeName: string;
  /**
   * Where NodePorts (and built-in LoadBalancer ports) are served, as upstream's
   * --nodeport-addresses; '0.0.0.0' serves them on every address, as upstream's default.
   */
  nodeAddresses: string[];
  logger?: Logger;
  /** For session affinity timeouts. */
  clock?: Clock;
  /** An informer factory to share (not stopped by the proxy); else the proxy makes its own. */
  informers?: InformerFactory;
  /**
   * Idle time after which a UDP session is closed. Upstream's userspace default was 250 ms;
   * 30 s follows conntrack's UDP timeout, which iptables mode users see.
   */
  udpIdleTimeoutMs?: number;
  /** First retry delay for a listener that failed to bind (doubles to 60 s). */
  bindRetryMs?: number;
  /** The loadBalancerClass the built-in service LB serves (default: none, i.e. Services without a class). */
  loadBalancerClass?: string;
  /** Called after each Service sync with its programming latency. */
  onProgrammed?: (e: ProgrammedEvent) => void;
}

export interface ProgrammedEvent {
  /** `namespace/name`. */
  service: string;
  /** From the first informer event not yet applied to the listeners being ready (ms). */
  latencyMs: number;
  /** Listeners the Service now has, and listeners that failed to bind in this sync. */
  listeners: number;
  failed: number;
}

export interface ProxyStats {
  services: number;
  listeners: number;
  /** Open TCP connections and UDP sessions. */
  active: number;
  syncs: number;
  /** The last programming latencies (ms), oldest first. */
  programmingLatencyMs: number[];
}

interface PortState {
  spec: ServicePortSpec;
  balancer: RoundRobinBalancer;
  /** For ClusterIP traffic (internalTrafficPolicy) and for external traffic (externalTrafficPolicy). */
  internal: ForwardTarget;
  external: ForwardTarget;
}

interface DesiredListener {
  key: string;
  protocol: ProxyProtocol;
  ip: string;
  port: number;
  target: ForwardTarget;
}

interface ListenerEntry {
  forwarder: Forwarder;
  owner: string;
}

const BY_SERVICE = 'proxy-by-service';
const sliceServiceKeys = (s: EndpointSlice): string[] => {
  const name = s.metadata?.labels?.[SERVICE_NAME_LABEL];
  return name ? [`${s.metadata?.namespace ?? 'default'}/${name}`] : [];
};
const MAX_BIND_RETRY_MS = 60_000;

type State = 'INITIALIZED' | 'RUNNING' | 'STOPPED';

export class UserspaceProxier {
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly informers: InformerFactory;
  private readonly ownsInformers: boolean;
  private readonly serviceInformer: SharedIndexInformer<Service>;
  private readonly sliceInformer: SharedIndexInformer<EndpointSlice>;
  private readonly registrations: HandlerRegistration[] = [];
  private readonly localAddresses = new LocalAddresses();
  private readonly latencies = new LatencyRecorder();

  private readonly ports = new Map<string, Map<string, PortState>>();
  private readonly listeners = new Map<string, ListenerEntry>();
  private readonly ownedBy = new Map<string, Set<string>>();
  /** Services waiting for a listener key another Service holds. */
  private readonly contenders = new Map<string, Set<string>>();
  private readonly bindRetryDelay = new Map<string, number>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();

  /** Service key → time of the first event not yet synced (undefined: a retry). */
  private readonly dirty = new Map<string, number | undefined>();
  private readonly inFlight = new Set<string>();
  private readonly idleWaiters: (() => void)[] = [];
  private syncScheduled = false;
  private synced = false;
  private syncs = 0;
  private state: State = 'INITIALIZED';

  constructor(client: ApiClient, private readonly opts: UserspaceProxyOptions) {
    this.logger = (opts.logger ?? nullLogger).child({ component: 'service-proxy', mode: 'userspace' });
    this.clock = opts.clock ?? realClock;
    this.ownsInformers = !opts.informers;
    this.informers = opts.informers ?? new InformerFactory(client, { logger: opts.logger });
    this.serviceInformer = this.informers.informerFor(services);
    this.sliceInformer = this.informers.informerFor(endpointSlices, { indexers: { [BY_SERVICE]: sliceServiceKeys } });
  }

  start(): void {
    if (this.state !== 'INITIALIZED') throw new Error(`the service proxy cannot start when ${this.state}`);
    this.state = 'RUNNING';
    this.registrations.push(...watchServiceChanges(this.serviceInformer, this.sliceInformer, {
      service: (key) => this.markDirty(key),
      slice: (slice) => this.markSliceDirty(slice),
    }));
    if (this.ownsInformers) this.informers.start();
    void Promise.all([this.serviceInformer.waitForSync(), this.sliceInformer.waitForSync()]).then(([a, b]) => {
      if (!a || !b || this.state !== 'RUNNING') return;
      this.synced = true;
      this.logger.info('caches synced; programming services', { services: this.dirty.size });
      this.scheduleSync();
    });
  }

  /** Resolves when the caches have synced and every change seen so far is programmed. */
  async waitForIdle(): Promise<void> {
    if (this.state !== 'RUNNING') return;
    if (this.synced && this.dirty.size === 0 && this.inFlight.size === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  stats(): ProxyStats {
    let active = 0;
    for (const l of this.listeners.values()) active += l.forwarder.active;
    return { services: this.ports.size, listeners: this.listeners.size, active, syncs: this.syncs, programmingLatencyMs: this.latencies.values() };
  }

  /** Stops watching and closes every listener and connection. Idempotent. */
  async stop(): Promise<void> {
    if (this.state === 'STOPPED') return;
    this.state = 'STOPPED';
    for (const r of this.registrations.splice(0)) r.remove();
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    if (this.ownsInformers) await this.informers.stop();
    const closing = [...this.listeners.values()].map((l) => l.forwarder.close(true));
    this.listeners.clear();
    this.ownedBy.clear();
    this.ports.clear();
    this.dirty.clear();
    await Promise.all(closing);
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private markSliceDirty(s: EndpointSlice): void {
    for (const key of sliceServiceKeys(s)) this.markDirty(key);
  }

  /** `retry`: not a change from the API, so no programming latency is measured for it. */
  private markDirty(key: string, retry = false): void {
    if (this.state !== 'RUNNING') return;
    const at = retry ? undefined : performance.now();
    // Latency counts from the oldest change not yet applied.
    const prev = this.dirty.get(key);
    this.dirty.set(key, prev === undefined ? at : at === undefined ? prev : Math.min(prev, at));
    this.scheduleSync();
  }

  private scheduleSync(): void {
    if (this.syncScheduled || !this.synced || this.state !== 'RUNNING') return;
    this.syncScheduled = true;
    // One macrotask gathers a burst of events (a Service and its slices) into one pass.
    setImmediate(() => {
      this.syncScheduled = false;
      this.runDirty();
    });
  }

  private runDirty(): void {
    if (this.state !== 'RUNNING') return;
    for (const [key, since] of [...this.dirty]) {
      // One sync per Service at a time; a change during it runs afterwards.
      if (this.inFlight.has(key)) continue;
      this.dirty.delete(key);
      this.inFlight.add(key);
      void this.syncService(key, since)
        .catch((err: unknown) => this.logger.error('service sync failed', { service: key, error: err instanceof Error ? err.stack : String(err) }))
        .finally(() => {
          this.inFlight.delete(key);
          if (this.dirty.has(key)) this.scheduleSync();
          this.notifyIfIdle();
        });
    }
    this.notifyIfIdle();
  }

  private notifyIfIdle(): void {
    if (this.dirty.size === 0 && this.inFlight.size === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private async syncService(key: string, since: number | undefined): Promise<void> {
    this.syncs++;
    const svc = this.serviceInformer.lister.getByKey(key);
    const specs = svc ? servicePortsOf(svc, { loadBalancerClass: this.opts.loadBalancerClass }) : [];
    const slices = specs.length ? this.sliceInformer.indexer.byIndex(BY_SERVICE, key) : [];

    const previous = this.ports.get(key);
    const current = new Map<string, PortState>();
    for (const spec of specs) {
      const st = previous?.get(spec.id) ?? this.newPortState(spec);
      st.spec = spec;
      const { cluster, local } = categorizeEndpoints(endpointsForPort(slices, spec.portName, spec.protocol), this.opts.nodeName);
      st.balancer.update(cluster, local, spec.affinityTimeoutMs);
      current.set(spec.id, st);
    }
    if (current.size) this.ports.set(key, current);
    else this.ports.delete(key);

    const desired = new Map<string, DesiredListener>();
    for (const st of current.values()) for (const l of this.listenersFor(st)) if (!desired.has(l.key)) desired.set(l.key, l);

    const owned = this.ownedBy.get(key) ?? new Set<string>();
    const closing: Promise<void>[] = [];
    for (const lk of [...owned]) {
      if (desired.has(lk)) continue;
      owned.delete(lk);
      closing.push(this.release(lk));
    }
    const binding: Promise<boolean>[] = [];
    for (const l of desired.values()) {
      const existing = this.listeners.get(l.key);
      if (existing?.owner === key) {
        existing.forwarder.target = l.target;
        continue;
      }
      if (existing) {
        this.logger.warn('address already served for another service; skipping', { service: key, listener: l.key, owner: existing.owner });
        let c = this.contenders.get(l.key);
        if (!c) this.contenders.set(l.key, (c = new Set()));
        c.add(key);
        continue;
      }
      if (l.ip !== '0.0.0.0' && l.ip !== '::' && !this.localAddresses.has(l.ip)) {
        // Never forward for an address that is not this host's: its traffic is not ours to take.
        this.logger.warn('address is not local; not serving it', { service: key, listener: l.key });
        continue;
      }
      owned.add(l.key);
      binding.push(this.bind(key, l));
    }
    if (owned.size) this.ownedBy.set(key, owned);
    else this.ownedBy.delete(key);
    await Promise.all(closing);
    const results = await Promise.all(binding);
    const failed = results.filter((ok) => !ok).length;
    // A slice for a Service the proxy does not serve changes nothing: no latency to report.
    const touched = current.size > 0 || previous !== undefined || closing.length > 0;
    if (since !== undefined && touched && this.state === 'RUNNING') {
      const latencyMs = performance.now() - since;
      this.latencies.record(latencyMs);
      this.opts.onProgrammed?.({ service: key, latencyMs, listeners: this.ownedBy.get(key)?.size ?? 0, failed });
    }
    if (binding.length || closing.length) this.logger.debug('service programmed', { service: key, ports: current.size, opened: binding.length - failed, closed: closing.length, failed });
  }

  private newPortState(spec: ServicePortSpec): PortState {
    const st: PortState = {
      spec,
      balancer: new RoundRobinBalancer(this.clock),
      internal: {
        get name() {
          return `${st.spec.service}:${st.spec.port}/${st.spec.protocol}`;
        },
        pick: (clientIp, reset) => st.balancer.next(clientIp, st.spec.internalLocal, reset),
      },
      external: {
        get name() {
          return `${st.spec.service}:${st.spec.port}/${st.spec.protocol}`;
        },
        pick: (clientIp, reset) => st.balancer.next(clientIp, st.spec.externalLocal, reset),
      },
    };
    return st;
  }

  /** Every address a service port is served on. */
  private listenersFor(st: PortState): DesiredListener[] {
    const { spec } = st;
    const out: DesiredListener[] = [];
    const add = (ip: string, port: number, target: ForwardTarget) => out.push({ key: listenerKey(spec.protocol, ip, port), protocol: spec.protocol, ip, port, target });
    for (const ip of spec.clusterIPs) add(ip, spec.port, st.internal);
    if (spec.nodePort) for (const ip of this.opts.nodeAddresses) add(ip, spec.nodePort, st.external);
    // As klipper-lb's hostPort: the built-in LoadBalancer answers on every node address at the service port.
    if (spec.loadBalancerOnNodes) for (const ip of this.opts.nodeAddresses) add(ip, spec.port, st.external);
    for (const ip of spec.externalIPs) add(ip, spec.port, st.external);
    return out;
  }

  private async bind(owner: string, l: DesiredListener): Promise<boolean> {
    const log = this.logger.child({ service: owner, listener: l.key });
    const forwarder: Forwarder = l.protocol === 'TCP'
      ? new TcpForwarder(l.ip, l.port, l.target, log)
      : new UdpForwarder(l.ip, l.port, l.target, log, this.opts.udpIdleTimeoutMs ?? 30_000);
    const entry: ListenerEntry = { forwarder, owner };
    this.listeners.set(l.key, entry);
    try {
      await forwarder.listen();
      this.bindRetryDelay.delete(l.key);
      if (this.state !== 'RUNNING' || this.listeners.get(l.key) !== entry) await forwarder.close(true);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
      if (this.listeners.get(l.key) === entry) {
        this.listeners.delete(l.key);
        this.ownedBy.get(owner)?.delete(l.key);
      }
      await forwarder.close(true);
      if (this.state !== 'RUNNING') return false;
      const delay = Math.min(this.bindRetryDelay.get(l.key) ?? this.opts.bindRetryMs ?? 1000, MAX_BIND_RETRY_MS);
      this.bindRetryDelay.set(l.key, delay * 2);
      // Upstream's userspace proxier logged and carried on; retrying lets a port freed later be taken.
      this.logger.warn('cannot listen for service; will retry', { service: owner, listener: l.key, error: code, retryInMs: delay });
      const t = setTimeout(() => {
        this.retryTimers.delete(t);
        this.markDirty(owner, true);
      }, delay);
      t.unref();
      this.retryTimers.add(t);
      return false;
    }
  }

  private async release(lk: string): Promise<void> {
    const entry = this.listeners.get(lk);
    if (!entry) return;
    this.listeners.delete(lk);
    await entry.forwarder.close(false);
    // A Service that wanted this address may have it now.
    const waiting = this.contenders.get(lk);
    if (waiting) {
      this.contenders.delete(lk);
      for (const k of waiting) this.markDirty(k, true);
    }
  }
}
