// The scheduler (upstream pkg/scheduler scheduler.go + schedule_one.go plumbing): informers feed
// the cache and the queue; one loop pops a pod, runs the pure scheduling cycle (schedulePod) on
// the cache's snapshot, assumes the pod on the chosen node and binds it in the background
// through pods/binding. A pod that fits nowhere gets a FailedScheduling event and a
// PodScheduled=False condition and waits in the queue; preemption deletes the victims and
// nominates the node. With leader election, only the leader schedules.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../client/api-client.js';
import type { Clock } from '../client/clock.js';
import { realClock } from '../client/clock.js';
import { isConflict, isNotFound } from '../client/errors.js';
import { EventRecorder } from '../client/event-recorder.js';
import type { IdleGate } from '../client/idle-gate.js';
import { InformerFactory } from '../client/informer-factory.js';
import { LeaderElector } from '../client/leader-election.js';
import { nodes, pods } from '../client/resources.js';
import type { HandlerRegistration } from '../client/shared-informer.js';
import type { Logger } from '../logger.js';
import { nullLogger } from '../logger.js';
import { SchedulerCache } from './cache.js';
import { DEFAULT_SCHEDULER_NAME, defaultProfile } from './default-profile.js';
import { addAllEventHandlers } from './event-handlers.js';
import { Framework } from './framework/framework.js';
import type { PodInfo } from './framework/pod-info.js';
import type { Profile, Registry } from './framework/profile.js';
import { Code } from './framework/status.js';
import { bindingFor } from './plugins/default-binder.js';
import {
  clearNomination, REASON_SCHEDULER_ERROR, REASON_UNSCHEDULABLE, updatePodSchedulingStatus,
} from './pod-condition.js';
import type { Clock as QueueClock } from './queue/clock.js';
import { SchedulingQueue, type QueuedPodInfo } from './queue/scheduling-queue.js';
import { inTreeRegistry } from './registry.js';
import { schedulePod } from './schedule-one.js';

export interface SchedulerLeaderElection {
  namespace?: string;
  name?: string;
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface SchedulerOptions {
  client: ApiClient;
  /** Profiles, or just scheduler names for default profiles. Default: one default-scheduler profile. */
  profiles?: (Profile | string)[];
  registry?: Registry;
  /** A shared informer factory (already started or not); by default the scheduler makes its own. */
  informers?: InformerFactory;
  leaderElect?: boolean;
  leaderElection?: SchedulerLeaderElection;
  clock?: Clock;
  logger?: Logger;
  /** Picks among equally scored nodes; default Math.random. */
  random?: () => number;
  /** Bindings in flight at once before the loop waits (upstream binds in unbounded goroutines). */
  maxInFlightBindings?: number;
  podInitialBackoffMs?: number;
  podMaxBackoffMs?: number;
  /** Record a Normal "Scheduled" event per bound pod, as upstream (default true). */
  recordScheduledEvents?: boolean;
  /** Event writes wait while the process is saturated (client/idle-gate.ts); default: written at once. */
  eventGate?: IdleGate;
  /**
   * The client events are written with. As kube-scheduler (createClients builds an eventClient
   * of its own): events then do not queue in front of bindings. Default: `client`.
   */
  eventClient?: ApiClient;
}

type State = 'INITIALIZED' | 'STARTING' | 'RUNNING' | 'STOPPING' | 'STOPPED';

/**
 * Event writes in flight at once. kube-scheduler's tools/events writes each event on a
 * goroutine of its own, so none waits behind another (its tools/record-style queue of 1,000
 * would otherwise drop most Scheduled events when thousands of pods are bound a second).
 */
const EVENT_WRITES = 32;

/** How long the loop may keep the event loop before letting I/O (bindings, watches) run. */
const YIELD_EVERY_MS = 20;

export class Scheduler {
  readonly cache = new SchedulerCache();
  readonly queue: SchedulingQueue;
  readonly frameworks = new Map<string, Framework>();
  private readonly client: ApiClient;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly informers: InformerFactory;
  private readonly ownInformers: boolean;
  private readonly recorders = new Map<string, EventRecorder>();
  private readonly random: () => number;
  private readonly maxInFlight: number;
  private registrations: HandlerRegistration[] = [];
  private elector: LeaderElector | undefined;
  private loop: Promise<void> | undefined;
  private loopStop = false;
  private state: State = 'INITIALIZED';
  private startIndex = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private slotWaiters: (() => void)[] = [];
  /**
   * Counters for tests, logs and benchmarks. algorithmMs sums the time of the scheduling
   * algorithm (filter, score, select), as upstream's scheduling_algorithm_duration_seconds.
   */
  readonly stats = { scheduled: 0, bound: 0, unschedulable: 0, errors: 0, preemptions: 0, algorithmMs: 0 };

