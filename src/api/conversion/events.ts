// events.k8s.io/v1 ↔ core/v1 Event conversion. Both share one store (core/v1 is the storage
// version); the field mapping follows upstream pkg/apis/events/v1 conversion.
import type { KubeObject } from '../kinds.js';

type Obj = Record<string, any>;

/** events.k8s.io/v1 field → core/v1 field; fields with the same name on both sides are copied as is. */
const renamed: [string, string][] = [
  ['regarding', 'involvedObject'],
  ['note', 'message'],
  ['deprecatedSource', 'source'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedCount', 'count'],
  ['reportingController', 'reportingComponent'],
];
const shared = ['metadata', 'eventTime', 'series', 'reportingInstance', 'action', 'reason', 'related', 'type'];

function copyFields(src: Obj, dst: Obj, pairs: [string, string][]): void {
  for (const [from, to] of pairs) {
    if (src[from] !== undefined) dst[to] = structuredClone(src[from]);
  }
}

export function eventsV1ToCore(ev: KubeObject): KubeObject {
  const out: KubeObject = { apiVersion: 'v1', kind: 'Event' };
  copyFields(ev, out, shared.map((f) => [f, f]));
  copyFields(ev, out, renamed);
  return out;
}

export function coreToEventsV1(ev: KubeObject): KubeObject {
  const out: KubeObject = { apiVersion: 'events.k8s.io/v1', kind: 'Event' };
  copyFields(ev, out, shared.map((f) => [f, f]));
  copyFields(ev, out, renamed.map(([a, b]) => [b, a]));
  return out;
}
