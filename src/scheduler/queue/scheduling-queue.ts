// The scheduling queue (upstream internal/queue PriorityQueue): activeQ (pods ready to try,
// highest priority then oldest first), backoffQ (pods waiting out a per-pod back-off of 1 s
// doubling to 10 s) and unschedulablePods (waiting for a cluster event that may help, or at most
// 5 minutes). pop() waits for a pod.
import type { Pod } from 'kubernetes-types/core/v1.js';
import { newPodInfo, podKey, type PodInfo } from '../framework/pod-info.js';
import type { Clock } from './clock.js';
import { DEFAULT_PLUGIN_EVENTS, eventMayHelp, EVENTS, type ClusterEvent } from './events.js';
import { KeyedHeap } from './heap.js';
import { Nominator } from './nominator.js';

export interface QueuedPodInfo {
  podInfo: PodInfo;
  /** When the pod last entered a queue; orders activeQ and starts the back-off. */
  timestamp: number;
  /** Scheduling attempts so far; each doubles the back-off. */
  attempts: number;
  initialAttemptTimestamp?: number;
  /** Plugins that rejected the pod in its last attempt. */
  unschedulablePlugins: Set<string>;
}

export interface SchedulingQueueOptions {
  clock: Clock;
  /** Upstream podInitialBackoffSeconds / podMaxBackoffSeconds: 1 s and 10 s. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Upstream podMaxInUnschedulablePodsDuration: 5 minutes. */
  maxInUnschedulableMs?: number;
  pluginEvents?: Parameters<typeof eventMayHelp>[2];
}

/** Upstream PrioritySort: higher spec.priority first, then earlier queue timestamp. */
function activeLess(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
  if (a.podInfo.priority !== b.podInfo.priority) return a.podInfo.priority > b.podInfo.priority;
  return a.timestamp < b.timestamp;
}

const keyOf = (q: QueuedPodInfo) => q.podInfo.key;

export class SchedulingQueue {
  private readonly clock: Clock;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxInUnschedulableMs: number;
  private readonly pluginEvents: SchedulingQueueOptions['pluginEvents'];
  private readonly activeQ = new KeyedHeap<QueuedPodInfo>(keyOf, activeLess);
  private readonly backoffQ = new KeyedHeap<QueuedPodInfo>(keyOf, (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b));
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  private readonly waiters: ((q: QueuedPodInfo | undefined) => void)[] = [];
  readonly nominator = new Nominator();
  /** Incremented on every pop; a move request during a pod's cycle sends it to backoffQ. */
  schedulingCycle = 0;
  private moveRequestCycle = -1;
  private closed = false;
  private timers: unknown[] = [];

  constructor(opts: SchedulingQueueOptions) {
    this.clock = opts.clock;
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.maxInUnschedulableMs = opts.maxInUnschedulableMs ?? 5 * 60_000;
    this.pluginEvents = opts.pluginEvents ?? DEFAULT_PLUGIN_EVENTS;
  }

  /** Starts the periodic flushes (backoffQ every second, unschedulablePods every 30 s), as upstream Run. */
  run(): void {
    const every = (ms: number, fn: () => void) => {
      const tick = () => {
        if (this.closed) return;
        fn();
        this.timers.push(this.clock.setTimeout(tick, ms));
      };
      this.timers.push(this.clock.setTimeout(tick, ms));
    };
    every(1000, () => this.flushBackoffQCompleted());
    every(30_000, () => this.flushUnschedulablePodsLeftover());
  }

  /** Stops timers and wakes pending pop() calls with undefined. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.timers = [];
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  /** A new pending pod: straight to activeQ. */
  add(pod: Pod): void {
    const key = podKey(pod);
    const now = this.clock.now();
    this.backoffQ.delete(key);
    this.unschedulable.delete(key);
    const existing = this.activeQ.get(key);
    const q: QueuedPodInfo = existing
      ? { ...existing, podInfo: newPodInfo(pod) }
      : { podInfo: newPodInfo(pod), timestamp: now, attempts: 0, unschedulablePlugins: new Set() };
    this.pushActive(q);
    this.nominator.add(q.podInfo);
  }

  /** A pending pod changed. In unschedulablePods, a real change moves it on, as upstream. */
  update(oldPod: Pod | undefined, newPod: Pod): void {
    const key = podKey(newPod);
    const pi = newPodInfo(newPod);
    for (const heap of [this.activeQ, this.backoffQ]) {
      const q = heap.get(key);
      if (q) {
        heap.addOrUpdate({ ...q, podInfo: pi });
        this.nominator.add(pi);
        return;
      }
    }
    const u = this.unschedulable.get(key);
    if (u) {
      const moved = { ...u, podInfo: pi };
      if (oldPod && !specOrLabelsChanged(oldPod, newPod)) this.unschedulable.set(key, moved);
      else {
        this.unschedulable.delete(key);
        this.requeue(moved);
      }
      this.nominator.add(pi);
      return;
    }
    this.add(newPod);
  }

