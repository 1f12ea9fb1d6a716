// iptables mode of the service proxy (upstream's pkg/proxy/iptables Proxier): watches
// Services and EndpointSlices, and after both caches have synced keeps the nat and filter
// tables in step through a bounded-frequency runner. A sync is partial when it can be
// (upstream 1.26+): the top-level chains are rewritten, but only the per-service chains of
// Services that changed since the last successful sync. A full sync (at start, after a
// failure, when the canary chains vanish, and every fullSyncPeriodMs) also ensures the jump
// rules and reads the nat table to find stale chains.
import { performance } from 'node:perf_hooks';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { ApiClient } from '../../client/api-client.js';
import type { Clock, Timer } from '../../client/clock.js';
import { realClock } from '../../client/clock.js';
import { InformerFactory } from '../../client/informer-factory.js';
import type { HandlerRegistration, SharedIndexInformer } from '../../client/shared-informer.js';
import { watchServiceChanges } from '../change-handlers.js';
import { deletionHandlingKey } from '../../client/indexer.js';
import { endpointSlices, services } from '../../client/resources.js';
import type { Logger } from '../../logger.js';
import { nullLogger } from '../../logger.js';
import { LatencyRecorder } from '../userspace/latency-recorder.js';
import { IptablesApplier } from './applier.js';
import { BoundedFrequencyRunner } from './bounded-frequency-runner.js';
import type { RulesOptions, ServicePortState } from './rules.js';
import { generateRules } from './rules.js';
import { endpointsForPort, SERVICE_NAME_LABEL, servicePortsOf } from './service-ports.js';

export interface IptablesProxierOptions {
  /** This node: endpoints with this nodeName are local (externalTrafficPolicy / internalTrafficPolicy Local). */
  nodeName: string;
  /** Addresses NodePorts answer on; [] or ['0.0.0.0'] for every local non-loopback address. */
  nodeAddresses: string[];
  /** The pod range (e.g. 10.42.0.0/16): traffic from outside it to a ClusterIP is masqueraded. */
  clusterCIDR?: string;
  /** Prefix for every iptables command, e.g. ['ip', 'netns', 'exec', 'ns1']. */
  commandPrefix?: string[];
  logger?: Logger;
  /** Least time between syncs after the burst of 2 (upstream --iptables-min-sync-period, default 1 s). */
  minSyncPeriodMs?: number;
  /** How often the canary chains are checked, and the retry delay after a failed sync (upstream --iptables-sync-period, default 30 s). */
  syncPeriodMs?: number;
  /** A full sync at least this often (upstream: one hour). */
  fullSyncPeriodMs?: number;
  masqueradeAll?: boolean;
  /** An informer factory to share (not stopped by the proxier); else the proxier makes its own. */
  informers?: InformerFactory;
  clock?: Clock;
  /** Called after each successful sync. */
  onSynced?: (e: SyncEvent) => void;
}

export interface SyncEvent {
  full: boolean;
  /** Services whose chains were rewritten (all in a full sync). */
  services: number;
  durationMs: number;
  /** Event → rules applied, for each changed Service with a recorded event time. */
  latenciesMs: number[];
}

export interface IptablesProxyStats {
  services: number;
  syncs: number;
  fullSyncs: number;
  partialSyncs: number;
  failedSyncs: number;
  lastSyncMs: number;
  lastRestoreBytes: number;
  /** The last programming latencies (ms, informer event → rules applied), oldest first. */
  programmingLatencyMs: number[];
}

const BY_SERVICE = 'iptables-proxy-by-service';
const sliceServiceKeys = (s: EndpointSlice): string[] => {
  const name = s.metadata?.labels?.[SERVICE_NAME_LABEL];
  return name ? [`${s.metadata?.namespace ?? 'default'}/${name}`] : [];
};

type State = 'INITIALIZED' | 'RUNNING' | 'STOPPED';

export class IptablesProxier {
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly applier: IptablesApplier;
  private readonly informers: InformerFactory;
  private readonly ownsInformers: boolean;
  private readonly serviceInformer: SharedIndexInformer<Service>;
  private readonly sliceInformer: SharedIndexInformer<EndpointSlice>;
  private readonly registrations: HandlerRegistration[] = [];
  private readonly runner: BoundedFrequencyRunner;
  private readonly latencies = new LatencyRecorder();
  private readonly syncPeriodMs: number;
  private readonly fullSyncPeriodMs: number;
  private rulesOptions: RulesOptions;

