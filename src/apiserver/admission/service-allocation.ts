// ClusterIP and NodePort allocation for Services, done where upstream's service REST storage
// does it: after mutating defaults, before the object is stored. Who holds what is learned
// from the Services in the watch cache (so a crash or restart loses nothing and nothing can
// drift), plus reservations for writes admitted but not yet seen in the cache, so concurrent
// creates never get the same value. Dry-run requests allocate without reserving.
import type { KubeObject } from '../../api/kinds.js';
import type { ResourceRegistry } from '../resources.js';
import type { ResourceStore } from '../resource-store.js';
import type { CacheEvent } from '../watch-cache.js';
import { AllocationLedger, type Resource } from '../service-alloc/allocation-ledger.js';
import { ServiceAllocator, type ServiceAllocatorOptions } from '../service-alloc/service-allocator.js';
import type { AdmissionAttributes, AdmissionPlugin } from './types.js';

export interface ServiceAllocationOptions extends ServiceAllocatorOptions {
  /** How long a reservation outlives a write that never reached the store (default 30 s). */
  reservationTimeoutMs?: number;
  now?: () => number;
}

interface Reservation {
  /** The Service's resourceVersion the write was based on (0 for a create). */
  baseRv: number;
  expiresAt: number;
}

const stored = (uid: string) => `svc:${uid}`;
const reserved = (uid: string) => `res:${uid}`;

export class ServiceAllocation implements AdmissionPlugin {
  readonly name = 'ServiceAllocation';
  readonly allocator: ServiceAllocator;
  private readonly ledger = new AllocationLedger();
  private readonly reservations = new Map<string, Reservation>();
  private tracked: ResourceStore | undefined;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  /** A function for callers that build the plugin before the server (its registry) exists. */
  constructor(private readonly registry: ResourceRegistry | (() => ResourceRegistry), opts: ServiceAllocationOptions = {}) {
    this.allocator = new ServiceAllocator(opts);
    this.timeoutMs = opts.reservationTimeoutMs ?? 30_000;
    this.now = opts.now ?? Date.now;
  }

  private get resources(): ResourceRegistry {
    return typeof this.registry === 'function' ? this.registry() : this.registry;
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    if (a.def.group !== '' || a.def.resource !== 'services' || a.subresource || !a.object) return;
    if (a.operation !== 'CREATE' && a.operation !== 'UPDATE') return;
    const services = this.resources.core('services');
    // A consistent read: every stored Service up to now is in the cache, hence in the ledger.
    await services.fresh();
    this.track(services);
    this.expireReservations();
    const svc = a.object;
    const uid: string = svc.metadata?.uid ?? '';
    const self = [stored(uid), reserved(uid)];
    const isFree = (r: Resource) => this.ledger.isFree(r, self);
    let holds: Resource[];
    let baseRv = 0;
    if (a.operation === 'CREATE') {
      // An existing name fails in storage with AlreadyExists; allocating would only leak.
      if (services.cache.get(services.key(a.namespace, svc.metadata?.name ?? ''))) return;
      holds = this.allocator.allocateCreate(svc, isFree);
    } else {
      const old = a.oldObject!;
      holds = this.allocator.allocateUpdate(svc, old, isFree);
      const oldHolds = new Set(this.allocator.holdings(old));
      if (holds.every((r) => oldHolds.has(r))) return; // nothing new to hold
      // Until the update is stored, the old values stay held too (a failed write keeps them).
      holds = [...holds, ...oldHolds];
      baseRv = Number(old.metadata?.resourceVersion ?? 0);
    }
    if (a.dryRun || !holds.length) return;
    this.ledger.set(reserved(uid), holds);
    this.reservations.set(uid, { baseRv, expiresAt: this.now() + this.timeoutMs });
  }

  /** Builds the ledger from the cache once, then follows it event by event. */
  private track(services: ResourceStore): void {
    if (this.tracked === services) return;
    this.tracked = services;
    for (const o of services.cache.list()) this.record(o.obj);
    services.cache.watchFrom(services.cache.rv, (ev) => this.onEvent(ev));
  }

  private onEvent(ev: CacheEvent): void {
    const uid: string | undefined = ev.object.obj.metadata?.uid;
    if (!uid) return;
    if (ev.type === 'DELETED') this.ledger.remove(stored(uid));
    else this.record(ev.object.obj);
    const r = this.reservations.get(uid);
    if (r && ev.rv > r.baseRv) {
      this.reservations.delete(uid);
      this.ledger.remove(reserved(uid));
    }
  }

  private record(svc: KubeObject): void {
    const uid = svc.metadata?.uid;
    if (uid) this.ledger.set(stored(uid), this.allocator.holdings(svc));
  }

  /** Writes rejected after admission (a later plugin, a conflict) never reach the cache. */
  private expireReservations(): void {
    const now = this.now();
    for (const [uid, r] of this.reservations) {
      if (r.expiresAt > now) continue;
      this.reservations.delete(uid);
      this.ledger.remove(reserved(uid));
    }
  }
}