  constructor(private readonly opts: SchedulerOptions) {
    this.client = opts.client;
    this.clock = opts.clock ?? realClock;
    this.logger = (opts.logger ?? nullLogger).child({ component: 'scheduler' });
    this.random = opts.random ?? Math.random;
    this.maxInFlight = opts.maxInFlightBindings ?? 256;
    const registry = opts.registry ?? inTreeRegistry();
    for (const p of opts.profiles ?? [DEFAULT_SCHEDULER_NAME]) {
      const profile = typeof p === 'string' ? defaultProfile(p) : p;
      if (this.frameworks.has(profile.schedulerName)) throw new Error(`duplicate profile for schedulerName "${profile.schedulerName}"`);
      this.frameworks.set(profile.schedulerName, new Framework(profile, registry));
      this.recorders.set(profile.schedulerName, new EventRecorder(opts.eventClient ?? this.client, { component: profile.schedulerName, clock: this.clock, logger: opts.logger, gate: opts.eventGate, concurrentWrites: EVENT_WRITES }));
    }
    const clock = this.clock;
    const queueClock: QueueClock = {
      now: () => clock.now(),
      setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
      clearTimeout: (h) => (h as { cancel(): void }).cancel(),
    };
    this.queue = new SchedulingQueue({ clock: queueClock, initialBackoffMs: opts.podInitialBackoffMs, maxBackoffMs: opts.podMaxBackoffMs });
    this.ownInformers = !opts.informers;
    this.informers = opts.informers ?? new InformerFactory(this.client, { clock: this.clock, logger: opts.logger });
    if (this.ownInformers) {
      // As kube-scheduler's informers: managedFields are never read here, and the scheduler
      // writes with patches only, so its caches drop them (about a third of a pod's size).
      this.informers.informerFor(pods).setTransform(stripManagedFields);
      this.informers.informerFor(nodes).setTransform(stripManagedFields);
    }
  }

  /** Starts informers, waits for their caches, then schedules (once leader, with leader election). */
  async start(): Promise<void> {
    if (this.state !== 'INITIALIZED') throw new Error(`cannot start a scheduler that is ${this.state}`);
    this.state = 'STARTING';
    this.registrations = addAllEventHandlers({
      informers: this.informers,
      cache: this.cache,
      queue: this.queue,
      responsibleFor: (pod) => this.frameworks.has(pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME),
    });
    this.informers.start();
    await this.informers.waitForSync();
    if (this.state !== 'STARTING') return;
    this.queue.run();
    this.state = 'RUNNING';
    if (this.opts.leaderElect) {
      const le = this.opts.leaderElection ?? {};
      this.elector = new LeaderElector(this.client, {
        namespace: le.namespace ?? 'kube-system',
        name: le.name ?? 'kube-scheduler',
        identity: le.identity ?? `${hostname()}_${randomUUID()}`,
        leaseDurationMs: le.leaseDurationMs,
        renewDeadlineMs: le.renewDeadlineMs,
        retryPeriodMs: le.retryPeriodMs,
        releaseOnStop: true,
        clock: this.clock,
        logger: this.opts.logger,
        onStartedLeading: () => this.startLoop(),
        onStoppedLeading: () => void this.stopLoop(),
      });
      this.elector.start();
    } else {
      this.startLoop();
    }
    this.logger.info('scheduler started', { profiles: [...this.frameworks.keys()], leaderElect: !!this.opts.leaderElect });
  }

  /** Stops scheduling, waits for bindings in flight, stops informers it owns. Idempotent. */
  async stop(): Promise<void> {
    if (this.state === 'STOPPED' || this.state === 'STOPPING') return;
    this.state = 'STOPPING';
    await this.elector?.stop();
    await this.stopLoop();
    this.queue.close();
    await Promise.all([...this.inFlight]);
    for (const r of this.registrations) r.remove();
    if (this.ownInformers) await this.informers.stop();
    for (const r of this.recorders.values()) await r.stop();
    this.state = 'STOPPED';
  }

  /**
   * Events the recorders dropped because their queue was full, as client-go's tools/record
   * broadcaster drops them (kube-scheduler's tools/events writes each one on its own instead).
   */
  get eventsDropped(): number {
    let n = 0;
    for (const r of this.recorders.values()) n += r.dropped;
    return n;
  }

  isLeader(): boolean {
    return this.elector ? this.elector.isLeader() : this.state === 'RUNNING';
  }

  private startLoop(): void {
    if (this.loop) return;
    this.loopStop = false;
    this.loop = this.run();
  }