  /** Per Service (`ns/name`): its ports with endpoints, as of the last sync. */
  private readonly ports = new Map<string, ServicePortState[]>();
  /** Services changed since the last successful sync → time of the first such event (undefined: none measured). */
  private dirty = new Map<string, number | undefined>();
  /** Our nat chains as of the last successful restore. */
  private knownNatChains = new Set<string>();
  private needFullSync = true;
  private lastFullSync = -Infinity;
  private synced = false;
  private syncing = false;
  private canaryTimer: Timer | undefined;
  private readonly idleWaiters: (() => void)[] = [];
  private state: State = 'INITIALIZED';
  private readonly counters = { syncs: 0, fullSyncs: 0, partialSyncs: 0, failedSyncs: 0, lastSyncMs: 0, lastRestoreBytes: 0 };

  constructor(client: ApiClient, private readonly opts: IptablesProxierOptions) {
    this.logger = (opts.logger ?? nullLogger).child({ component: 'service-proxy', mode: 'iptables' });
    this.clock = opts.clock ?? realClock;
    this.applier = new IptablesApplier(opts.commandPrefix ?? []);
    this.syncPeriodMs = opts.syncPeriodMs ?? 30_000;
    this.fullSyncPeriodMs = opts.fullSyncPeriodMs ?? 3_600_000;
    this.rulesOptions = { nodePortAddresses: opts.nodeAddresses, clusterCIDR: opts.clusterCIDR, masqueradeAll: opts.masqueradeAll };
    this.ownsInformers = !opts.informers;
    this.informers = opts.informers ?? new InformerFactory(client, { logger: opts.logger });
    this.serviceInformer = this.informers.informerFor(services);
    this.sliceInformer = this.informers.informerFor(endpointSlices, { indexers: { [BY_SERVICE]: sliceServiceKeys } });
    // As upstream: maxInterval is arbitrary (the canary check and the full-sync period force syncs).
    this.runner = new BoundedFrequencyRunner(() => this.sync(), {
      minIntervalMs: opts.minSyncPeriodMs ?? 1000,
      maxIntervalMs: 3_600_000,
      burst: 2,
      clock: this.clock,
    });
  }

  start(): void {
    if (this.state !== 'INITIALIZED') throw new Error(`the iptables proxier cannot start when ${this.state}`);
    this.state = 'RUNNING';
    this.registrations.push(...watchServiceChanges(this.serviceInformer, this.sliceInformer, {
      service: (key) => this.markDirty(key),
      slice: (slice) => this.markSliceDirty(slice),
    }));
    if (this.ownsInformers) this.informers.start();
    void (async () => {
      this.rulesOptions = { ...this.rulesOptions, conntrackTCPLiberal: await this.applier.conntrackTCPLiberal() };
      const [a, b] = await Promise.all([this.serviceInformer.waitForSync(), this.sliceInformer.waitForSync()]);
      if (!a || !b || this.state !== 'RUNNING') return;
      this.synced = true;
      this.logger.info('caches synced; programming iptables', { services: this.serviceInformer.lister.list().length });
      this.runner.start();
      this.runner.run();
      this.scheduleCanaryCheck();
    })();
  }

