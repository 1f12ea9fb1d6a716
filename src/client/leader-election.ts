// Leader election on a coordination.k8s.io/v1 Lease, after client-go's tools/leaderelection:
// candidates try every retryPeriod to take the lease; it is free when nobody holds it or its
// holder has not renewed it for leaseDuration, as measured on this candidate's own clock
// from when it last saw the lease change (so clock skew between machines does not matter).
// The leader renews every retryPeriod and gives up if it cannot renew within renewDeadline.
// Writes carry the resourceVersion read, so two candidates can never both win one round.
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Logger } from '../logger.js';
import { nullLogger } from '../logger.js';
import type { ApiClient, ResourceClient } from './api-client.js';
import type { Clock } from './clock.js';
import { realClock, sleep } from './clock.js';
import { isNotFound } from './errors.js';
import { leases } from './resources.js';

export interface LeaderElectionOptions {
  /** Namespace and name of the Lease, e.g. kube-system/kube-controller-manager. */
  namespace: string;
  name: string;
  /** This candidate's identity (unique among candidates), e.g. "<host>_<uuid>". */
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Clear the lease on stop so another candidate takes over at once (upstream ReleaseOnCancel). */
  releaseOnStop?: boolean;
  /** Called when this candidate becomes leader; `signal` aborts when it stops leading. */
  onStartedLeading(signal: AbortSignal): void;
  /** Called when this candidate, having led, stops leading (lost the lease or stopped). */
  onStoppedLeading(): void;
  /** Called when a different leader is observed (its identity). */
  onNewLeader?(identity: string): void;
  clock?: Clock;
  logger?: Logger;
}

/** As upstream's JitterFactor: waits between attempts are stretched by up to 120 %. */
const JITTER = 1.2;

/** metav1.MicroTime: RFC 3339 with microseconds. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly api: ResourceClient<Lease>;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly stopController = new AbortController();
  private leadership: AbortController | undefined;
  private loop: Promise<void> | undefined;
  /** The lease spec as last seen, and when (on our clock) it last changed. */
  private observed: Lease['spec'] | undefined;
  private observedAt = 0;
  private reportedLeader = '';

  constructor(client: ApiClient, private readonly opts: LeaderElectionOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = (opts.logger ?? nullLogger).child({ component: 'leader-election', lease: `${opts.namespace}/${opts.name}`, identity: opts.identity });
    this.api = client.resource(leases, opts.namespace);
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    // As upstream's NewLeaderElector validation.
    if (this.leaseDurationMs <= this.renewDeadlineMs) throw new Error('leaseDuration must be greater than renewDeadline');
    if (this.renewDeadlineMs <= JITTER * this.retryPeriodMs) throw new Error('renewDeadline must be greater than retryPeriod*JitterFactor');
  }

  start(): void {
    if (this.loop) return;
    if (this.stopController.signal.aborted) throw new Error('a stopped leader elector cannot start again');
    this.loop = this.run();
  }

  /** Stops campaigning (and leading, releasing the lease if asked). Idempotent. */
  async stop(): Promise<void> {
    this.stopController.abort();
    await this.loop;
  }

  isLeader(): boolean {
    return this.leadership !== undefined;
  }

  /** The holder last observed ('' when none). */
  get leader(): string {
    return this.observed?.holderIdentity ?? '';
  }

  private get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  private async run(): Promise<void> {
    if (!(await this.acquire())) return;
    const leadership = new AbortController();
    this.leadership = leadership;
    this.logger.info('became leader');
    this.guard('onStartedLeading', () => this.opts.onStartedLeading(leadership.signal));
    await this.renewLoop();
    this.leadership = undefined;
    leadership.abort();
    if (this.opts.releaseOnStop && this.stopped) await this.release();
    this.logger.info('stopped leading');
    this.guard('onStoppedLeading', () => this.opts.onStoppedLeading());
  }

  /** Tries every retryPeriod (with jitter) until the lease is ours or we are stopped. */
  private async acquire(): Promise<boolean> {
    while (!this.stopped) {
      if (await this.tryAcquireOrRenew()) return true;
      await sleep(this.clock, this.retryPeriodMs * (1 + Math.random() * JITTER), this.stopController.signal);
    }
    return false;
  }

  /** Renews every retryPeriod; returns when a renewal could not succeed within renewDeadline, or on stop. */
  private async renewLoop(): Promise<void> {
    while (!this.stopped) {
      const deadline = this.clock.now() + this.renewDeadlineMs;
      let renewed = false;
      while (!this.stopped && this.clock.now() < deadline) {
        if (await this.tryAcquireOrRenew()) {
          renewed = true;
          break;
        }
        await sleep(this.clock, Math.min(this.retryPeriodMs, Math.max(0, deadline - this.clock.now())), this.stopController.signal);
      }
      if (this.stopped) return;
      if (!renewed) {
        this.logger.warn('failed to renew the lease within the renew deadline');
        return;
      }
      await sleep(this.clock, this.retryPeriodMs, this.stopController.signal);
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const spec: NonNullable<Lease['spec']> = {
      holderIdentity: this.opts.identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(this.leaseDurationMs / 1000)),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    let current: Lease;
    try {
      current = await this.api.get(this.opts.name);
    } catch (err) {
      if (!isNotFound(err)) {
        this.logger.warn('could not read the lease', { error: errorText(err) });
        return false;
      }
      try {
        const created = await this.api.create({ metadata: { name: this.opts.name, namespace: this.opts.namespace }, spec });
        this.see(created.spec, now);
        return true;
      } catch (createErr) {
        this.logger.debug('could not create the lease', { error: errorText(createErr) });
        return false;
      }
    }
    const old = current.spec ?? {};
    if (JSON.stringify(old) !== JSON.stringify(this.observed)) this.see(old, now);
    const holder = old.holderIdentity ?? '';
    const iHoldIt = holder === this.opts.identity;
    // Compare on our own clock against when we saw it change, as upstream.
    const expiresAt = this.observedAt + (old.leaseDurationSeconds ?? 0) * 1000;
    if (holder && !iHoldIt && expiresAt > now) return false;
    if (iHoldIt) {
      spec.acquireTime = old.acquireTime ?? spec.acquireTime;
      spec.leaseTransitions = old.leaseTransitions ?? 0;
    } else {
      spec.leaseTransitions = (old.leaseTransitions ?? 0) + 1;
    }
    try {
      const updated = await this.api.update({ ...current, spec });
      this.see(updated.spec, now);
      return true;
    } catch (err) {
      this.logger.debug('could not update the lease', { error: errorText(err) });
      return false;
    }
  }

  private see(spec: Lease['spec'], at: number): void {
    this.observed = spec;
    this.observedAt = at;
    const holder = spec?.holderIdentity ?? '';
    if (holder && holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      if (holder !== this.opts.identity && this.opts.onNewLeader) this.guard('onNewLeader', () => this.opts.onNewLeader!(holder));
    }
  }

  /** As upstream's release(): an empty holder and a 1 s duration, so others need not wait. */
  private async release(): Promise<void> {
    try {
      const current = await this.api.get(this.opts.name);
      if (current.spec?.holderIdentity !== this.opts.identity) return;
      const now = microTime(this.clock.now());
      await this.api.update({
        ...current,
        spec: { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: current.spec?.leaseTransitions ?? 0 },
      });
    } catch (err) {
      this.logger.warn('could not release the lease', { error: errorText(err) });
    }
  }

  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.error('leader election callback failed', { callback: what, error: err instanceof Error ? err.stack : String(err) });
    }
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