  /**
   * Ends the loop. Closing the queue wakes a pop() waiting on it; a scheduler that lost its
   * leadership therefore schedules no more (upstream exits the process then).
   */
  private async stopLoop(): Promise<void> {
    this.loopStop = true;
    if (this.state !== 'STOPPING') this.logger.error('lost leadership; scheduling stopped');
    this.queue.close();
    await this.loop;
    this.loop = undefined;
  }

  private async run(): Promise<void> {
    let sliceStart = Date.now();
    while (!this.loopStop) {
      const q = await this.queue.pop();
      if (!q || this.loopStop) break;
      try {
        this.scheduleOne(q);
      } catch (err) {
        this.logger.error('scheduling cycle failed', { pod: q.podInfo.key, error: err instanceof Error ? err.stack : String(err) });
      }
      if (this.inFlight.size >= this.maxInFlight) await new Promise<void>((r) => this.slotWaiters.push(r));
      // pop() resolves at once while pods wait: yield now and then so responses and watches get in.
      if (Date.now() - sliceStart > YIELD_EVERY_MS) {
        await new Promise<void>((r) => setImmediate(r));
        sliceStart = Date.now();
      }
    }
  }

  /** One scheduling cycle (synchronous); the binding cycle continues in the background. */
  private scheduleOne(q: QueuedPodInfo): void {
    const pod = q.podInfo.pod;
    const fw = this.frameworks.get(pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME);
    // As upstream skipPodSchedule: deleted, being deleted, or already assumed pods are not scheduled.
    if (!fw || pod.metadata?.deletionTimestamp || this.cache.isAssumed(pod)) return;
    const cycle = this.queue.schedulingCycle;
    const snapshot = this.cache.current();
    const started = performance.now();
    const r = schedulePod(fw, snapshot, q.podInfo, {
      startIndex: this.startIndex,
      random: this.random,
      nominatedPods: this.queue.nominator.empty ? undefined : this.queue.nominator.podsForNode,
    });
    this.stats.algorithmMs += performance.now() - started;
    this.startIndex = r.nextStartIndex;

    if ('error' in r) {
      // No nodes at all is an unschedulable outcome upstream (ErrNoNodesAvailable), not an error.
      const unresolvable = r.error.code === Code.UnschedulableAndUnresolvable;
      this.handleFailure(fw, q, cycle, r.error.message(), unresolvable ? REASON_UNSCHEDULABLE : REASON_SCHEDULER_ERROR, !unresolvable);
      return;
    }
    if ('failure' in r) {
      let nominated: string | undefined;
      if (r.nominatedNodeName && r.victims?.length) {
        nominated = r.nominatedNodeName;
        this.preempt(fw, q.podInfo, nominated, r.victims);
      } else if (r.nominatedNodeName === '') {
        nominated = '';
      }
      this.handleFailure(fw, q, cycle, r.failure.message, REASON_UNSCHEDULABLE, false, r.failure.diagnosis.unschedulablePlugins, nominated);
      return;
    }

    const nodeName = r.nodeName;
    this.cache.assumePod(pod, nodeName, q.podInfo);
    const reserve = fw.runReservePluginsReserve(r.state, q.podInfo, nodeName);
    const permit = reserve.isSuccess() ? fw.runPermitPlugins(r.state, q.podInfo, nodeName).status : reserve;
    if (!permit.isSuccess()) {
      fw.runReservePluginsUnreserve(r.state, q.podInfo, nodeName);
      this.cache.forgetPod(pod);
      const msg = permit.code === Code.Wait ? 'waiting in Permit is not supported' : permit.message();
      this.handleFailure(fw, q, cycle, msg, permit.isRejected() ? REASON_UNSCHEDULABLE : REASON_SCHEDULER_ERROR, !permit.isRejected());
      return;
    }
    this.queue.nominator.delete(pod);
    this.stats.scheduled++;
    this.track(this.bind(fw, q, cycle, r.state, nodeName));
  }

