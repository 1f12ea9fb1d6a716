// Decides what an event becomes before it is written, after client-go's
// tools/record/events_cache.go:
// - aggregation: more than 10 events about one object that differ only in message within
//   10 minutes become one "(combined from similar events): …" event;
// - de-duplication: an event identical to one already written becomes a patch of that one
//   (count + 1, lastTimestamp now);
// - spam filter: a source may burst 25 events about one object, then 1 per 5 minutes.
import type { Clock } from './clock.js';
import { TokenBucket } from './rate-limiter.js';

export interface CoreEvent {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; resourceVersion?: string; [k: string]: unknown };
  involvedObject: { kind?: string; namespace?: string; name?: string; uid?: string; apiVersion?: string; resourceVersion?: string; fieldPath?: string };
  reason?: string;
  message?: string;
  type?: string;
  source?: { component?: string; host?: string };
  firstTimestamp?: string;
  lastTimestamp?: string;
  count?: number;
  reportingComponent?: string;
  reportingInstance?: string;
  eventTime?: string | null;
}

export interface CorrelationResult {
  event: CoreEvent;
  /** Set when the event repeats one already written: patch that one instead of creating. */
  patch?: { count: number; lastTimestamp: string; message: string };
  /** The spam filter dropped it. */
  skip: boolean;
}

export interface CorrelatorOptions {
  maxEvents?: number;
  maxIntervalSeconds?: number;
  burst?: number;
  qps?: number;
  cacheSize?: number;
}

/** A Map used as a least-recently-used cache (Maps iterate in insertion order). */
class Lru<V> {
  private readonly map = new Map<string, V>();

  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
}

// The keys join their fields with NUL (which no field holds); concatenation rather than an
// array joined, as three keys are built for every event recorded.
const SEP = '\u0000';

/** Events identical in everything but time and count (upstream getEventKey). */
export function eventKey(e: CoreEvent): string {
  const o = e.involvedObject;
  return (e.source?.component ?? '') + SEP + (e.source?.host ?? '') + SEP + (o.kind ?? '') + SEP + (o.namespace ?? '') + SEP +
    (o.name ?? '') + SEP + (o.fieldPath ?? '') + SEP + (o.uid ?? '') + SEP + (o.apiVersion ?? '') + SEP + (e.type ?? '') + SEP +
    (e.reason ?? '') + SEP + (e.message ?? '');
}

/** Events that may be aggregated: equal but for the message (upstream EventAggregatorByReasonFunc). */
function aggregateKey(e: CoreEvent): string {
  const o = e.involvedObject;
  return (e.source?.component ?? '') + SEP + (e.source?.host ?? '') + SEP + (o.kind ?? '') + SEP + (o.namespace ?? '') + SEP +
    (o.name ?? '') + SEP + (o.uid ?? '') + SEP + (o.apiVersion ?? '') + SEP + (e.type ?? '') + SEP + (e.reason ?? '') + SEP +
    (e.reportingComponent ?? '') + SEP + (e.reportingInstance ?? '');
}

/** One source talking about one object (upstream getSpamKey). */
function spamKey(e: CoreEvent): string {
  const o = e.involvedObject;
  return (e.source?.component ?? '') + SEP + (e.source?.host ?? '') + SEP + (o.kind ?? '') + SEP + (o.namespace ?? '') + SEP +
    (o.name ?? '') + SEP + (o.uid ?? '') + SEP + (o.apiVersion ?? '') + SEP + (e.type ?? '');
}

/** metav1.Time: RFC 3339 to the second. */
export function metaTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

interface Observation {
  count: number;
  firstTimestamp?: string;
  name?: string;
  resourceVersion?: string;
}

export class EventCorrelator {
  private readonly maxEvents: number;
  private readonly maxIntervalMs: number;
  private readonly burst: number;
  private readonly qps: number;
  private readonly aggregates: Lru<{ messages: Set<string>; lastAt: number }>;
  private readonly observations: Lru<Observation>;
  private readonly spam: Lru<TokenBucket>;
  private seq = 0;

  constructor(private readonly clock: Clock, opts: CorrelatorOptions = {}) {
    this.maxEvents = opts.maxEvents ?? 10;
    this.maxIntervalMs = (opts.maxIntervalSeconds ?? 600) * 1000;
    this.burst = opts.burst ?? 25;
    this.qps = opts.qps ?? 1 / 300;
    const size = opts.cacheSize ?? 4096;
    this.aggregates = new Lru(size);
    this.observations = new Lru(size);
    this.spam = new Lru(size);
  }

  correlate(input: CoreEvent): CorrelationResult {
    const { event, key } = this.aggregate(input);
    const observed = this.observe(event, key);
    return { ...observed, skip: this.filtered(observed.event) };
  }

  /** After a successful write, remember the server's name, count and resourceVersion. */
  updateState(written: CoreEvent): void {
    this.observations.set(eventKey(written), {
      count: written.count ?? 1,
      firstTimestamp: written.firstTimestamp,
      name: written.metadata.name,
      resourceVersion: written.metadata.resourceVersion,
    });
  }

  /** A name unique per object and instant, as upstream's "<object>.<hex nanoseconds>". */
  eventName(objectName: string, nowMs: number): string {
    const nanos = BigInt(nowMs) * 1_000_000n + BigInt(this.seq++ % 1_000_000);
    return `${objectName}.${nanos.toString(16)}`;
  }

  private aggregate(e: CoreEvent): { event: CoreEvent; key: string } {
    const now = this.clock.now();
    const aggKey = aggregateKey(e);
    let record = this.aggregates.get(aggKey);
    if (!record || now - record.lastAt > this.maxIntervalMs) record = { messages: new Set(), lastAt: now };
    record.messages.add(e.message ?? '');
    record.lastAt = now;
    this.aggregates.set(aggKey, record);
    if (record.messages.size < this.maxEvents) return { event: e, key: eventKey(e) };
    // Keep the set from growing past the threshold (upstream pops an arbitrary member).
    record.messages.delete(record.messages.values().next().value!);
    const ts = metaTime(now);
    const combined: CoreEvent = {
      ...e,
      metadata: { name: this.eventName(e.involvedObject.name ?? '', now), namespace: e.metadata.namespace },
      count: 1,
      firstTimestamp: ts,
      lastTimestamp: ts,
      message: `(combined from similar events): ${e.message ?? ''}`,
    };
    // The aggregate key (not the message) identifies the combined event, so repeats patch it.
    return { event: combined, key: aggKey };
  }

  private observe(e: CoreEvent, key: string): Omit<CorrelationResult, 'skip'> {
    const last = this.observations.get(key);
    let event = e;
    let patch: CorrelationResult['patch'];
    if (last && last.count > 0) {
      event = {
        ...e,
        metadata: { ...e.metadata, name: last.name, resourceVersion: last.resourceVersion },
        firstTimestamp: last.firstTimestamp,
        count: last.count + 1,
      };
      patch = { count: event.count!, lastTimestamp: event.lastTimestamp!, message: event.message ?? '' };
    }
    this.observations.set(key, {
      count: event.count ?? 1,
      firstTimestamp: event.firstTimestamp,
      name: event.metadata.name,
      resourceVersion: event.metadata.resourceVersion,
    });
    return { event, patch };
  }

  private filtered(e: CoreEvent): boolean {
    const key = spamKey(e);
    let bucket = this.spam.get(key);
    if (!bucket) bucket = new TokenBucket(this.qps, this.burst, this.clock);
    this.spam.set(key, bucket);
    return !bucket.tryAccept();
  }
}
