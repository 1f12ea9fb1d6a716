// Records core/v1 Events about objects, as client-go's tools/record recorder and its
// broadcaster's sink: each event goes through the correlator (aggregate, de-duplicate,
// spam-filter), then is created, or patched (count, lastTimestamp) when it repeats one
// already written. Writes happen in order in the background; recording never throws,
// because an event must never fail the work it describes.
import { performance } from 'node:perf_hooks';
import type { Logger } from '../logger.js';
import { nullLogger } from '../logger.js';
import type { ApiClient } from './api-client.js';
import type { Clock } from './clock.js';
import { realClock, sleep } from './clock.js';
import type { IdleGate } from './idle-gate.js';
import { TokenBucket } from './rate-limiter.js';
import { isNotFound } from './errors.js';
import type { CoreEvent, CorrelatorOptions } from './event-correlator.js';
import { EventCorrelator, metaTime } from './event-correlator.js';
import type { ObjectWithMeta } from './resources.js';
import { events } from './resources.js';

export type EventType = 'Normal' | 'Warning';

export interface ObjectReference {
  kind?: string;
  apiVersion?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

export interface EventRecorderOptions {
  /** source.component and reportingComponent, e.g. "deployment-controller". */
  component: string;
  /** source.host and reportingInstance (a kubelet's node name). */
  host?: string;
  clock?: Clock;
  logger?: Logger;
  correlator?: CorrelatorOptions;
  /**
   * Client-side rate limit of event writes, as the event client of upstream's components
   * (the kubelet's eventRecordQPS 50 and eventBurst 100): writes beyond it wait, in order.
   */
  writeRate?: { qps: number; burst: number };
  /**
   * Writes wait while the process's event loop is saturated, at most the gate's maxWaitMs after
   * the event was recorded (idle-gate.ts): events then do not slow the work they describe.
   */
  gate?: IdleGate;
  /**
   * Writes in flight at once (default 1: one after another, as client-go's tools/record sink
   * that the kubelet and the controllers use). kube-scheduler's tools/events writes every
   * event on its own goroutine; more than one here does the same, bounded. Repeats of one
   * event (a patch of the same name) still go in order.
   */
  concurrentWrites?: number;
}

/** A reference to `obj` (its kind and apiVersion must be set, as on watched objects). */
export function referenceTo(obj: ObjectWithMeta, fieldPath?: string): ObjectReference {
  const m = obj.metadata ?? {};
  return {
    kind: obj.kind,
    apiVersion: obj.apiVersion,
    namespace: m.namespace,
    name: m.name,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    ...(fieldPath ? { fieldPath } : {}),
  };
}

const MAX_QUEUED_EVENTS = 1000;

export class EventRecorder {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly correlator: EventCorrelator;
  private readonly writeRate: TokenBucket | undefined;
  /** Per event name, the last write queued for it (every write shares one name with concurrency 1). */
  private readonly lastWrite = new Map<string, Promise<void>>();
  private readonly slots: WriteSlots;
  private queued = 0;
  /** Events dropped because the queue was full. */
  dropped = 0;
  private stopped = false;

  constructor(private readonly client: ApiClient, private readonly opts: EventRecorderOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = (opts.logger ?? nullLogger).child({ component: 'event-recorder', source: opts.component });
    this.correlator = new EventCorrelator(this.clock, opts.correlator);
    this.writeRate = opts.writeRate ? new TokenBucket(opts.writeRate.qps, opts.writeRate.burst, this.clock) : undefined;
    this.slots = new WriteSlots(Math.max(1, opts.concurrentWrites ?? 1));
  }

  /** Records an event about `about` (an object or a reference). Returns at once. */
  event(about: ObjectWithMeta | ObjectReference, type: EventType, reason: string, message: string): void {
    if (this.stopped) return;
    const ref: ObjectReference = 'metadata' in about ? referenceTo(about as ObjectWithMeta) : (about as ObjectReference);
    const now = this.clock.now();
    const ts = metaTime(now);
    // As upstream's makeEvent: the event lives in the object's namespace, "default" for cluster-scoped ones.
    const namespace = ref.namespace || 'default';
    const ev: CoreEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: this.correlator.eventName(ref.name ?? '', now), namespace },
      involvedObject: ref,
      reason,
      message,
      type,
      source: { component: this.opts.component, ...(this.opts.host ? { host: this.opts.host } : {}) },
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      reportingComponent: this.opts.component,
      reportingInstance: this.opts.host ?? '',
    };
    const result = this.correlator.correlate(ev);
    if (result.skip) {
      this.logger.debug('event dropped by the spam filter', { reason, object: `${namespace}/${ref.name}` });
      return;
    }
    // As client-go's broadcaster (maxQueuedEvents = 1000): events beyond the queue are dropped
    // rather than held in memory while the API server is busy.
    if (this.queued >= MAX_QUEUED_EVENTS) {
      this.dropped++;
      return;
    }
    this.queued++;
    const recordedAt = performance.now();
    const key = this.slots.size === 1 ? '' : (result.event.metadata.name ?? '');
    const after = this.lastWrite.get(key) ?? Promise.resolve();
    const written: Promise<void> = after
      .then(() => this.slots.run(() => this.write(result.event, result.patch, recordedAt)))
      .finally(() => {
        this.queued--;
        if (this.lastWrite.get(key) === written) this.lastWrite.delete(key);
      });
    this.lastWrite.set(key, written);
  }

  /** Resolves when every event recorded so far has been written (or has failed). */
  async flush(): Promise<void> {
    while (this.lastWrite.size > 0) await Promise.all(this.lastWrite.values());
  }

  /** Stops recording; waits for pending writes. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.flush();
  }

  private async write(ev: CoreEvent, patch: { count: number; lastTimestamp: string; message: string } | undefined, recordedAt: number): Promise<void> {
    await this.opts.gate?.wait(recordedAt);
    const wait = this.writeRate?.reserve() ?? 0;
    if (wait > 0) await sleep(this.clock, wait);
    const api = this.client.resource(events, ev.metadata.namespace);
    try {
      let written: CoreEvent | undefined;
      if (patch && ev.metadata.name) {
        try {
          written = (await api.patch(ev.metadata.name, 'strategic', patch)) as CoreEvent;
        } catch (err) {
          // As upstream: the event may have expired or been deleted; create it afresh.
          if (!isNotFound(err)) throw err;
        }
      }
      if (!written) {
        const fresh = { ...ev, metadata: { ...ev.metadata, resourceVersion: undefined } };
        written = (await api.create(fresh as never)) as CoreEvent;
      }
      this.correlator.updateState(written);
    } catch (err) {
      this.logger.warn('could not write event', { reason: ev.reason, object: `${ev.involvedObject.namespace}/${ev.involvedObject.name}`, error: err instanceof Error ? err.message : String(err) });
    }
  }
}

/** At most `size` writes at once; the others wait their turn, first come first served. */
class WriteSlots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly size: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