  private async bind(fw: Framework, q: QueuedPodInfo, cycle: number, state: Parameters<Framework['runBindPlugins']>[0], nodeName: string): Promise<void> {
    const pi = q.podInfo;
    const pod = pi.pod;
    try {
      const pre = fw.runPreBindPlugins(state, pi, nodeName);
      if (!pre.isSuccess()) throw new Error(pre.message());
      const r = fw.runBindPlugins(state, pi, nodeName);
      if (!r.status.isSuccess() && !r.status.isSkip()) throw new Error(r.status.message());
      const binding = r.binding ?? bindingFor(pi, nodeName);
      await this.client.resource(pods, pod.metadata?.namespace ?? 'default').createSubresource(pod.metadata!.name!, 'binding', binding);
      this.stats.bound++;
      if (this.opts.recordScheduledEvents !== false) {
        this.recorder(fw).event(pod, 'Normal', 'Scheduled', `Successfully assigned ${pi.key} to ${nodeName}`);
      }
    } catch (err) {
      fw.runReservePluginsUnreserve(state, pi, nodeName);
      this.cache.forgetPod(pod);
      // Gone, or bound by someone else meanwhile: nothing to retry (the informer will tell).
      if (isNotFound(err) || isConflict(err)) {
        this.logger.debug('binding skipped', { pod: pi.key, node: nodeName, error: String(err) });
        return;
      }
      const msg = `binding rejected: ${err instanceof Error ? err.message : String(err)}`;
      this.logger.warn('binding failed', { pod: pi.key, node: nodeName, error: msg });
      this.handleFailure(fw, q, cycle, msg, REASON_SCHEDULER_ERROR, true);
    }
  }

  /**
   * Upstream handleSchedulingFailure: event, status condition (and nomination), back to the
   * queue. Errors go to backoffQ; rejections wait in unschedulablePods for a helpful event.
   */
  private handleFailure(
    fw: Framework, q: QueuedPodInfo, cycle: number, message: string, reason: string, isError: boolean,
    plugins?: Set<string>, nominatedNodeName?: string,
  ): void {
    const pod = q.podInfo.pod;
    if (isError) this.stats.errors++;
    else this.stats.unschedulable++;
    this.logger.debug('unable to schedule pod', { pod: q.podInfo.key, reason, message });
    if (nominatedNodeName) this.queue.nominator.add(q.podInfo, nominatedNodeName);
    else if (nominatedNodeName === '') this.queue.nominator.delete(pod);
    // The pod may have been deleted or bound meanwhile: only requeue what the informer still has pending.
    const current = this.informers.informerFor(pods).lister.get(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '') as Pod | undefined;
    if (current && !current.spec?.nodeName && current.metadata?.uid === pod.metadata?.uid) {
      this.queue.addUnschedulableIfNotPresent(q, cycle, { error: isError, unschedulablePlugins: plugins });
    }
    this.recorder(fw).event(pod, 'Warning', 'FailedScheduling', truncate(message));
    const target = current ?? pod;
    this.track(updatePodSchedulingStatus(this.client, target, { reason, message }, nominatedNodeName, new Date(this.clock.now())).catch((err) => {
      if (!isNotFound(err)) this.logger.warn('could not update the pod condition', { pod: q.podInfo.key, error: String(err) });
    }));
  }

  /**
   * Upstream preemption PrepareCandidate: evict the victims (a plain delete, so each gets its own
   * grace period) with a Preempted event, and take the nomination from lower-priority pods
   * nominated to the same node.
   */
  private preempt(fw: Framework, pod: PodInfo, nodeName: string, victims: PodInfo[]): void {
    this.stats.preemptions++;
    const recorder = this.recorder(fw);
    for (const v of victims) {
      const victim = v.pod;
      recorder.event(victim, 'Normal', 'Preempted', `Preempted by pod ${pod.pod.metadata?.uid ?? pod.key} on node ${nodeName}`);
      this.track(this.client.resource(pods, victim.metadata?.namespace ?? 'default').delete(victim.metadata!.name!, {
        preconditions: victim.metadata?.uid ? { uid: victim.metadata.uid } : undefined,
      }).then(() => undefined, (err) => {
        if (!isNotFound(err) && !isConflict(err)) this.logger.warn('could not delete preemption victim', { pod: v.key, error: String(err) });
      }));
    }
    for (const other of this.queue.nominator.podsForNode(nodeName)) {
      if (other.key === pod.key || other.priority >= pod.priority) continue;
      this.queue.nominator.delete(other.pod);
      this.track(clearNomination(this.client, other.pod).catch(() => undefined));
    }
  }

  private recorder(fw: Framework): EventRecorder {
    return this.recorders.get(fw.profileName)!;
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => {
      this.inFlight.delete(p);
      if (this.inFlight.size < this.maxInFlight) this.slotWaiters.shift()?.();
    });
  }
}

/** Upstream truncates event messages to 1024 bytes (noteLengthLimit). */
function truncate(msg: string): string {
  return msg.length > 1024 ? `${msg.slice(0, 1021)}...` : msg;
}

/** The informer receives objects of its own (parsed from its watch), so trimming in place is safe. */
function stripManagedFields<T extends { metadata?: { managedFields?: unknown } }>(obj: T): T {
  if (obj.metadata?.managedFields) delete obj.metadata.managedFields;
  return obj;
}