  /** Resolves when the caches have synced and every change seen so far is in the kernel. */
  async waitForIdle(): Promise<void> {
    if (this.state !== 'RUNNING' || this.isIdle()) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  stats(): IptablesProxyStats {
    return { services: this.ports.size, ...this.counters, programmingLatencyMs: this.latencies.values() };
  }

  /** Stops watching and syncing; the rules stay (as upstream: kube-proxy exiting leaves them for its successor). Idempotent. */
  async stop(): Promise<void> {
    if (this.state === 'STOPPED') return;
    this.state = 'STOPPED';
    for (const r of this.registrations.splice(0)) r.remove();
    this.canaryTimer?.cancel();
    await this.runner.stop();
    if (this.ownsInformers) await this.informers.stop();
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Forces a full sync soon (e.g. after the node's addresses changed). */
  requestFullSync(): void {
    this.needFullSync = true;
    this.runner.run();
  }

  private isIdle(): boolean {
    return this.synced && !this.syncing && this.dirty.size === 0 && !this.needFullSync;
  }

  private markSliceDirty(s: EndpointSlice): void {
    for (const key of sliceServiceKeys(s)) this.markDirty(key);
  }

  private markDirty(key: string): void {
    if (this.state !== 'RUNNING') return;
    const at = performance.now();
    if (!this.dirty.has(key)) this.dirty.set(key, at);
    if (this.synced) this.runner.run();
  }

  private scheduleCanaryCheck(): void {
    if (this.state !== 'RUNNING') return;
    this.canaryTimer = this.clock.setTimeout(() => {
      void this.checkCanaries().finally(() => this.scheduleCanaryCheck());
    }, this.syncPeriodMs);
  }

  /** As upstream's iptables Monitor: when our canary chains are gone, rebuild everything. */
  private async checkCanaries(): Promise<void> {
    if (this.syncing || this.needFullSync) return;
    const due = this.clock.now() - this.lastFullSync >= this.fullSyncPeriodMs;
    if (due || !(await this.applier.canariesPresent())) {
      if (!due) this.logger.warn('iptables canary chains are gone; resyncing everything');
      this.requestFullSync();
    }
  }

  /** Recomputes the cached ports of one Service from the informer caches. */
  private refreshService(key: string): void {
    const svc = this.serviceInformer.lister.getByKey(key);
    const ports = svc ? servicePortsOf(svc) : [];
    if (ports.length === 0) {
      this.ports.delete(key);
      return;
    }
    const slices = this.sliceInformer.indexer.byIndex(BY_SERVICE, key);
    this.ports.set(key, ports.map((port) => ({ port, endpoints: endpointsForPort(slices, port, this.opts.nodeName) })));
  }

  private async sync(): Promise<void> {
    if (this.state !== 'RUNNING' || !this.synced) return;
    this.syncing = true;
    const full = this.needFullSync || this.clock.now() - this.lastFullSync >= this.fullSyncPeriodMs;
    const changes = this.dirty;
    this.dirty = new Map();
    const started = performance.now();
    const before = new Set(this.ports.keys());
    try {
      if (full) {
        this.ports.clear();
        for (const svc of this.serviceInformer.lister.list()) this.refreshService(deletionHandlingKey(svc));
      } else {
        for (const key of changes.keys()) this.refreshService(key);
      }
      let existing = this.knownNatChains;
      if (full) {
        await this.applier.ensureJumps();
        existing = await this.applier.chains('nat');
      }
      const state: ServicePortState[] = [];
      for (const ports of this.ports.values()) for (const p of ports) state.push(p);
      const gen = generateRules(state, this.rulesOptions, { changedServices: full ? undefined : new Set(changes.keys()), existingNatChains: existing });
      await this.applier.restore(gen.restore);

      this.knownNatChains = gen.activeNatChains;
      this.needFullSync = false;
      if (full) this.lastFullSync = this.clock.now();
      const done = performance.now();
      const latenciesMs: number[] = [];
      for (const [key, at] of changes) {
        // A Service this proxier does not program (headless, ExternalName, never existed) had nothing to apply.
        if (at === undefined || (!before.has(key) && !this.ports.has(key))) continue;
        latenciesMs.push(done - at);
        this.latencies.record(done - at);
      }
      this.counters.syncs++;
      if (full) this.counters.fullSyncs++;
      else this.counters.partialSyncs++;
      this.counters.lastSyncMs = done - started;
      this.counters.lastRestoreBytes = gen.restore.length;
      this.logger.debug('iptables synced', { full, changed: changes.size, services: this.ports.size, natRules: gen.natRules, filterRules: gen.filterRules, deletedChains: gen.deletedNatChains.length, ms: Math.round(done - started) });
      this.opts.onSynced?.({ full, services: full ? this.ports.size : changes.size, durationMs: done - started, latenciesMs });
    } catch (err) {
      this.counters.failedSyncs++;
      // The changes were taken; keep them (with their first event time) for the retry, which must be full.
      for (const [key, at] of changes) {
        const later = this.dirty.get(key);
        this.dirty.set(key, at ?? later);
      }
      this.needFullSync = true;
      this.logger.error('iptables sync failed; retrying', { error: err instanceof Error ? err.message : String(err), retryInMs: this.syncPeriodMs });
      this.runner.retryAfter(this.syncPeriodMs);
    } finally {
      this.syncing = false;
      if (this.isIdle()) for (const w of this.idleWaiters.splice(0)) w();
    }
  }
}