  delete(pod: Pod): void {
    const key = podKey(pod);
    this.activeQ.delete(key);
    this.backoffQ.delete(key);
    this.unschedulable.delete(key);
    this.nominator.delete(pod);
  }

  /** The next pod to schedule; waits while activeQ is empty; undefined once closed. */
  pop(): Promise<QueuedPodInfo | undefined> {
    const q = this.activeQ.pop();
    if (q) return Promise.resolve(this.started(q));
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private started(q: QueuedPodInfo): QueuedPodInfo {
    this.schedulingCycle++;
    q.attempts++;
    q.initialAttemptTimestamp ??= this.clock.now();
    return q;
  }

  private pushActive(q: QueuedPodInfo): void {
    const w = this.waiters.shift();
    if (w) w(this.started(q));
    else this.activeQ.addOrUpdate(q);
  }

  /**
   * After a failed attempt. Rejected pods wait in unschedulablePods, unless a move request came
   * during their cycle (the event might have helped): then backoffQ. Errors go to backoffQ.
   */
  addUnschedulableIfNotPresent(q: QueuedPodInfo, podSchedulingCycle: number, opts: { error?: boolean; unschedulablePlugins?: Iterable<string> } = {}): void {
    const key = keyOf(q);
    if (this.activeQ.has(key) || this.backoffQ.has(key) || this.unschedulable.has(key)) return;
    q.timestamp = this.clock.now();
    q.unschedulablePlugins = new Set(opts.unschedulablePlugins ?? q.unschedulablePlugins);
    if (opts.error || this.moveRequestCycle >= podSchedulingCycle) this.backoffQ.addOrUpdate(q);
    else this.unschedulable.set(key, q);
    this.nominator.add(q.podInfo);
  }

  /** Upstream MoveAllToActiveOrBackoffQueue: pods the event may help leave unschedulablePods. */
  moveAllToActiveOrBackoffQueue(event: ClusterEvent, preCheck?: (pod: Pod) => boolean): void {
    for (const [key, q] of this.unschedulable) {
      if (preCheck && !preCheck(q.podInfo.pod)) continue;
      if (!eventMayHelp(event, q.unschedulablePlugins, this.pluginEvents)) continue;
      this.unschedulable.delete(key);
      this.requeue(q);
    }
    this.moveRequestCycle = this.schedulingCycle;
  }

  /** Moves pods into activeQ regardless of back-off (upstream Activate). */
  activate(pods: Pod[]): void {
    for (const pod of pods) {
      const key = podKey(pod);
      const q = this.unschedulable.get(key) ?? this.backoffQ.get(key);
      if (!q) continue;
      this.unschedulable.delete(key);
      this.backoffQ.delete(key);
      this.pushActive(q);
    }
  }

  private requeue(q: QueuedPodInfo): void {
    if (this.isBackingOff(q)) this.backoffQ.addOrUpdate(q);
    else this.pushActive(q);
  }

  /** 1 s × 2^(attempts−1), capped at 10 s, as upstream calculateBackoffDuration. */
  backoffDuration(q: QueuedPodInfo): number {
    let d = this.initialBackoffMs;
    for (let i = 1; i < q.attempts; i++) {
      d *= 2;
      if (d >= this.maxBackoffMs) return this.maxBackoffMs;
    }
    return Math.min(d, this.maxBackoffMs);
  }

  private backoffExpiry(q: QueuedPodInfo): number {
    return q.timestamp + this.backoffDuration(q);
  }

  isBackingOff(q: QueuedPodInfo): boolean {
    return this.backoffExpiry(q) > this.clock.now();
  }

  /** Moves pods whose back-off has expired to activeQ. */
  flushBackoffQCompleted(): void {
    for (;;) {
      const q = this.backoffQ.peek();
      if (!q || this.isBackingOff(q)) return;
      this.backoffQ.pop();
      this.pushActive(q);
    }
  }

  /** Pods stuck in unschedulablePods longer than the maximum get another try. */
  flushUnschedulablePodsLeftover(): void {
    const now = this.clock.now();
    const stale = [...this.unschedulable.values()].filter((q) => now - q.timestamp > this.maxInUnschedulableMs);
    for (const q of stale) {
      this.unschedulable.delete(keyOf(q));
      this.requeue(q);
    }
  }

  /** Sizes of the three sub-queues (for tests and metrics). */
  lengths(): { active: number; backoff: number; unschedulable: number } {
    return { active: this.activeQ.size, backoff: this.backoffQ.size, unschedulable: this.unschedulable.size };
  }

  /** Every pending pod the queue holds. */
  pendingPods(): Pod[] {
    return [...this.activeQ.list(), ...this.backoffQ.list(), ...this.unschedulable.values()].map((q) => q.podInfo.pod);
  }

  /** Exposed for callers that record an event name with a move. */
  static readonly events = EVENTS;
}

function specOrLabelsChanged(a: Pod, b: Pod): boolean {
  return JSON.stringify([a.spec, a.metadata?.labels, a.metadata?.annotations]) !==
    JSON.stringify([b.spec, b.metadata?.labels, b.metadata?.annotations]);
}
